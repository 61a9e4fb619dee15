"""The only module that talks to GitHub (through PyGithub): comments, check runs, issues.

Every PyGithub or HTTP failure leaves here as `errors.GitHubError`, with the original chained;
messages name the request and GitHub's answer, never the token. Rate limits (429; 403 with
Retry-After or a rate-limit message) and 5xx are retried by PyGithub's GithubRetry; a read whose
answer is cut mid-body is read again (urllib3's retries end once the headers arrive); a write
whose answer timed out or was cut is never sent again (GitHub may have done it: a second POST
would be a second comment). Writes are spaced out (`seconds_between_writes`), as GitHub asks of
integrations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar

import urllib3
from github import Auth, Github, GithubException, GithubRetry
from github.CheckRun import CheckRun
from github.Issue import Issue as GhIssue
from github.IssueComment import IssueComment
from github.NamedUser import NamedUser
from github.Organization import Organization
from github.Repository import Repository

from drift_action.core.errors import GitHubError
from drift_action.github.api import (
    Author,
    Comment,
    Issue,
    PullFile,
    ReviewComment,
    ReviewLine,
)
from drift_action.github.checks import Annotation, CheckOutput
from drift_action.github.context import GitHubContext

# Installation tokens (GITHUB_TOKEN, GitHub Apps) start so; they cannot call GET /user.
_INSTALLATION_TOKEN = "ghs_"  # noqa: S105 (a prefix, not a secret)
_RETRIES = 5
_PAGE = 100

T = TypeVar("T")


class _Retry(GithubRetry):
    """GithubRetry, except that a write whose answer did not come within the timeout is not
    sent again: GitHub has the request and may be carrying it out."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: TracebackType | None = None,
    ) -> _Retry:
        if isinstance(error, urllib3.exceptions.ReadTimeoutError) and method != "GET":
            raise error
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(retry, _Retry)  # urllib3 makes the next one with type(self)
        return retry


class PyGitHubApi:
    """GitHubApi over PyGithub for one repository. `pace` scales the spacing between
    requests and the retry backoff (1: GitHub's advice; 0: none, for tests)."""

    def __init__(
        self, token: str, context: GitHubContext, *, pace: float = 1.0, timeout: int = 30
    ) -> None:
        retry = _Retry(
            total=_RETRIES,
            backoff_factor=1.0 * pace,
            # 429 even without Retry-After (GitHub's secondary limits may omit it); 403 is added.
            status_forcelist=[*range(500, 600), 429],
            secondary_rate_wait=60.0 * pace,
            max_rate_limit_wait=300.0,
            # PATCH (edits) too: GithubRetry's default list leaves it out.
            allowed_methods=frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"}),
        )
        self._installation = token.startswith(_INSTALLATION_TOKEN)
        self._github = Github(
            auth=Auth.Token(token),
            base_url=context.api_url,
            timeout=timeout,
            per_page=_PAGE,
            retry=retry,
            seconds_between_requests=0.25 * pace or None,
            seconds_between_writes=1.0 * pace or None,
            lazy=True,  # objects made from a URL are not fetched until needed
        )
        self._api_url = context.api_url
        self._timeout = timeout
        self._repo: Repository = self._github.get_repo(context.repository)
        self._comments: dict[int, IssueComment] = {}
        self._issues: dict[int, GhIssue] = {}
        self._check_runs: dict[int, CheckRun] = {}

    def own_login(self) -> str | None:
        if self._installation:
            return None
        try:
            with self._translate("read the token's user (GET /user)"):
                return _reread(lambda: str(self._github.get_user().login))
        except GitHubError as exc:
            if exc.status in (401, 403, 404):
                return None  # a token that cannot say who it is: match bots instead
            raise

    def pull_request_comments(self, number: int) -> Sequence[Comment]:
        with self._translate(f"list the comments of pull request #{number}"):
            found = _reread(lambda: list(self._repo.get_issue(number).get_comments()))
        for comment in found:
            self._comments[comment.id] = comment
        return [_comment(c) for c in found]

    def create_comment(self, number: int, body: str) -> Comment:
        with self._translate(f"comment on pull request #{number}"):
            created = self._repo.get_issue(number).create_comment(body)
        self._comments[created.id] = created
        return _comment(created)

    def edit_comment(self, comment: Comment, body: str) -> None:
        with self._translate(f"edit comment {comment.id}"):
            self._comments[comment.id].edit(body)

    def minimize_comment(self, comment: Comment) -> None:
        with self._translate(f"hide comment {comment.id} as outdated"):
            self._comments[comment.id].minimize("OUTDATED")

    def create_check_run(
        self,
        name: str,
        sha: str,
        conclusion: str,
        output: CheckOutput,
        annotations: Sequence[Annotation] = (),
    ) -> int:
        with self._translate(f"create check run {name!r} on {sha[:12]}"):
            run = self._repo.create_check_run(
                name=name,
                head_sha=sha,
                status="completed",
                conclusion=conclusion,
                output=_output(output, annotations),
            )
        self._check_runs[run.id] = run
        return int(run.id)

    def add_annotations(
        self, check_run: int, output: CheckOutput, annotations: Sequence[Annotation]
    ) -> None:
        with self._translate(f"add {len(annotations)} annotations to check run {check_run}"):
            self._check_runs[check_run].edit(output=_output(output, annotations))

    def open_issues(self, labels: Sequence[str]) -> Sequence[Issue]:
        with self._translate(f"list open issues labelled {', '.join(labels)}"):
            listed = _reread(lambda: list(self._repo.get_issues(state="open", labels=list(labels))))
            found = [issue for issue in listed if issue.pull_request is None]
        for issue in found:
            self._issues[issue.number] = issue
        return [_issue(i) for i in found]

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> Issue:
        with self._translate("open an issue"):
            created = self._repo.create_issue(title=title, body=body, labels=list(labels))
        self._issues[created.number] = created
        return _issue(created)

    def edit_issue(self, issue: Issue, *, body: str | None = None, close: bool = False) -> None:
        changes: dict[str, Any] = {}
        if body is not None:
            changes["body"] = body
        if close:
            changes.update(state="closed", state_reason="completed")
        with self._translate(f"{'close' if close else 'edit'} issue #{issue.number}"):
            self._issues[issue.number].edit(**changes)

    def comment_issue(self, issue: Issue, body: str) -> None:
        with self._translate(f"comment on issue #{issue.number}"):
            self._issues[issue.number].create_comment(body)

    def pull_request_files(self, number: int) -> Sequence[PullFile]:
        with self._translate(f"list the files of pull request #{number}"):
            found = _reread(lambda: list(self._repo.get_pull(number).get_files()))
        return [PullFile(str(f.filename), f.patch) for f in found]

    def review_comments(self, number: int) -> Sequence[ReviewComment]:
        with self._translate(f"list the review comments of pull request #{number}"):
            found = _reread(lambda: list(self._repo.get_pull(number).get_review_comments()))
        return [
            ReviewComment(c.id, str(c.path), c.line, c.body or "", _author(c.user)) for c in found
        ]

    def create_review(
        self, number: int, sha: str, body: str, comments: Sequence[ReviewLine]
    ) -> None:
        lines: list[Any] = []
        for comment in comments:
            line: dict[str, Any] = {
                "path": comment.path,
                "line": comment.line,
                "side": "RIGHT",
                "body": comment.body,
            }
            if comment.start_line is not None:
                line.update(start_line=comment.start_line, start_side="RIGHT")
            lines.append(line)
        with self._translate(f"review pull request #{number} ({len(lines)} suggestions)"):
            self._repo.get_pull(number).create_review(
                commit=self._repo.get_commit(sha), body=body, event="COMMENT", comments=lines
            )

    @contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        try:
            yield
        except GithubException as exc:
            raise GitHubError(
                f"could not {what}: GitHub answered {exc.status} {_message(exc.data)}".rstrip(),
                status=exc.status,
            ) from exc
        except OSError as exc:  # requests' errors: connection refused, timeouts, retries spent
            if _cut_mid_body(exc):
                raise GitHubError(
                    f"could not {what}: the connection to {self._api_url} broke mid-answer",
                    status=None,
                ) from exc
            if exc.args and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError):
                raise GitHubError(  # a write, not sent again
                    f"could not {what}: {self._api_url} did not answer within {self._timeout}s",
                    status=None,
                ) from exc
            reason = _retry_status(exc)
            raise GitHubError(
                f"could not {what}: no answer from {self._api_url} after retries "
                f"({reason or type(exc).__name__})",
                status=None,
            ) from exc


def _reread(read: Callable[[], T]) -> T:
    """A read (GETs only), made again when its answer was cut mid-body."""
    for _ in range(_RETRIES):
        try:
            return read()
        except OSError as exc:
            if not _cut_mid_body(exc):
                raise
    return read()


def _cut_mid_body(exc: OSError) -> bool:
    """requests' ChunkedEncodingError: the connection broke while the body was read (urllib3's
    ProtocolError, raised after its retries ended, when the headers had arrived)."""
    return bool(exc.args) and isinstance(exc.args[0], urllib3.exceptions.ProtocolError)


def _message(data: Any) -> str:
    if isinstance(data, dict):
        message = data.get("message")
        errors = data.get("errors")
        text = str(message) if message else ""
        if isinstance(errors, list) and errors:
            first = errors[0]
            detail = first.get("message") if isinstance(first, dict) else first
            text = f"{text} ({detail})" if detail else text
        return f"({text})" if text else ""
    return f"({data})" if isinstance(data, str) and data else ""


def _retry_status(exc: OSError) -> str:
    """`too many 502 error responses` out of urllib3's MaxRetryError, when that is the cause."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return str(reason) if reason is not None else ""


def _author(user: NamedUser | Organization | None) -> Author:
    if user is None:
        return Author("", "")
    return Author(str(user.login), str(user.type))


def _comment(comment: IssueComment) -> Comment:
    return Comment(comment.id, comment.body or "", _author(comment.user), comment.html_url or "")


def _issue(issue: GhIssue) -> Issue:
    return Issue(issue.number, issue.body or "", _author(issue.user), issue.html_url or "")


def _output(output: CheckOutput, annotations: Sequence[Annotation]) -> dict[str, Any]:
    data: dict[str, Any] = dict(output.as_json())
    if annotations:
        data["annotations"] = [a.as_json() for a in annotations]
    return data
