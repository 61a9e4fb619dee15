"""Kustomize: a field is adopted into the resource file the build names (originAnnotations),
unless a patch made it; then the note names the file, and nothing is edited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from support import run_cli
from support.pr_repo import git

pytestmark = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None,
    reason="neither kustomize nor kubectl is installed",
)

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2  # the overlay's patch sets it
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: "shop/web:1.0"  # a release
"""
KUSTOMIZATION = """\
buildMetadata: [originAnnotations]
namespace: shop
resources:
  - deploy.yaml
patches:
  - patch: |-
      - op: replace
        path: /spec/replicas
        value: 3
    target: {kind: Deployment, name: web}
"""


def test_adopts_into_the_resource_file_but_not_what_a_patch_set(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "deploy.yaml").write_text(DEPLOY, encoding="utf-8")
    (repo / "app" / "kustomization.yaml").write_text(KUSTOMIZATION, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "app")
    live = yaml.safe_load(DEPLOY)
    live["metadata"]["namespace"] = "shop"
    live["spec"]["replicas"] = 6
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/web:1.0.1-hotfix"
    human = {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
        'k:{"name":"web"}': {"f:image": {}}}}}}}  # fmt: skip
    live["metadata"]["managedFields"] = [
        {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1",
         "fieldsType": "FieldsV1", "fieldsV1": human, "time": "2026-11-20T10:05:00Z"},
    ]  # fmt: skip
    (tmp_path / "live.yaml").write_text(yaml.safe_dump(live), encoding="utf-8")
    patch = tmp_path / "adopt.diff"
    done = run_cli(
        "--kustomize", "app", "--live-snapshot", str(tmp_path / "live.yaml"),
        "--write-adopt-patch", str(patch), cwd=repo,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    notes = [line for line in done.stderr.splitlines() if "spec.replicas" in line]
    assert len(notes) == 1 and "app/deploy.yaml" in notes[0]
    git(repo, "apply", str(patch))
    after = (repo / "app" / "deploy.yaml").read_text(encoding="utf-8")
    assert after == DEPLOY.replace('"shop/web:1.0"', '"shop/web:1.0.1-hotfix"')
