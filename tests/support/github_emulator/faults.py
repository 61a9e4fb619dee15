"""Injected failures: GitHub's error answers for matching requests, a number of times."""

from __future__ import annotations

from dataclasses import dataclass, field

from support.fault_set import FaultSet, Matching

# What GitHub says when a GITHUB_TOKEN lacks a permission, as on a fork's pull request.
NOT_ACCESSIBLE = "Resource not accessible by integration"
_DEFAULT_MESSAGES = {
    401: "Bad credentials",
    403: NOT_ACCESSIBLE,
    404: "Not Found",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}


@dataclass
class Fault(Matching):
    """Acts on requests whose method matches `method` (any when None) and whose path (with
    "?query") matches `path_regex` (re.search), for the next `times` of them (None: forever).

    Actions: `status` answers that error (`retry_after` adds a Retry-After header, as rate
    limits do); `latency` delays the answer by that many seconds; `truncate` sends the status
    line and the headers (Content-Length for the whole body) but only half the body, then
    closes the connection: a connection reset mid-body (of the error with `status`, else of
    the normal answer, whose effect, such as a created comment, has happened).
    """

    status: int | None = None
    method: str | None = None
    path_regex: str | None = None
    times: int | None = None
    message: str = ""
    retry_after: int | None = None
    latency: float | None = None
    truncate: bool = False
    hits: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.status is None and self.latency is None and not self.truncate:
            raise ValueError("Fault needs an action: status, latency or truncate")
        self.compile_pattern()

    @property
    def delay_only(self) -> bool:
        return self.status is None and not self.truncate

    @property
    def text(self) -> str:
        return self.message or _DEFAULT_MESSAGES.get(self.status or 0, "Error")


Faults = FaultSet[Fault]
