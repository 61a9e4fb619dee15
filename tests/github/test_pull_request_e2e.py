"""A real pull-request-shaped run: the action's entry point (as its container runs it) in a git
checkout of the PR, the event naming the base commit, publishing to the GitHub API emulator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.github_emulator import GitHubEmulator
from support.github_run import Runner, pr_event
from support.pr_repo import HEAD as HEAD_FILES
from support.pr_repo import git, make_repo, shallow_clone, write, write_live

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    return make_repo(tmp_path / "checkout", chart=False)


def run_pr(
    repo: tuple[Path, str], gh: GitHubEmulator, *, hand_edits: bool, **inputs: str
) -> tuple[Runner, object, int]:
    folder, base = repo
    write_live(folder / "live.yaml", hand_edits=hand_edits)  # in the workspace, untracked
    head = git(folder, "rev-parse", "HEAD")
    gh.add_commit(head)
    number = gh.add_pull_request(head)
    act = Runner(folder, gh)
    result = act(
        "pull_request",
        pr_event(number, head, base),
        live="live.yaml",
        manifests="k8s",
        namespace="shop",
        check_run="true",
        **inputs,
    )
    return act, result, number


def test_planned_only_pull_request_passes(repo: tuple[Path, str], gh: GitHubEmulator) -> None:
    act, result, number = run_pr(repo, gh, hand_edits=False)
    assert result.returncode == 0, result.stdout  # type: ignore[attr-defined]
    (run,) = gh.check_runs()
    assert run.conclusion == "success"
    levels = {a["annotation_level"] for a in run.annotations}
    assert levels == {"notice"}  # the PR's own changes are notices, not failures
    (comment,) = gh.comments(number)
    assert "What this PR changes" in comment.body
    assert "Drift already in the cluster" not in comment.body
    outputs = act.outputs()
    assert outputs["drift_detected"] == "false" and outputs["planned_count"] != "0"
    report = json.loads((repo[0] / "drift-report.json").read_text())
    assert report["base"].startswith("base commit ")


def test_drift_and_planned_are_separate_sections(
    repo: tuple[Path, str], gh: GitHubEmulator
) -> None:
    _, result, number = run_pr(repo, gh, hand_edits=True)
    assert result.returncode == 1  # type: ignore[attr-defined]
    (run,) = gh.check_runs()
    assert run.conclusion == "failure"
    (comment,) = gh.comments(number)
    body = comment.body
    sections = [
        "Drift already in the cluster",
        "Conflicts",
        "What this PR changes",
        "Adopted from the cluster",
    ]
    places = [body.find(title) for title in sections]
    assert all(p >= 0 for p in places) and places == sorted(places), places
    by_level = {a["title"].split(" ", 2)[1]: a["annotation_level"] for a in run.annotations}
    assert by_level["shop/worker"] != "notice"  # the conflict fails
    assert by_level["shop/flags"] == "notice"  # a planned creation


def test_a_shallow_checkout_fetches_the_base(
    repo: tuple[Path, str], gh: GitHubEmulator, tmp_path: Path
) -> None:
    folder, base = repo
    shallow = shallow_clone(folder, tmp_path)
    _, result, _ = run_pr((shallow, base), gh, hand_edits=True)
    assert result.returncode == 1, result.stdout  # type: ignore[attr-defined]
    report = json.loads((shallow / "drift-report.json").read_text())
    assert report["summary"]["planned"] > 0 and report["summary"]["conflicts"] == 1


def test_a_shallow_checkout_that_cannot_fetch_says_what_to_set(
    repo: tuple[Path, str], gh: GitHubEmulator, tmp_path: Path
) -> None:
    folder, base = repo
    shallow = shallow_clone(folder, tmp_path, reachable=False)
    _, result, number = run_pr((shallow, base), gh, hand_edits=True)
    assert result.returncode == 2  # type: ignore[attr-defined]
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error::")]  # type: ignore[attr-defined]
    assert len(errors) == 1 and "fetch-depth: 0" in errors[0] and base in errors[0]
    assert not (shallow / "drift-report.md").exists()  # nothing half-written
    assert gh.comments(number) == []


def test_compare_base_false_is_today_s_report(repo: tuple[Path, str], gh: GitHubEmulator) -> None:
    _, result, _ = run_pr(repo, gh, hand_edits=False, compare_base="false")
    assert result.returncode == 1  # type: ignore[attr-defined]  # the bump reads as drift
    report = json.loads((repo[0] / "drift-report.json").read_text())
    assert report["base"] is None and report["summary"]["planned"] == 0


def test_the_nightly_run_never_uses_a_base(repo: tuple[Path, str], gh: GitHubEmulator) -> None:
    folder, base = repo
    write(folder / "k8s", HEAD_FILES)
    write_live(folder / "live.yaml", hand_edits=False)
    act = Runner(folder, gh)
    result = act("schedule", {}, live="live.yaml", manifests="k8s", namespace="shop",
                 base_ref=base)  # fmt: skip
    assert result.returncode == 1
    report = json.loads((folder / "drift-report.json").read_text())
    assert report["base"] is None
