"""The real-server tier: one real etcd and kube-apiserver for the whole session.

Skipped with one line where neither Go nor a cached build is at hand (a plain machine still
passes); with DRIFT_APISERVER_REQUIRED=1, as .ci/run sets where Go is, that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.real_apiserver import REQUIRED_ENV, ControlPlane, Unavailable, locate
from support.real_apiserver.cluster import RealCluster


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    try:
        binaries = locate()
    except Unavailable as why:
        if os.environ.get(REQUIRED_ENV) == "1":
            pytest.fail(f"the real API server tier must run here ({REQUIRED_ENV}=1): {why}")
        pytest.skip(f"real API server tier: {why}")
    with ControlPlane(binaries) as plane:
        yield plane


@pytest.fixture(scope="session")
def real(
    control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealCluster]:
    cluster = RealCluster(control_plane, Path(tmp_path_factory.mktemp("real-cluster")))
    yield cluster
    cluster.close()
