"""Every kind of source at both commits of a pull request: a Kustomize overlay, and the config
file's `sources:` (one the PR adds, one it removes), through the command and the action."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_action, run_cli
from support.action_run import action_env
from support.pr_repo import configmap, deployment, git, service

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
needs_kustomize = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None,
    reason="neither kustomize nor kubectl is installed",
)


def dump(path: Path, docs: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def snapshot(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": objects}))
    return path


def found(document: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {f"{r['kind']} {r['name']}": (r["status"], r["class"]) for r in document["resources"]}


@needs_kustomize
def test_a_kustomize_overlay_at_both_commits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    dump(repo / "base" / "web.yaml", [deployment("web", "shop/web:1.0")])
    (repo / "base" / "kustomization.yaml").write_text("resources: [web.yaml]\n")
    overlay = "resources: [../base]\nnamespace: shop\nimages:\n- name: shop/web\n  newTag: '{}'\n"
    (repo / "prod").mkdir()
    (repo / "prod" / "kustomization.yaml").write_text(overlay.format("1.1"))
    commit(repo, "base")
    git(repo, "checkout", "-qb", "pr")
    (repo / "prod" / "kustomization.yaml").write_text(overlay.format("1.2"))
    commit(repo, "bump")
    live = snapshot(tmp_path / "live.yaml", [deployment("web", "shop/web:1.1")])
    args = ("-k", "prod", "--live-snapshot", str(live), "-o", "json")
    with_base = run_cli(*args, "--base-ref", "main", cwd=repo)
    assert with_base.returncode == 0, with_base.stderr
    assert found(json.loads(with_base.stdout)) == {"Deployment web": ("drifted", "planned")}
    without = run_cli(*args, cwd=repo)
    assert without.returncode == 1  # the same bump, with no base, reads as drift


def config_repo(tmp_path: Path) -> tuple[Path, str]:
    """A config file's sources: the PR drops `legacy/` and adds `new/`."""
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    dump(repo / "k8s" / "web.yaml", [deployment("web", "shop/web:1")])
    dump(repo / "legacy" / "old.yaml", [service("old")])
    sources = "sources:\n  - manifests: [k8s]\n    namespace: shop\n"
    legacy = "  - manifests: [legacy]\n    namespace: shop\n"
    (repo / ".drift.yaml").write_text(sources + legacy)
    base = commit(repo, "base")
    git(repo, "checkout", "-qb", "pr")
    shutil.rmtree(repo / "legacy")
    dump(repo / "new" / "flags.yaml", [configmap("flags", {"beta": "on"})])
    (repo / ".drift.yaml").write_text(sources + "  - manifests: [new]\n    namespace: shop\n")
    commit(repo, "move")
    return repo, base


EXPECTED = {
    "Deployment web": ("in_sync", None),
    "Service old": ("extra", "planned"),  # only the base's config lists legacy/
    "ConfigMap flags": ("missing", "planned"),  # only the head's lists new/
}


def test_config_file_sources_at_both_commits(tmp_path: Path) -> None:
    repo, _ = config_repo(tmp_path)
    live = snapshot(tmp_path / "live.yaml", [deployment("web", "shop/web:1"), service("old")])
    result = run_cli("--live-snapshot", str(live), "--base-ref", "main", "-o", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert found(json.loads(result.stdout)) == EXPECTED


def test_config_file_sources_through_the_action(tmp_path: Path) -> None:
    repo, base = config_repo(tmp_path)
    snapshot(repo / "live.yaml", [deployment("web", "shop/web:1"), service("old")])
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "base": {"sha": base}}}))
    env = action_env(repo, live_snapshot="live.yaml")
    env |= {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    result = run_action(repo, env)
    assert result.returncode == 0, result.stdout
    report = json.loads((repo / "drift-report.json").read_text())
    assert found(report) == EXPECTED
    assert report["base"] == f"base commit {base[:12]}"
