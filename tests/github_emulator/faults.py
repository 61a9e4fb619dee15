"""Injected failures: GitHub's error answers for matching requests, a number of times."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

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
class Fault:
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
        self._pattern = re.compile(self.path_regex) if self.path_regex else None

    @property
    def delay_only(self) -> bool:
        return self.status is None and not self.truncate

    @property
    def text(self) -> str:
        return self.message or _DEFAULT_MESSAGES.get(self.status or 0, "Error")

    def matches(self, method: str, target: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != method:
            return False
        return self._pattern is None or self._pattern.search(target) is not None


class FaultSet:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, target: str) -> tuple[float, Fault | None]:
        """Extra latency from all matching delay-only faults, and the first matching fault
        with an answer to give (status or truncate), all counted (under one lock, so `times`
        holds exactly)."""
        delay, action = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, target):
                    continue
                if fault.delay_only:
                    fault.hits += 1
                    delay += fault.latency or 0.0
                elif action is None:
                    fault.hits += 1
                    action = fault
                    delay += fault.latency or 0.0
        return delay, action
