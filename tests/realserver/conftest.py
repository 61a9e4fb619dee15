"""The real-server tier: one real etcd and kube-apiserver for the whole session.

Where neither Go nor a cached build is at hand, the tier is not collected and the run's summary
says so in one line (a plain machine still passes); with DRIFT_APISERVER_REQUIRED=1, as .ci/run
sets where Go is, that is a failure of every test in it instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.real_apiserver import REQUIRED_ENV, Binaries, ControlPlane, Unavailable, locate
from support.real_apiserver.cluster import RealCluster

try:
    BINARIES: Binaries | None = locate()
    UNAVAILABLE = ""
except Unavailable as why:
    BINARIES, UNAVAILABLE = None, str(why)
REQUIRED = os.environ.get(REQUIRED_ENV) == "1"

if UNAVAILABLE and not REQUIRED:
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if UNAVAILABLE and not REQUIRED:
        terminalreporter.write_line(
            f"SKIPPED the real API server tier (tests/realserver): {UNAVAILABLE}"
        )


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    if BINARIES is None:
        pytest.fail(f"the real API server tier must run here ({REQUIRED_ENV}=1): {UNAVAILABLE}")
    with ControlPlane(BINARIES) as plane:
        yield plane


@pytest.fixture(scope="session")
def real(
    control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealCluster]:
    cluster = RealCluster(control_plane, Path(tmp_path_factory.mktemp("real-cluster")))
    yield cluster
    cluster.close()
