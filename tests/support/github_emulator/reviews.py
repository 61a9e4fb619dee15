"""Pull request reviews: the PR's files with their patches, review comments, and creating a
review with comments on lines of the diff, validated as GitHub does (422 for a line outside the
diff, or a multi-line comment that spans two hunks).

The routes register themselves with the emulator's router on import (see __init__.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .routes import REPO, HttpError, Request, Response, _invalid, _page, _repository, _route
from .store import BODY_LIMIT, User, now

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


@dataclass
class ReviewComment:
    id: int
    review: int
    pull: int
    path: str
    line: int
    start_line: int | None
    side: str
    body: str
    user: User
    commit_id: str
    created_at: str = field(default_factory=now)


@dataclass
class Review:
    id: int
    pull: int
    body: str
    state: str
    commit_id: str
    user: User
    submitted_at: str = field(default_factory=now)


def hunks(patch: str) -> list[range]:
    return [
        range(int(m[1]), int(m[1]) + (1 if m[2] is None else int(m[2])))
        for m in _HUNK.finditer(patch)
    ]


def _pull(emu: GitHubEmulator, request: Request) -> Any:
    _repository(emu, request)
    issue = emu.store.issues.get(int(request.match["number"]))
    if issue is None or not issue.is_pull:
        raise HttpError(404, "Not Found")
    return issue


@_route("GET", REPO + r"/pulls/(?P<number>\d+)/files")
def list_files(emu: GitHubEmulator, request: Request) -> Response:
    pull = _pull(emu, request)
    with emu.store.lock:
        files = emu.store.pull_files.get(pull.number, {})
        items = [
            {
                "sha": "0" * 40,
                "filename": path,
                "status": "modified",
                "additions": patch.count("\n+"),
                "deletions": patch.count("\n-"),
                "changes": patch.count("\n+") + patch.count("\n-"),
                "patch": patch,
            }
            for path, patch in sorted(files.items())
        ]
        return _page(emu, request, items)


def _comment_json(emu: GitHubEmulator, c: ReviewComment) -> dict[str, Any]:
    repo = f"{emu.base_url}/repos/{emu.repository}"
    return {
        "id": c.id,
        "node_id": f"PRRC_{c.id}",
        "pull_request_review_id": c.review,
        "url": f"{repo}/pulls/comments/{c.id}",
        "html_url": f"https://github.example/{emu.repository}/pull/{c.pull}#discussion_r{c.id}",
        "pull_request_url": f"{repo}/pulls/{c.pull}",
        "path": c.path,
        "line": c.line,
        "original_line": c.line,
        "start_line": c.start_line,
        "original_start_line": c.start_line,
        "side": c.side,
        "start_side": c.side if c.start_line is not None else None,
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "body": c.body,
        "user": c.user.as_json(emu.base_url),
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "author_association": "NONE",
    }


@_route("GET", REPO + r"/pulls/(?P<number>\d+)/comments")
def list_review_comments(emu: GitHubEmulator, request: Request) -> Response:
    pull = _pull(emu, request)
    with emu.store.lock:
        found = [c for c in emu.store.review_comments.values() if c.pull == pull.number]
        return _page(emu, request, [_comment_json(emu, c) for c in sorted(found, key=_id)])


def _id(comment: ReviewComment) -> int:
    return comment.id


def _check_line(files: dict[str, str], item: Any) -> tuple[str, int, int | None, str, str]:
    if not isinstance(item, dict):
        raise HttpError(400, "Problems parsing JSON")
    path, line, start, side = (
        item.get("path"),
        item.get("line"),
        item.get("start_line"),
        (item.get("side") or "RIGHT"),
    )
    body = item.get("body")
    if not isinstance(path, str) or not isinstance(body, str) or not body:
        raise _invalid("path and body are required for each comment")
    if len(body) > BODY_LIMIT:
        raise _invalid(f"Body is too long (maximum is {BODY_LIMIT} characters)")
    if not isinstance(line, int) or (start is not None and not isinstance(start, int)):
        raise _invalid("pull_request_review_thread.line must be an integer")
    if side != "RIGHT":  # the emulator keeps the head's side only
        raise _invalid("pull_request_review_thread.side is not supported here")
    found = [h for h in hunks(files.get(path, "")) if line in h]
    if not found:
        raise _invalid("pull_request_review_thread.line must be part of the diff")
    if start is not None:
        if start >= line:
            raise _invalid("pull_request_review_thread.start_line must precede the end line")
        if start not in found[0]:
            raise _invalid(
                "pull_request_review_thread.start_line must be part of the same hunk as the line"
            )
    return path, line, start, side, body


@_route("POST", REPO + r"/pulls/(?P<number>\d+)/reviews")
def create_review(emu: GitHubEmulator, request: Request) -> Response:
    pull = _pull(emu, request)
    data = request.body
    if not isinstance(data, dict):
        raise HttpError(400, "Problems parsing JSON")
    event = data.get("event") or "PENDING"
    if event not in ("COMMENT", "APPROVE", "REQUEST_CHANGES", "PENDING"):
        raise _invalid(f"event {event!r} is not valid")
    body = data.get("body") or ""
    comments = data.get("comments") or []
    if event in ("COMMENT", "REQUEST_CHANGES") and not body and not comments:
        raise _invalid(f"Review body is required for a {event} event")
    commit = data.get("commit_id") or pull.pull_head
    with emu.store.lock:
        files = emu.store.pull_files.get(pull.number, {})
        checked = [_check_line(files, item) for item in comments]  # all or nothing
        review = Review(emu.store.next_id(), pull.number, body, _state(event), commit, request.user)
        emu.store.reviews[review.id] = review
        for path, line, start, side, text in checked:
            comment = ReviewComment(
                emu.store.next_id(), review.id, pull.number, path, line, start, side, text,
                request.user, commit,
            )  # fmt: skip
            emu.store.review_comments[comment.id] = comment
        return Response(200, _review_json(emu, review))


def _state(event: str) -> str:
    return {
        "COMMENT": "COMMENTED",
        "APPROVE": "APPROVED",
        "REQUEST_CHANGES": "CHANGES_REQUESTED",
    }.get(event, "PENDING")


def _review_json(emu: GitHubEmulator, review: Review) -> dict[str, Any]:
    repo = f"{emu.base_url}/repos/{emu.repository}"
    return {
        "id": review.id,
        "node_id": f"PRR_{review.id}",
        "user": review.user.as_json(emu.base_url),
        "body": review.body,
        "state": review.state,
        "commit_id": review.commit_id,
        "html_url": f"https://github.example/{emu.repository}/pull/{review.pull}#pullrequestreview-{review.id}",
        "pull_request_url": f"{repo}/pulls/{review.pull}",
        "submitted_at": review.submitted_at,
        "author_association": "NONE",
    }
