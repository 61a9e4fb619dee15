"""Pull requests: base, head and live compared (issue 16), through the installed command, on a
real git repository (tests/support/pr_repo.py), against a snapshot and the Kubernetes emulator."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli
from support.kube_emulator import KubeEmulator
from support.pr_repo import (
    classes,
    git,
    live_objects,
    make_repo,
    shallow_clone,
    write,
    write_live,
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HELM = ("--helm-chart", "charts/cache", "--release", "cache")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    return make_repo(tmp_path)


EVERY_CLASS = {
    "Deployment web": ("drifted", "drift", {"replicas": "drift", "image": "planned"}),
    "Deployment worker": ("drifted", "conflict", {"image": "conflict"}),
    "Deployment api": ("in_sync", "adopted", {"image": "adopted"}),
    "ConfigMap flags": ("missing", "planned", {}),
    "Service legacy": ("extra", "planned", {}),
    # The chart is new in the PR: every object of it is a planned creation.
    "Service cache-hello-world": ("missing", "planned", {}),
    "ServiceAccount cache-hello-world": ("missing", "planned", {}),
    "Deployment cache-hello-world": ("missing", "planned", {}),
}


def drift_json(repo: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = run_cli("--manifests", "k8s", *HELM, "-n", "shop", "-o", "json", *args, cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def test_every_class_against_a_snapshot_with_a_base_ref(repo: tuple[Path, str]) -> None:
    folder, _ = repo
    live = write_live(folder.parent / "live.yaml")
    result, document = drift_json(folder, "--live-snapshot", str(live), "--base-ref", "main")
    assert classes(document) == EVERY_CLASS
    assert result.returncode == 1  # the hand-scaled replicas and the conflict fail the job
    assert document["summary"] == {
        "in_sync": 1,
        "drifted": 2,  # web (drift) and worker (conflict); the planned ones are not drift
        "missing": 0,
        "extra": 0,
        "errors": 0,
        "planned": 6,
        "conflicts": 1,
        "adopted": 1,
    }
    assert document["base"].startswith("base commit ") and "(main)" in document["base"]
    web = next(r for r in document["resources"] if r["name"] == "web")
    image = next(c for c in web["changes"] if c["class"] == "planned")
    assert (image["base"], image["desired"], image["live"]) == (
        "shop/web:1.4.2",
        "shop/web:1.4.3",
        "shop/web:1.4.2",
    )
    worker = next(r for r in document["resources"] if r["name"] == "worker")
    (conflict,) = worker["changes"]
    assert (conflict["base"], conflict["desired"], conflict["live"]) == (
        "shop/worker:3.0.0",
        "shop/worker:3.1.0",
        "shop/worker:3.0.1-hotfix",
    )
    assert conflict["attribution"]["manager"] == "kubectl-set"
    legacy = next(r for r in document["resources"] if r["name"] == "legacy")
    assert legacy["source"]["file"] == "k8s/web.yaml"  # the base's file, named as in the repo
    # The worktree is gone, and the repository holds no trace of it.
    assert git(folder, "worktree", "list").count("\n") == 0
    assert git(folder, "status", "--porcelain") == ""


def test_every_class_against_the_cluster(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    with KubeEmulator(live_objects(), token="t0k3n-pr") as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
        _, document = drift_json(folder, "--kubeconfig", str(kubeconfig), "--base-ref", "main")
        lists = [r.path for r in emu.requests if "limit" in r.query]
    assert classes(document) == EVERY_CLASS
    # One read of the live state serves base and head: each type is listed once.
    assert len(lists) == len(set(lists)), lists


def test_a_base_folder_gives_the_same_classes(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, base = repo
    checkout = tmp_path / "base-checkout"
    git(folder, "worktree", "add", "-q", "--detach", str(checkout), base)
    live = write_live(tmp_path / "live.yaml")
    _, document = drift_json(folder, "--live-snapshot", str(live), "--base", str(checkout))
    assert classes(document) == EVERY_CLASS
    assert document["base"] == f"base checkout {checkout}"


def test_a_planned_image_bump_alone_does_not_fail(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    live = write_live(tmp_path / "live.yaml", hand_edits=False)
    result, document = drift_json(folder, "--live-snapshot", str(live), "--base-ref", "main")
    assert result.returncode == 0, result.stdout
    assert document["summary"]["drifted"] == 0 and document["summary"]["planned"] >= 1
    web = next(r for r in document["resources"] if r["name"] == "web")
    assert [c["class"] for c in web["changes"]] == ["planned"]
    # --fail-on any: the PR's own changes fail too; without a base, the bump reads as drift.
    args = ("--live-snapshot", str(live), "--base-ref", "main", "--fail-on", "any")
    assert drift_json(folder, *args)[0].returncode == 1
    assert drift_json(folder, "--live-snapshot", str(live))[0].returncode == 1


def test_text_report_names_the_classes(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    live = write_live(tmp_path / "live.yaml")
    result = run_cli(
        "--manifests", "k8s", "-n", "shop", "--live-snapshot", str(live), "--base-ref", "main",
        cwd=folder,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    for word in ("planned", "conflict", "adopted", "drift"):
        assert word in result.stdout.lower()


# --- bad input ---------------------------------------------------------------------------------


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""  # nothing half-written
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("drift-action: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def test_a_base_ref_that_does_not_exist(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    live = write_live(tmp_path / "live.yaml")
    result = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--base-ref", "no-such-branch",
        cwd=folder,
    )  # fmt: skip
    one_line_error(result, "no-such-branch", "no such commit or ref", "git fetch")


def test_a_shallow_clone_without_the_base(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, base = repo
    shallow = shallow_clone(folder, tmp_path, reachable=False)
    live = write_live(tmp_path / "live.yaml")
    result = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--base-ref", base, cwd=shallow
    )
    one_line_error(result, base, "shallow clone")


def test_git_missing_from_path(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    live = write_live(tmp_path / "live.yaml")
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--base-ref", "main",
        cwd=folder, env={"PATH": str(empty)},
    )  # fmt: skip
    one_line_error(result, "git is not on PATH", "--base DIR")


def test_a_base_folder_without_the_sources(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    live = write_live(tmp_path / "live.yaml")
    (tmp_path / "elsewhere").mkdir()
    result = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--base", str(tmp_path / "elsewhere"),
        cwd=folder,
    )  # fmt: skip
    one_line_error(result, "holds none of the sources", "k8s")


def test_a_chart_broken_at_base_still_gives_the_head_report(tmp_path: Path) -> None:
    folder, _ = make_repo(tmp_path, chart=False)
    chart = folder / "charts" / "cache"
    shutil.copytree(Path(__file__).parents[1] / "data" / "charts" / "helm__examples" / "charts"
                    / "hello-world", chart)  # fmt: skip
    broken = chart / "templates" / "service.yaml"
    good = broken.read_text(encoding="utf-8")
    broken.write_text("{{ if }}\n", encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "a broken chart")
    base = git(folder, "rev-parse", "HEAD")
    broken.write_text(good, encoding="utf-8")
    git(folder, "commit", "-qam", "fix the chart")
    live = write_live(tmp_path / "live.yaml")
    result = run_cli(
        *HELM, "-n", "shop", "--live-snapshot", str(live), "--base-ref", base, "-o", "json",
        cwd=folder,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # the chart's objects are missing: drift
    warning = [line for line in result.stderr.splitlines() if "base could not be rendered" in line]
    assert len(warning) == 1 and "as without a base" in warning[0]
    document = json.loads(result.stdout)
    assert document["base"] is None
    assert {r["class"] for r in document["resources"]} == {"drift"}


def test_the_command_works_from_a_subfolder(repo: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = repo
    live = write_live(tmp_path / "live.yaml")
    result = run_cli(
        "--manifests", ".", "-n", "shop", "--live-snapshot", str(live), "--base-ref", "main",
        "-o", "json", cwd=folder / "k8s",
    )  # fmt: skip
    document = json.loads(result.stdout)
    found = {k: v for k, v in classes(document).items() if "cache" not in k}
    assert found == {k: v for k, v in EVERY_CLASS.items() if "cache" not in k}
    worktrees = folder / ".git" / "worktrees"
    assert not worktrees.exists() or not os.listdir(worktrees)


def secret(value: str) -> dict[str, Any]:
    encoded = base64.b64encode(value.encode()).decode()
    meta = {"name": "db", "namespace": "shop"}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"password": encoded}}


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_no_secret_value_in_any_class(tmp_path: Path, fmt: str) -> None:
    """The PR and a hand edit both change a Secret (a conflict): neither value, nor the base's,
    shows in any format, base64 or plain."""
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    values = {"base": "base-pw-4417", "head": "head-pw-9051", "live": "live-pw-2263"}
    write(folder / "k8s", {"db.yaml": [secret(values["base"])]})
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "base")
    git(folder, "checkout", "-qb", "pr")
    write(folder / "k8s", {"db.yaml": [secret(values["head"])]})
    git(folder, "commit", "-qam", "rotate")
    live = tmp_path / "live.yaml"
    live.write_text(yaml.safe_dump(secret(values["live"])), encoding="utf-8")
    result = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--base-ref", "main", "-o", fmt,
        "--explain", cwd=folder,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    out = result.stdout + result.stderr
    for value in values.values():
        assert value not in out
        assert base64.b64encode(value.encode()).decode() not in out
    if fmt == "json":
        (change,) = json.loads(result.stdout)["resources"][0]["changes"]
        assert change["class"] == "conflict" and change["redacted"]
