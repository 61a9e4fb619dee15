"""Faults on the GitHub side, end to end: the action's entry point publishing to the GitHub API
emulator through the real PyGithub client while it answers slowly, cuts connections mid-body,
answers 5xx bursts, or rate-limits with 429 or 403 and Retry-After. Whatever happens, the job
summary and the outputs are written and the exit code is the drift report's (1 for the drifted
example); what could not be published is a warning.

test_github_e2e.py has GitHub's refusals (403, 401), a short 5xx burst and a whole outage.
`DRIFT_ACTION_GITHUB_PACE=0` (set by the runner) removes the spacing between requests and the
exponential backoff, not Retry-After: the rate-limit tests wait the one second it asks for.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from support.github_emulator import ACTIONS_BOT, Fault, GitHubEmulator
from support.github_run import HEAD, Runner, pr_event, warnings

from drift_action.core.errors import GitHubError
from drift_action.github.context import GitHubContext
from drift_action.github.pygithub import PyGitHubApi

COMMENTS = r"/issues/\d+/comments(\?|$)"  # with or without a query


def assert_the_report_stands(
    act: Runner, result: subprocess.CompletedProcess[str], workspace: Path
) -> None:
    """Exit code, outputs, job summary and report files, as without any fault."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert act.outputs()["drift_detected"] == "true"
    assert act.outputs()["drifted_count"] == "5"
    assert act.summary().startswith("### ⚠️ Drift detected: 4 drifted, 1 missing")
    assert (workspace / "drift-report.md").is_file()
    assert (workspace / "drift-report.json").is_file()


def test_slow_answers_change_nothing(act: Runner, gh: GitHubEmulator, workspace: Path) -> None:
    number = gh.add_pull_request(HEAD)
    slow = gh.inject(Fault(latency=0.3))
    result = act("pull_request", pr_event(number), check_run="true")

    assert_the_report_stands(act, result, workspace)
    assert not warnings(result)
    assert len(gh.comments(number)) == 1 and len(gh.check_runs()) == 1
    assert slow.hits == len(gh.requests) >= 3  # every request was slowed down


# The action waits 30 seconds for an answer; past the timeout is shown on the API layer with 1.


def api_with_a_short_timeout(gh: GitHubEmulator) -> PyGitHubApi:
    context = GitHubContext(
        "pull_request", gh.repository, gh.base_url, "https://github.example", "1", HEAD, 1, "/w"
    )
    return PyGitHubApi(gh.token, context, pace=0, timeout=1)


def test_a_read_slower_than_the_timeout_is_asked_again(gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    gh.add_comment(number, "hello", ACTIONS_BOT)
    slow = gh.inject(Fault(latency=2, method="GET", times=1))

    comments = api_with_a_short_timeout(gh).pull_request_comments(number)
    assert [c.body for c in comments] == ["hello"]
    assert slow.hits == 1
    deadline = time.monotonic() + 5
    while len(gh.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow GET is logged when the emulator answers it, late
    first, second = sorted(gh.requests, key=lambda r: r.at)
    assert (first.method, second.method) == ("GET", "GET") and first.path == second.path


def test_a_write_slower_than_the_timeout_is_not_sent_twice(gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(latency=2, method="POST", times=1))

    with pytest.raises(GitHubError, match=r"did not answer within 1s") as info:
        api_with_a_short_timeout(gh).create_comment(number, "hello")
    assert info.value.status is None and not info.value.refused
    deadline = time.monotonic() + 5
    while not gh.comments(number) and time.monotonic() < deadline:
        time.sleep(0.05)  # GitHub finishes what it was asked to do
    assert [c.body for c in gh.comments(number)] == ["hello"]  # one comment, not two
    assert [r.method for r in gh.requests] == ["POST"]


# -- connections cut mid-body ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "payload", "path"),
    [
        ("pull_request", pr_event(1), COMMENTS),
        ("schedule", {"schedule": "17 5 * * *"}, r"/issues(\?|$)"),
    ],
    ids=["comments", "issues"],
)
def test_a_list_cut_mid_body_is_read_again(
    act: Runner,
    gh: GitHubEmulator,
    workspace: Path,
    event: str,
    payload: dict[str, object],
    path: str,
) -> None:
    assert gh.add_pull_request(HEAD) == 1
    cut = gh.inject(Fault(truncate=True, method="GET", path_regex=path, times=1))
    result = act(event, payload)

    assert_the_report_stands(act, result, workspace)
    assert not warnings(result), result.stdout
    assert cut.hits == 1
    gets = [r.status for r in gh.requests if r.method == "GET"]
    assert gets == [0, 200]
    assert len(gh.comments(1) if event == "pull_request" else gh.issues()) == 1


def test_a_comment_cut_mid_answer_warns_and_the_next_run_edits_it(
    act: Runner, gh: GitHubEmulator, workspace: Path
) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(truncate=True, method="POST", path_regex=COMMENTS, times=1))
    result = act("pull_request", pr_event(number))

    assert_the_report_stands(act, result, workspace)
    (warning,) = warnings(result)
    assert "the comment was not published" in warning and "broke mid-answer" in warning
    assert act.summary().count("> [!WARNING]") == 1
    # A write is never sent twice (it may have taken effect): GitHub did create the comment.
    assert [r.method for r in gh.requests] == ["GET", "POST"]
    (comment,) = gh.comments(number)

    again = act("pull_request", pr_event(number))
    assert again.returncode == 1 and not warnings(again)
    assert gh.comments(number) == [comment] and comment.edits == 1


# -- 5xx bursts ------------------------------------------------------------------------------


def test_a_5xx_burst_on_an_edit_is_ridden_out(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    act("pull_request", pr_event(number))
    for code in (500, 502, 503, 504, 502):  # five in a row; the sixth attempt answers
        gh.inject(Fault(code, method="PATCH", times=1))
    result = act("pull_request", pr_event(number))

    assert result.returncode == 1 and not warnings(result), result.stdout
    patches = [r.status for r in gh.requests if r.method == "PATCH"]
    assert patches == [500, 502, 503, 504, 502, 200]
    (comment,) = gh.comments(number)
    assert comment.edits == 1


def test_a_5xx_burst_beyond_the_retries_warns_and_the_rest_is_published(
    act: Runner, gh: GitHubEmulator, workspace: Path
) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(503, method="POST", path_regex=COMMENTS))
    result = act("pull_request", pr_event(number), check_run="true")

    assert_the_report_stands(act, result, workspace)
    (warning,) = warnings(result)
    assert "the comment was not published" in warning
    assert "too many 503 error responses" in warning and "GitHub did not answer" in warning
    assert act.summary().count("> [!WARNING]") == 1
    assert [r.status for r in gh.requests if r.method == "POST" and "comments" in r.path] == [
        503
    ] * 6
    assert gh.comments(number) == [] and len(gh.check_runs()) == 1  # the check run went out


# -- rate limits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault(429, method="POST", retry_after=1, times=1),
        Fault(
            403,
            method="POST",
            retry_after=1,
            times=1,
            message="You have exceeded a secondary rate limit. Please wait a few minutes.",
        ),
    ],
    ids=["429", "403-secondary-rate-limit"],
)
def test_retry_after_is_waited_out(
    act: Runner, gh: GitHubEmulator, workspace: Path, fault: Fault
) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(fault)
    result = act("pull_request", pr_event(number))

    assert_the_report_stands(act, result, workspace)
    assert not warnings(result)
    refused, created = [r for r in gh.requests if r.method == "POST"]
    assert (refused.status, created.status) == (fault.status, 201)
    # PyGithub's backoff is off (pace 0); only Retry-After can account for the wait.
    assert created.at - refused.at >= 1.0
    assert [c.user for c in gh.comments(number)] == [ACTIONS_BOT]


def test_429_without_retry_after_is_retried_too(
    act: Runner, gh: GitHubEmulator, workspace: Path
) -> None:
    """GitHub's secondary rate limit may answer 429 with no Retry-After."""
    number = gh.add_pull_request(HEAD)
    gh.inject(
        Fault(429, method="POST", times=2, message="You have exceeded a secondary rate limit")
    )
    result = act("pull_request", pr_event(number))

    assert_the_report_stands(act, result, workspace)
    assert not warnings(result)
    assert [r.status for r in gh.requests if r.method == "POST"] == [429, 429, 201]
    assert len(gh.comments(number)) == 1


def test_a_rate_limit_that_does_not_lift_is_not_blamed_on_permissions(
    act: Runner, gh: GitHubEmulator, workspace: Path
) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(429, method="POST", message="You have exceeded a secondary rate limit"))
    result = act("pull_request", pr_event(number))

    assert_the_report_stands(act, result, workspace)
    (warning,) = warnings(result)
    assert "too many 429 error responses" in warning and "GitHub did not answer" in warning
    assert "permissions" not in warning
