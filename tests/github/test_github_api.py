"""github/pygithub.py (PyGithub) against the GitHub emulator: the calls, GitHub's limits as
the emulator enforces them, and every failure turned into GitHubError without the token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.github_emulator import ACTIONS_BOT, Fault, GitHubEmulator, User

from drift_action.core.errors import GitHubError
from drift_action.github.checks import Annotation, CheckOutput, Level
from drift_action.github.context import GitHubContext
from drift_action.github.pygithub import PyGitHubApi

HEAD = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def gh() -> Iterator[GitHubEmulator]:
    with GitHubEmulator() as emulator:
        yield emulator


def client(gh: GitHubEmulator, token: str | None = None) -> PyGitHubApi:
    context = GitHubContext(
        "pull_request", gh.repository, gh.base_url, "https://github.example", "1", HEAD, 1, "/w"
    )
    return PyGitHubApi(token or gh.token, context, pace=0)


def note(line: int) -> Annotation:
    return Annotation("deploy/a.yaml", line, Level.NOTICE, "t", "m")


def test_comments_are_listed_across_pages_created_edited_and_hidden(gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    for i in range(205):
        gh.add_comment(number, f"c{i}", User("someone", 3))
    api = client(gh)
    assert len(api.pull_request_comments(number)) == 205
    created = api.create_comment(number, "hello")
    assert created.author.login == "github-actions[bot]" and created.author.type == "Bot"
    api.edit_comment(created, "edited")
    api.minimize_comment(created)
    stored = gh.comments(number)[-1]
    assert (stored.body, stored.minimized) == ("edited", "OUTDATED")
    pages = [r.query.get("page", "1") for r in gh.requests if r.path.endswith("/comments")]
    assert pages[:3] == ["1", "2", "3"]


def test_the_actions_token_has_no_user_but_a_personal_token_does(gh: GitHubEmulator) -> None:
    assert client(gh).own_login() is None
    assert not [r for r in gh.requests if r.path == "/user"]  # ghs_: not even asked
    with GitHubEmulator(token="ghp_x", user=User("me", 1)) as personal:
        assert client(personal).own_login() == "me"
    with GitHubEmulator(token="github_pat_x", user=ACTIONS_BOT) as app:
        assert client(app).own_login() is None  # asked, and refused with 403


def test_check_runs_take_fifty_annotations_per_request(gh: GitHubEmulator) -> None:
    gh.add_commit(HEAD)
    api = client(gh)
    output = CheckOutput("title", "summary")
    run = api.create_check_run("drift (x)", HEAD, "failure", output, [note(i) for i in range(50)])
    api.add_annotations(run, output, [note(i) for i in range(50, 100)])
    assert len(gh.check_runs()[0].annotations) == 100
    with pytest.raises(GitHubError, match=r"422 \(Validation Failed \(Only 50 annotations"):
        api.add_annotations(run, output, [note(i) for i in range(51)])
    with pytest.raises(GitHubError, match=r"output\.summary is too long") as info:
        api.add_annotations(run, CheckOutput("t", "s" * 65_536), [])
    assert info.value.status == 422 and info.value.refused
    with pytest.raises(GitHubError, match="No commit found for SHA"):
        api.create_check_run("drift (x)", "f" * 40, "success", output)


def test_bodies_over_github_limit_are_refused(gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    api = client(gh)
    api.create_comment(number, "x" * 65_536)
    with pytest.raises(GitHubError, match="Body is too long"):
        api.create_comment(number, "x" * 65_537)


def test_issues_by_label_without_pull_requests(gh: GitHubEmulator) -> None:
    gh.add_pull_request(HEAD)
    api = client(gh)
    created = api.create_issue("Drift detected: prod", "body", ["drift", "prod"])
    gh.add_issue("other", "b", User("a", 2), ["drift"])
    assert [i.number for i in api.open_issues(["drift", "prod"])] == [created.number]
    assert len(api.open_issues(["drift"])) == 2
    api.comment_issue(created, "gone")
    api.edit_issue(created, close=True)
    assert [i.number for i in api.open_issues(["drift"])] != [created.number]
    assert gh.issues(state="closed")[0].state_reason == "completed"


def test_failures_become_github_errors_without_the_token(gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    with pytest.raises(GitHubError) as info:
        client(gh, "ghs_notthetoken").pull_request_comments(number)
    assert info.value.status == 401 and "Bad credentials" in str(info.value)
    assert "ghs_notthetoken" not in str(info.value) and gh.token not in str(info.value)
    gh.inject(Fault(403, path_regex="/comments"))
    with pytest.raises(GitHubError, match=r"403 \(Resource not accessible by integration\)"):
        client(gh).create_comment(number, "x")
    gh.clear_faults()
    gh.inject(Fault(503))
    with pytest.raises(GitHubError, match=r"no answer from .* after retries") as info:
        client(gh).pull_request_comments(number)
    assert info.value.status is None and not info.value.refused
    assert isinstance(info.value.__cause__, OSError)


def test_rate_limits_are_waited_out(gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(
        Fault(403, message="You have exceeded a secondary rate limit", retry_after=0, times=1)
    )
    assert client(gh).pull_request_comments(number) == []
    assert [r.status for r in gh.requests] == [403, 200]
