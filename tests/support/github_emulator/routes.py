"""The REST endpoints drift-action calls (and GraphQL's minimizeComment), independent of HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .store import (
    ANNOTATIONS_PER_REQUEST,
    BODY_LIMIT,
    CONCLUSIONS,
    LEVELS,
    OUTPUT_LIMIT,
    CheckRun,
    Comment,
    Issue,
    User,
    now,
)

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

DOCS = "https://docs.github.com/rest"


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode("utf-8")


class HttpError(Exception):
    """GitHub's error answer: {"message", "documentation_url"} and, for 422, "errors"."""

    def __init__(
        self, status: int, message: str, errors: list[Any] | None = None, **headers: str
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.errors, self.headers = status, message, errors, headers

    def response(self) -> Response:
        body: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return Response(self.status, body, dict(self.headers))


def _invalid(message: str) -> HttpError:
    return HttpError(422, "Validation Failed", [{"message": message, "code": "custom"}])


Handler = Callable[["GitHubEmulator", "Request"], Response]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the API prefix
    query: Mapping[str, str]
    body: Any
    user: User
    match: re.Match[str]


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def _route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


def route(
    emu: GitHubEmulator, method: str, path: str, query: Mapping[str, str], body: Any, user: User
) -> Response:
    for verb, pattern, handler in _ROUTES:
        match = pattern.match(path)
        if match and verb == method:
            return handler(emu, Request(method, path, query, body, user, match))
    raise HttpError(404, "Not Found")


REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


def _repository(emu: GitHubEmulator, request: Request) -> None:
    full = f"{request.match['owner']}/{request.match['repo']}"
    if full.lower() != emu.repository.lower():
        raise HttpError(404, "Not Found")


# -- repository, user, pull requests ---------------------------------------------------------


@_route("GET", "/user")
def get_user(emu: GitHubEmulator, request: Request) -> Response:
    if request.user.type == "Bot":  # an installation token: there is no user behind it
        raise HttpError(403, "Resource not accessible by integration")
    return Response(200, request.user.as_json(emu.base_url))


@_route("GET", REPO)
def get_repo(emu: GitHubEmulator, request: Request) -> Response:
    _repository(emu, request)
    owner, name = emu.repository.split("/")
    return Response(
        200,
        {
            "id": 4242,
            "node_id": "R_4242",
            "name": name,
            "full_name": emu.repository,
            "owner": {"login": owner, "id": 1, "type": "Organization"},
            "private": False,
            "url": f"{emu.base_url}/repos/{emu.repository}",
            "html_url": f"https://github.example/{emu.repository}",
        },
    )


@_route("GET", REPO + r"/pulls/(?P<number>\d+)")
def get_pull(emu: GitHubEmulator, request: Request) -> Response:
    _repository(emu, request)
    issue = emu.store.issues.get(int(request.match["number"]))
    if issue is None or not issue.is_pull:
        raise HttpError(404, "Not Found")
    data = _issue_json(emu, issue)
    data["head"] = {"sha": issue.pull_head, "ref": "feature"}
    data["url"] = f"{emu.base_url}/repos/{emu.repository}/pulls/{issue.number}"
    return Response(200, data)


# -- issue comments ----------------------------------------------------------------------------


def _comment_json(emu: GitHubEmulator, comment: Comment) -> dict[str, Any]:
    repo = f"{emu.base_url}/repos/{emu.repository}"
    return {
        "id": comment.id,
        "node_id": comment.node_id,
        "url": f"{repo}/issues/comments/{comment.id}",
        "html_url": f"https://github.example/{emu.repository}/pull/{comment.issue}#issuecomment-{comment.id}",
        "issue_url": f"{repo}/issues/{comment.issue}",
        "body": comment.body,
        "user": comment.user.as_json(emu.base_url),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": "NONE",
    }


def _issue_of(emu: GitHubEmulator, request: Request) -> Issue:
    _repository(emu, request)
    issue = emu.store.issues.get(int(request.match["number"]))
    if issue is None:
        raise HttpError(404, "Not Found")
    return issue


def _body(request: Request, *, required: bool = True) -> str | None:
    if not isinstance(request.body, dict):
        raise HttpError(400, "Problems parsing JSON")
    body = request.body.get("body")
    if body is None and not required:
        return None
    if not isinstance(body, str) or not body:
        raise _invalid("body is missing")
    if len(body) > BODY_LIMIT:
        raise _invalid(f"Body is too long (maximum is {BODY_LIMIT} characters)")
    return body


@_route("GET", REPO + r"/issues/(?P<number>\d+)/comments")
def list_comments(emu: GitHubEmulator, request: Request) -> Response:
    issue = _issue_of(emu, request)
    with emu.store.lock:
        found = sorted(
            (c for c in emu.store.comments.values() if c.issue == issue.number),
            key=lambda c: c.id,
        )
        return _page(emu, request, [_comment_json(emu, c) for c in found])


@_route("POST", REPO + r"/issues/(?P<number>\d+)/comments")
def create_comment(emu: GitHubEmulator, request: Request) -> Response:
    issue = _issue_of(emu, request)
    body = _body(request)
    assert body is not None
    with emu.store.lock:
        comment = Comment(emu.store.next_id(), issue.number, body, request.user)
        emu.store.comments[comment.id] = comment
        return Response(201, _comment_json(emu, comment))


def _own_comment(emu: GitHubEmulator, request: Request) -> Comment:
    _repository(emu, request)
    comment = emu.store.comments.get(int(request.match["id"]))
    if comment is None:
        raise HttpError(404, "Not Found")
    return comment


@_route("GET", REPO + r"/issues/comments/(?P<id>\d+)")
def get_comment(emu: GitHubEmulator, request: Request) -> Response:
    return Response(200, _comment_json(emu, _own_comment(emu, request)))


@_route("PATCH", REPO + r"/issues/comments/(?P<id>\d+)")
def edit_comment(emu: GitHubEmulator, request: Request) -> Response:
    comment = _own_comment(emu, request)
    if comment.user != request.user:  # nobody edits other people's comments here
        raise HttpError(403, "Resource not accessible by integration")
    body = _body(request)
    assert body is not None
    with emu.store.lock:
        comment.body, comment.updated_at = body, now()
        comment.edits += 1
        return Response(200, _comment_json(emu, comment))


# -- issues ------------------------------------------------------------------------------------


def _issue_json(emu: GitHubEmulator, issue: Issue) -> dict[str, Any]:
    repo = f"{emu.base_url}/repos/{emu.repository}"
    kind = "pull" if issue.is_pull else "issues"
    data: dict[str, Any] = {
        "id": 500_000 + issue.number,
        "node_id": f"I_{issue.number}",
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "labels": [{"name": name, "id": 7_000 + i} for i, name in enumerate(issue.labels)],
        "user": issue.user.as_json(emu.base_url),
        "url": f"{repo}/issues/{issue.number}",
        "html_url": f"https://github.example/{emu.repository}/{kind}/{issue.number}",
        "comments_url": f"{repo}/issues/{issue.number}/comments",
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
    }
    if issue.is_pull:
        data["pull_request"] = {"url": f"{repo}/pulls/{issue.number}"}
    return data


@_route("GET", REPO + r"/issues/(?P<number>\d+)")
def get_issue(emu: GitHubEmulator, request: Request) -> Response:
    return Response(200, _issue_json(emu, _issue_of(emu, request)))


@_route("GET", REPO + r"/issues")
def list_issues(emu: GitHubEmulator, request: Request) -> Response:
    _repository(emu, request)
    state = request.query.get("state", "open")
    wanted = {label for label in request.query.get("labels", "").split(",") if label}
    with emu.store.lock:
        found = [
            issue
            for issue in emu.store.issues.values()
            if (state == "all" or issue.state == state) and wanted <= set(issue.labels)
        ]
        found.sort(key=lambda i: i.number, reverse=True)  # GitHub: newest first by default
        return _page(emu, request, [_issue_json(emu, i) for i in found])


@_route("POST", REPO + r"/issues")
def create_issue(emu: GitHubEmulator, request: Request) -> Response:
    _repository(emu, request)
    if not isinstance(request.body, dict) or not request.body.get("title"):
        raise _invalid("title is missing")
    body = _body(request, required=False) or ""
    labels = request.body.get("labels") or []
    with emu.store.lock:
        issue = Issue(
            emu.store.next_number(), str(request.body["title"]), body, request.user, list(labels)
        )
        emu.store.issues[issue.number] = issue
        return Response(201, _issue_json(emu, issue))


@_route("PATCH", REPO + r"/issues/(?P<number>\d+)")
def edit_issue(emu: GitHubEmulator, request: Request) -> Response:
    issue = _issue_of(emu, request)
    body = _body(request, required=False)
    changes = request.body
    state = changes.get("state")
    if state is not None and state not in ("open", "closed"):
        raise _invalid(f"state {state!r} is not open or closed")
    with emu.store.lock:
        if body is not None:
            issue.body = body
        if "title" in changes:
            issue.title = str(changes["title"])
        if state is not None:
            issue.state = state
            issue.state_reason = changes.get("state_reason") if state == "closed" else None
        issue.updated_at = now()
        issue.edits += 1
        return Response(200, _issue_json(emu, issue))


# -- check runs --------------------------------------------------------------------------------


def _check_json(emu: GitHubEmulator, run: CheckRun) -> dict[str, Any]:
    url = f"{emu.base_url}/repos/{emu.repository}/check-runs/{run.id}"
    return {
        "id": run.id,
        "node_id": f"CR_{run.id}",
        "name": run.name,
        "head_sha": run.head_sha,
        "status": run.status,
        "conclusion": run.conclusion,
        "url": url,
        "html_url": f"https://github.example/{emu.repository}/runs/{run.id}",
        "started_at": now(),
        "completed_at": now() if run.status == "completed" else None,
        "output": {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "check_suite": {"id": 9_000 + run.id % 1000},
        "pull_requests": [],
    }


def _check_output(output: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(output, dict):
        raise _invalid("output is not an object")
    for key in ("title", "summary"):
        if not isinstance(output.get(key), str):
            raise _invalid(f"output.{key} is missing")
    for key in ("summary", "text"):
        if len(output.get(key) or "") > OUTPUT_LIMIT:
            raise _invalid(f"output.{key} is too long (maximum is {OUTPUT_LIMIT} characters)")
    annotations = output.get("annotations") or []
    if len(annotations) > ANNOTATIONS_PER_REQUEST:
        raise _invalid(f"Only {ANNOTATIONS_PER_REQUEST} annotations are allowed per request")
    for annotation in annotations:
        missing = [
            key
            for key in ("path", "start_line", "end_line", "annotation_level", "message")
            if annotation.get(key) in (None, "")
        ]
        if missing or annotation["annotation_level"] not in LEVELS:
            raise _invalid(f"annotation is invalid: {missing or annotation['annotation_level']}")
    fields = {k: output[k] for k in ("title", "summary", "text") if k in output}
    return fields, list(annotations)


@_route("POST", REPO + r"/check-runs")
def create_check_run(emu: GitHubEmulator, request: Request) -> Response:
    _repository(emu, request)
    data = request.body if isinstance(request.body, dict) else {}
    sha = data.get("head_sha")
    if not data.get("name") or not sha:
        raise _invalid("name and head_sha are required")
    if emu.store.commits and sha not in emu.store.commits:
        raise _invalid(f"No commit found for SHA: {sha}")
    conclusion = data.get("conclusion")
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise _invalid(f"conclusion {conclusion!r} is not valid")
    output, annotations = _check_output(data.get("output") or {"title": "", "summary": ""})
    with emu.store.lock:
        run = CheckRun(
            emu.store.next_id(),
            str(data["name"]),
            str(sha),
            str(data.get("status") or "queued"),
            conclusion,
            output,
            annotations,
        )
        emu.store.check_runs[run.id] = run
        return Response(201, _check_json(emu, run))


def _run_of(emu: GitHubEmulator, request: Request) -> CheckRun:
    _repository(emu, request)
    run = emu.store.check_runs.get(int(request.match["id"]))
    if run is None:
        raise HttpError(404, "Not Found")
    return run


@_route("GET", REPO + r"/check-runs/(?P<id>\d+)")
def get_check_run(emu: GitHubEmulator, request: Request) -> Response:
    return Response(200, _check_json(emu, _run_of(emu, request)))


@_route("PATCH", REPO + r"/check-runs/(?P<id>\d+)")
def update_check_run(emu: GitHubEmulator, request: Request) -> Response:
    run = _run_of(emu, request)
    data = request.body if isinstance(request.body, dict) else {}
    output, annotations = _check_output(data["output"]) if "output" in data else ({}, [])
    with emu.store.lock:
        run.output.update(output)
        run.annotations += annotations  # appended, as GitHub does
        if "conclusion" in data:
            run.conclusion = data["conclusion"]
        if "status" in data:
            run.status = data["status"]
        run.updates += 1
        return Response(200, _check_json(emu, run))


# -- GraphQL -----------------------------------------------------------------------------------


def graphql(emu: GitHubEmulator, body: Any, user: User) -> Response:
    """Only the minimizeComment mutation, which is all drift-action sends."""
    query = body.get("query", "") if isinstance(body, dict) else ""
    if "minimizeComment" not in query:
        return Response(200, {"errors": [{"message": "unsupported query", "type": "INTERNAL"}]})
    data = (body.get("variables") or {}).get("input") or {}
    with emu.store.lock:
        comment = next(
            (c for c in emu.store.comments.values() if c.node_id == data.get("subjectId")), None
        )
        if comment is None:
            return Response(
                200, {"errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a node"}]}
            )
        if comment.user != user:
            return Response(200, {"errors": [{"type": "FORBIDDEN", "message": NOT_ALLOWED}]})
        comment.minimized = str(data.get("classifier") or "OUTDATED")
    minimized = {"isMinimized": True, "minimizedReason": comment.minimized.lower()}
    return Response(200, {"data": {"minimizeComment": {"minimizedComment": minimized}}})


NOT_ALLOWED = "drift-action's token may not minimize this comment"


def _page(emu: GitHubEmulator, request: Request, items: list[Any]) -> Response:
    """One page of a list, with GitHub's Link header (per_page default 30, at most 100)."""
    per_page = min(max(int(request.query.get("per_page") or 30), 1), 100)
    page = max(int(request.query.get("page") or 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []

    def url(number: int) -> str:
        query = {**request.query, "per_page": str(per_page), "page": str(number)}
        return f"{emu.base_url}{request.path}?{urlencode(query)}"

    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{url(1)}>; rel="first"', f'<{url(page - 1)}>; rel="prev"']
    return Response(200, chunk, {"Link": ", ".join(links)} if links else {})
