"""Helm's release record read from a cluster (the Kubernetes API emulator): a chart that dropped
a label and a scalar, with the release Secret readable and without it.

The live state is tests/data/helm_record/live.yaml (see its README): hello-world installed at a
version with a `tier` label and `minReadySeconds`; Git holds the chart without them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA, run_cli
from support.kube_emulator import Fault, KubeEmulator

HELLO_WORLD = DATA / "charts" / "helm__examples" / "charts" / "hello-world"
LIVE = DATA / "helm_record" / "live.yaml"
SECRET = "sh.helm.release.v1.hello.v2"
PRIVATE = "s3cr3t-value-never-printed"
TOKEN = "emulator-token-helm-record"


@pytest.fixture
def emulator() -> Iterator[KubeEmulator]:
    objects = list(yaml.safe_load_all(LIVE.read_text(encoding="utf-8")))
    with KubeEmulator(objects, token=TOKEN) as emu:
        yield emu


def check(emu: KubeEmulator, tmp_path: Path) -> tuple[dict[str, Any], str]:
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
    done = run_cli(
        *("--helm-chart", str(HELLO_WORLD), "--release", "hello", "--namespace", "default"),
        *("--kubeconfig", str(kubeconfig), "--context", "ci", "--explain"),
        *("--output", "json", "--fail-on", "none"),
    )
    assert done.returncode == 0, done.stderr
    assert PRIVATE not in done.stdout + done.stderr
    return json.loads(done.stdout), done.stderr


def deployment(report: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in report["resources"] if r["kind"] == "Deployment")


def test_the_record_read_from_the_cluster_names_what_the_chart_dropped(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    report, _ = check(emulator, tmp_path)
    result = deployment(report)
    assert result["status"] == "drifted"
    paths = sorted(c["path"] for c in result["changes"])
    assert paths == ["metadata.labels.tier", "spec.minReadySeconds"]
    notes = [n for n in result["normalized"] if n["rule"] == "helm-release-record"]
    assert {n["path"] for n in notes} == set(paths)
    assert all(SECRET in n["reason"] for n in notes)
    listed = [r for r in emulator.requests if r.path.endswith("/secrets")]
    assert [r.query.get("labelSelector") for r in listed] == [
        "owner=helm,name=hello,status=deployed"
    ]


def test_without_permission_on_secrets_managed_fields_still_find_the_label(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(status=403, path_regex=r"/secrets"))
    report, _ = check(emulator, tmp_path)
    result = deployment(report)
    assert [c["path"] for c in result["changes"]] == ["metadata.labels.tier"]
    [warning] = [w for w in report["warnings"] if "sh.helm.release.v1.hello" in w]
    assert "managedFields" in warning
    assert "could not be read" in warning and "403" in warning  # not "no record": it exists
