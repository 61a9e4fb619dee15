"""metav1.Status failure bodies shaped like the ones a real API server sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .store import dumps

EXPIRED_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter."
)
# What etcd3 storage says when it can offer a token for the (inconsistent) remainder.
EXPIRED_WITH_TOKEN_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token "
    "in this response to retrieve the remainder of the results. Continuing with the "
    "provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may "
    "show up in the list."
)

# Default reason/message per code, as apimachinery's errors.New* helpers produce them.
REASONS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "the object has been modified; please apply your changes to the latest version and try again"),
    410: ("Expired", EXPIRED_MESSAGE),
    415: ("UnsupportedMediaType", "the body of the request was in an unknown format"),
    422: ("Invalid", "the object is invalid"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected fault"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted"),
}  # fmt: skip


@dataclass
class ApiError(Exception):
    """Raised anywhere in request handling; the handler turns it into a Status response."""

    code: int
    message: str = ""
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    list_meta: dict[str, Any] = field(default_factory=dict)  # Status.metadata

    def body(self) -> bytes:
        reason, message = REASONS.get(self.code, ("", "unknown error"))
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": self.list_meta,
            "status": "Failure",
            "message": self.message or message,
            "reason": self.reason or reason,
        }
        if self.details:
            status["details"] = self.details
        status["code"] = self.code
        return dumps(status)


@dataclass(frozen=True)
class Target:
    """What a request addresses, so error messages can name it like RBAC and storage do."""

    verb: str  # get, list, patch, ... or the lower-case HTTP method for non-resource paths
    path: str
    resource: str = ""  # plural; "" for non-resource paths (discovery, /version)
    group: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""

    @property
    def qualified(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        details["kind"] = self.resource
        return details


def not_found(target: Target) -> ApiError:
    if target.resource and target.name:
        return ApiError(
            404, f'{target.qualified} "{target.name}" not found', details=target.details()
        )
    return ApiError(404, f"the server could not find the requested resource (path {target.path})")


def forbidden(target: Target, user: str) -> ApiError:
    who = f'User "{user}" cannot {target.verb}'
    if not target.resource:
        return ApiError(403, f'forbidden: {who} path "{target.path}"', details={})
    resource = f"{target.resource}/{target.subresource}" if target.subresource else target.resource
    scope = f'in the namespace "{target.namespace}"' if target.namespace else "at the cluster scope"
    subject = f'{target.qualified} "{target.name}"' if target.name else target.qualified
    message = (
        f'{subject} is forbidden: {who} resource "{resource}" in API group "{target.group}" {scope}'
    )
    return ApiError(403, message, details=target.details())


def for_fault(
    code: int,
    target: Target,
    *,
    user: str,
    message: str = "",
    reason: str = "",
    retry_after: int | None = None,
) -> ApiError:
    """The error an injected fault answers with, with the body the real server would use."""
    error = ApiError(code, message, reason)
    if code == 403 and not message:
        error = forbidden(target, user)
    elif code == 404 and not message:
        error = not_found(target)
    elif code == 500:
        text = message or "injected fault"
        error.message = f"Internal error occurred: {text}"
        error.details = {"causes": [{"message": text}]}
    elif code in (409, 422) and target.resource:
        error.details = target.details()
    if code == 429 and retry_after is None:
        retry_after = 1
    if retry_after is not None and code in (429, 503):
        # The API server's priority-and-fairness filter always sends Retry-After on 429.
        error.details = {**error.details, "retryAfterSeconds": retry_after}
        error.headers["Retry-After"] = str(retry_after)
    error.reason = reason or error.reason
    return error
