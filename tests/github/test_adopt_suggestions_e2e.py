"""`suggest_adopt: true` end to end: the action's entry point in a git checkout of a pull
request, publishing to the GitHub API emulator through PyGithub. The suggestions it posts,
applied as GitHub applies them, make Git equal the live values chosen, and change no other line
(a golden diff shows the result); a rerun posts nothing twice; suggestions on lines outside
the pull request's diff go to the job summary's patch instead."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from support import GOLDEN, run_cli
from support.adopt_repo import APP, UNTOUCHED, make_pr, pull_files, split_documents, write_live
from support.github_emulator import ACTIONS_BOT, GitHubEmulator
from support.github_run import Runner, pr_event

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

_SUGGESTION = re.compile(r"^(`{3,})suggestion\n(?P<text>.*?)^\1\n", re.MULTILINE | re.DOTALL)


def run_pr(
    gh: GitHubEmulator, repo: Path, base: str, head: str, again: tuple[Runner, int] | None = None
) -> tuple[Runner, object, int]:
    gh.add_commit(head)
    if again is None:
        number = gh.add_pull_request(head)
        gh.set_pull_files(number, pull_files(repo, base, head))
        act = Runner(repo, gh)
    else:
        act, number = again
    result = act(
        "pull_request",
        pr_event(number, head, base),
        live="live.yaml",
        manifests="k8s",
        namespace="shop",
        suggest_adopt="true",
    )
    return act, result, number


def replay(repo: Path, gh: GitHubEmulator, number: int) -> None:
    """Commit every suggestion as GitHub does: its lines replaced by the block's text."""
    comments = [c for c in gh.review_comments(number) if c.user == ACTIONS_BOT]
    for comment in sorted(comments, key=lambda c: (c.path, -c.line)):
        found = _SUGGESTION.search(comment.body)
        assert found is not None, comment.body
        path = repo / comment.path
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        start = comment.start_line or comment.line
        lines[start - 1 : comment.line] = [found["text"]]
        path.write_text("".join(lines), encoding="utf-8")


def drifted(repo: Path) -> dict[str, set[str]]:
    done = run_cli("--manifests", "k8s", "--live-snapshot", "live.yaml", "-o", "json", cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    return {
        f"{r['kind']} {r['name']}": {c["path"] for c in r["changes"]}
        for r in json.loads(done.stdout)["resources"]
        if r["changes"]
    }


@pytest.fixture
def gh() -> GitHubEmulator:  # type: ignore[misc]
    with GitHubEmulator() as emulator:
        yield emulator


def test_suggestions_applied_make_git_equal_live_and_change_nothing_else(
    tmp_path: Path, gh: GitHubEmulator
) -> None:
    """The PR gathers the manifests into one file: every line of it is in the diff, and the
    objects are the same at base and head, so the hand edits are drift."""
    docs = split_documents(APP)
    base_files = {
        "k8s/web.yaml": docs["Deployment"],
        "k8s/settings.yaml": docs["ConfigMap"].removeprefix("---\n") + docs["Secret"],
        "k8s/service.yaml": UNTOUCHED,
    }
    repo, base, head = make_pr(
        tmp_path, base_files, {"k8s/app.yaml": APP, "k8s/service.yaml": UNTOUCHED}
    )
    write_live(repo / "live.yaml")  # in the workspace, untracked
    act, result, number = run_pr(gh, repo, base, head)
    assert result.returncode == 1, result.stdout  # type: ignore[attr-defined]
    assert not [w for w in result.stdout.splitlines() if w.startswith("::warning::")]  # type: ignore[attr-defined]

    (review,) = gh.reviews(number)
    assert review.state == "COMMENTED" and review.commit_id == head
    posted = gh.review_comments(number)
    assert {c.path for c in posted} == {"k8s/app.yaml"}
    assert all(c.commit_id == head and c.side == "RIGHT" for c in posted)
    bodies = "\n".join(c.body for c in posted)
    for secret in ("hunter2", "swordfish", "c3dvcmRmaXNo"):
        assert secret not in bodies
        assert secret not in act.summary()
    # Where each suggestion sits: the lines of the values it replaces.
    lines = APP.splitlines()
    replaced = {lines[(c.start_line or c.line) - 1].strip() for c in posted}
    assert 'image: "shop/web:1.4.2"  # pinned by release' in replaced
    assert "replicas: 3  # the HPA is off in this environment" in replaced
    assert "Secret shop/creds data.password: not adopted" in result.stdout  # type: ignore[attr-defined]

    # Only what `pull-requests: write` allows: the comment, the PR's files, its reviews.
    allowed = re.compile(
        rf"^/repos/octo-org/shop/(issues/{number}/comments|issues/comments/\d+"
        rf"|pulls/{number}/(files|comments|reviews))$"
    )
    assert all(allowed.match(r.path) for r in gh.requests), [r.path for r in gh.requests]
    assert [r.method for r in gh.requests if r.path.endswith("/reviews")] == ["POST"]

    replay(repo, gh, number)
    assert drifted(repo) == {"Secret creds": {"data.password"}}
    after = (repo / "k8s" / "app.yaml").read_text(encoding="utf-8")
    diff = _diff(APP, after)
    golden = GOLDEN / "adopt_pr.diff"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(diff, encoding="utf-8")
    assert diff == golden.read_text(encoding="utf-8")
    assert (repo / "k8s" / "service.yaml").read_text(encoding="utf-8") == UNTOUCHED


def test_a_rerun_posts_no_suggestion_twice(tmp_path: Path, gh: GitHubEmulator) -> None:
    docs = split_documents(APP)
    base_files = {"k8s/web.yaml": docs["Deployment"], "k8s/service.yaml": UNTOUCHED}
    repo, base, head = make_pr(
        tmp_path,
        base_files,
        {"k8s/app.yaml": docs["Deployment"], "k8s/service.yaml": UNTOUCHED},
    )
    write_live(repo / "live.yaml")
    act, first, number = run_pr(gh, repo, base, head)
    assert first.returncode == 1  # type: ignore[attr-defined]
    posted = gh.review_comments(number)
    assert posted
    _, second, _ = run_pr(gh, repo, base, head, (act, number))
    assert second.returncode == 1  # type: ignore[attr-defined]
    assert gh.review_comments(number) == posted
    assert len(gh.reviews(number)) == 1


def test_lines_outside_the_diff_go_to_the_job_summary(tmp_path: Path, gh: GitHubEmulator) -> None:
    """The PR turns FEATURE_X off and changes nothing else: GitHub takes suggestions only on
    its diff's lines, so LOG_LEVEL's (two lines above) is posted, and the rest of the adoption
    is a patch in the job summary, which a warning names."""
    old = APP.replace('value: "off"', 'value: "on"')
    repo, base, head = make_pr(
        tmp_path,
        {"k8s/app.yaml": old, "k8s/service.yaml": UNTOUCHED},
        {"k8s/app.yaml": APP, "k8s/service.yaml": UNTOUCHED},
    )
    write_live(repo / "live.yaml")
    act, result, number = run_pr(gh, repo, base, head)
    assert result.returncode == 1  # type: ignore[attr-defined]
    (posted,) = gh.review_comments(number)
    assert posted.line == 23 and posted.start_line is None  # in the one hunk: lines 22 to 28
    assert "value: 'debug'" in posted.body
    warned = [w for w in result.stdout.splitlines() if w.startswith("::warning::")]  # type: ignore[attr-defined]
    assert len(warned) == 1 and "job summary" in warned[0]
    summary = act.summary()
    assert "## Adopt the live values into Git" in summary
    assert "+  replicas: 5  # the HPA is off in this environment" in summary
    assert "+  mode: " in summary


def _diff(before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            "a/k8s/app.yaml",
            "b/k8s/app.yaml",
        )
    )
