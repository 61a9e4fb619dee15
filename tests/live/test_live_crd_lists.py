"""A custom kind's list semantics read from its CRD in the cluster (issue 17), against the
Kubernetes API emulator: one GET per custom kind being compared, and a refusal is a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA
from support.kube_emulator import Fault, KubeEmulator

from drift_action.core.model import Report, Status
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.sources.manifests import ManifestsSpec

SCHEMA = DATA / "schema"
TOKEN = "emulator-token-crd-lists"


def load(name: str) -> Any:
    return yaml.safe_load((SCHEMA / name).read_text(encoding="utf-8"))


def compare(emu: KubeEmulator, tmp_path: Path, desired: Any) -> Report:
    folder = tmp_path / "git"
    folder.mkdir()
    (folder / "gateway.yaml").write_text(yaml.safe_dump(desired), encoding="utf-8")
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
    spec = ClusterSpec(kubeconfig=str(kubeconfig), context="ci")
    return run(RunOptions((ManifestsSpec((str(folder),), "shop"),), cluster=spec))


def gateway(report: Report) -> Any:
    return next(r for r in report.resources if r.key.kind == "Gateway")


@pytest.fixture
def emulator() -> Any:
    with KubeEmulator([load("crd.yaml"), load("gateway-reordered.yaml")], token=TOKEN) as emu:
        yield emu


def test_the_clusters_crd_makes_a_reordered_list_map_in_sync(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    report = compare(emulator, tmp_path, load("gateway.yaml"))
    found = gateway(report)
    assert found.status is Status.IN_SYNC, found.changes
    assert ("schema-list-map", "spec.routes") in {(n.rule, n.path) for n in found.normalized}
    crd_reads = [r.path for r in emulator.requests if "customresourcedefinitions" in r.path]
    assert crd_reads == [
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.example.com"
    ]


def test_a_changed_item_is_reported_at_its_key(emulator: KubeEmulator, tmp_path: Path) -> None:
    desired = load("gateway.yaml")
    desired["spec"]["routes"][0]["backend"] = "new-svc"
    found = gateway(compare(emulator, tmp_path, desired))
    assert [c.path_text for c in found.changes] == ["spec.routes[name=web,port=80].backend"]


def test_a_forbidden_crd_is_a_warning_and_lists_compare_by_position(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(status=403, path_regex="customresourcedefinitions"))
    report = compare(emulator, tmp_path, load("gateway.yaml"))
    warned = [w for w in report.warnings if "gateways.example.com" in w]
    assert len(warned) == 1 and "forbidden" in warned[0]
    assert gateway(report).status is Status.DRIFTED
