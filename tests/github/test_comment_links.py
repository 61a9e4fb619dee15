"""The comment links each resource's file and line at the run's commit, when the file is in
the repository."""

from __future__ import annotations

from support.github_emulator import GitHubEmulator
from support.github_run import HEAD, Runner, pr_event

from drift_action.core.model import SourceLocation
from drift_action.github import comment
from drift_action.github.context import GitHubContext

SHA = "0123456789abcdef0123456789abcdef01234567"


def context(sha: str = SHA) -> GitHubContext:
    return GitHubContext(
        event_name="pull_request",
        repository="octo-org/shop",
        api_url="https://github.example/api/v3",
        server_url="https://github.example",
        run_id="42",
        sha=sha,
        pr_number=7,
        workspace="/w",
    )


def test_a_file_in_the_repository_links_to_its_line_at_the_commit() -> None:
    link = comment.source_link(context(), cwd="/w/sub", is_file=lambda path: True)
    assert link(SourceLocation("deploy/web app.yaml", 12)) == (
        f"https://github.example/octo-org/shop/blob/{SHA}/sub/deploy/web%20app.yaml#L12"
    )
    assert link(SourceLocation("plan.json", None, "kubernetes_deployment.web")) == (
        f"https://github.example/octo-org/shop/blob/{SHA}/sub/plan.json"
    )


def test_no_link_where_there_is_no_file_at_the_commit() -> None:
    link = comment.source_link(context(), cwd="/w", is_file=lambda path: path != "gone.yaml")
    assert link(SourceLocation("gone.yaml", 1)) is None
    assert link(SourceLocation("/elsewhere/live.yaml", 1)) is None  # outside the workspace
    assert link(SourceLocation("cluster https://10.0.0.1", None)) is None
    nowhere = comment.source_link(context(sha=""), cwd="/w", is_file=lambda path: True)
    assert nowhere(SourceLocation("deploy/web.yaml", 1)) is None


def test_the_action_comment_links_the_manifests_at_the_head_commit(
    act: Runner, gh: GitHubEmulator
) -> None:
    number = gh.add_pull_request(HEAD)
    result = act("pull_request", pr_event(number))
    assert result.returncode == 1, result.stdout + result.stderr
    (posted,) = gh.comments(number)
    at = f"https://github.example/{gh.repository}/blob/{HEAD}"
    assert f"[`examples/manifests/web.yaml:2`]({at}/examples/manifests/web.yaml#L2)" in posted.body
    # The same report on a later commit keeps its marker's digest (the links are left out of
    # it), so `on_change` leaves the comment alone.
    again = act("pull_request", pr_event(number, head="f" * 40), comment_mode="on_change")
    assert again.returncode == 1
    (same,) = gh.comments(number)
    assert same.edits == 0
