"""An aggregated API that is down, as metrics-server often is: the real kube-aggregator answers
503 for its group. Only the objects of that group are `error`; everything else is compared."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from support import run_cli
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster, unique

GROUP = "things.drift.example.com"


@pytest.fixture
def broken_api(real: RealCluster) -> Iterator[str]:
    """An APIService whose backing Service does not exist; removed afterwards, because every
    client's discovery in this session would otherwise keep meeting it."""
    name = f"v1.{unique('g').replace('-', '')}.{GROUP}"
    group = name.removeprefix("v1.")
    services = real.resource("apiregistration.k8s.io/v1", "APIService")
    services.create(
        body={
            "metadata": {"name": name},
            "spec": {
                "group": group, "version": "v1", "groupPriorityMinimum": 1000,
                "versionPriority": 15, "insecureSkipTLSVerify": True,
                "service": {"name": "nowhere", "namespace": "default", "port": 443},
            },
        }
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the aggregator has looked and said Available=False
        status = services.get(name=name).to_dict().get("status") or {}
        if any(c["type"] == "Available" for c in status.get("conditions") or []):
            break
        time.sleep(0.2)
    try:
        yield group
    finally:
        services.delete(name=name)
        real.dynamic.resources.invalidate_cache()


def test_an_aggregated_api_that_is_down_fails_its_objects_alone(
    broken_api: str, real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    namespace = real.namespace("agg")
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": namespace},
        "data": {"mode": "on"},
    }
    real.client_side_apply(configmap)
    thing = {
        "apiVersion": f"{broken_api}/v1",
        "kind": "Thing",
        "metadata": {"name": "one", "namespace": namespace},
        "spec": {"size": 1},
    }
    manifests = tmp_path / "m.yaml"
    manifests.write_text(yaml.safe_dump_all([configmap, thing]))
    kubeconfig = control_plane.kubeconfig(tmp_path / "kubeconfig")

    result = run_cli(
        "--manifests", str(manifests), "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json",
    )  # fmt: skip

    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    statuses = {r["kind"]: r["status"] for r in document["resources"]}
    assert statuses == {"ConfigMap": "in_sync", "Thing": "error"}
    (failed,) = [r for r in document["resources"] if r["kind"] == "Thing"]
    assert broken_api in failed["message"], failed["message"]
