"""Helm: a drifted field of a rendered object is not edited (a template may transform values);
the note names the chart, and the values file and key when exactly one holds Git's value."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from support import DATA, run_cli

CHART = DATA / "charts" / "helm__examples" / "charts" / "hello-world"
HELM = shutil.which("helm")


@pytest.mark.skipif(HELM is None, reason="helm is not installed")
def test_helm_values_key_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    assert HELM is not None
    shutil.copytree(CHART, tmp_path / "hello-world")
    (tmp_path / "prod.yaml").write_text("image:\n  pullPolicy: Always\n", encoding="utf-8")
    rendered = subprocess.run(
        [HELM, "template", "release-name", "hello-world", "-f", "prod.yaml"],
        cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    live = [d for d in yaml.safe_load_all(rendered) if d]
    (deployment,) = [d for d in live if d["kind"] == "Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    for obj in live:
        obj["metadata"].setdefault("namespace", "default")
        obj["metadata"]["managedFields"] = [
            {"manager": "helm", "operation": "Update", "apiVersion": obj["apiVersion"],
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}},
        ]  # fmt: skip
    snapshot = tmp_path / "live.yaml"
    snapshot.write_text(yaml.safe_dump({"kind": "List", "apiVersion": "v1", "items": live}))
    patch = tmp_path / "adopt.diff"
    done = run_cli(
        "--helm-chart", "hello-world", "--values", "prod.yaml", "--live-snapshot", "live.yaml",
        "--write-adopt-patch", str(patch), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert patch.read_text(encoding="utf-8") == ""
    notes = [line for line in done.stderr.splitlines() if "Deployment default/" in line]
    assert any("Helm chart hello-world" in line for line in notes), notes
    assert any("prod.yaml key image.pullPolicy" in line for line in notes), notes
