"""The GitHub calls publishing needs, as a protocol over plain records.

`github/pygithub.py` implements it with PyGithub and turns every failure into
`errors.GitHubError`; nothing else knows PyGithub.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from drift_action.github.checks import Annotation, CheckOutput


@dataclass(frozen=True)
class Author:
    login: str
    type: str  # "User" or "Bot"


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: Author
    url: str = ""

    @property
    def order(self) -> int:
        return self.id


@dataclass(frozen=True)
class Issue:
    number: int
    body: str
    author: Author
    url: str = ""

    @property
    def order(self) -> int:
        return self.number


@dataclass(frozen=True)
class PullFile:
    """A file a pull request changes, with its patch (None when GitHub shows none: binary or
    too large)."""

    path: str
    patch: str | None


@dataclass(frozen=True)
class ReviewComment:
    """A comment on a line of a pull request's diff."""

    id: int
    path: str
    line: int | None  # None once the line is no longer in the diff (outdated)
    body: str
    author: Author


@dataclass(frozen=True)
class ReviewLine:
    """A review comment to post, on the head's side of the diff: `line`, or from `start_line`
    to `line`."""

    path: str
    line: int
    body: str
    start_line: int | None = None


class GitHubApi(Protocol):
    def own_login(self) -> str | None:
        """The token's own login, or None when the token cannot tell (GITHUB_TOKEN)."""

    def pull_request_comments(self, number: int) -> Sequence[Comment]: ...

    def create_comment(self, number: int, body: str) -> Comment: ...

    def edit_comment(self, comment: Comment, body: str) -> None: ...

    def minimize_comment(self, comment: Comment) -> None: ...

    def create_check_run(
        self,
        name: str,
        sha: str,
        conclusion: str,
        output: CheckOutput,
        annotations: Sequence[Annotation] = (),
    ) -> int: ...

    def add_annotations(
        self, check_run: int, output: CheckOutput, annotations: Sequence[Annotation]
    ) -> None: ...

    def open_issues(self, labels: Sequence[str]) -> Sequence[Issue]: ...

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> Issue: ...

    def edit_issue(self, issue: Issue, *, body: str | None = None, close: bool = False) -> None: ...

    def comment_issue(self, issue: Issue, body: str) -> None: ...

    def pull_request_files(self, number: int) -> Sequence[PullFile]: ...

    def review_comments(self, number: int) -> Sequence[ReviewComment]: ...

    def create_review(
        self, number: int, sha: str, body: str, comments: Sequence[ReviewLine]
    ) -> None: ...
