"""Injected faults: error statuses, dropped connections, hangs and per-request latency."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

DEFAULT_USER = "system:serviceaccount:ci:drift"


@dataclass
class Fault:
    """Matches requests by `method` and by `path_regex` (re.search over the path plus
    "?query", so r"continue=" targets only follow-up pages) and acts on the next `times`
    of them (None = forever).

    Actions: `status` answers with that code and the real server's Status body; `drop`
    closes the TCP connection without a response; `hang` sleeps that many seconds and then
    answers (normally, or with `status`); `latency` only delays matching requests;
    `truncate` sends the status line and the headers (Content-Length for the whole body) but
    only half the body, then closes the connection: a connection reset mid-body.
    """

    status: int | None = None
    method: str | None = None
    path_regex: str | None = None
    times: int | None = None
    drop: bool = False
    hang: float | None = None
    latency: float | None = None
    truncate: bool = False
    retry_after: int | None = None  # 429 (default 1) and 503: Retry-After seconds
    message: str = ""  # overrides the default Status message
    reason: str = ""  # overrides the default Status reason (e.g. "Gone" for a 410)
    user: str = DEFAULT_USER  # who a 403 says was refused
    hits: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        actions = (self.status, self.hang, self.latency)
        if all(a is None for a in actions) and not self.drop and not self.truncate:
            raise ValueError("Fault needs an action: status, drop, hang, latency or truncate")
        if self.drop and (self.status is not None or self.truncate):
            raise ValueError("Fault: drop excludes status and truncate")
        self._pattern = re.compile(self.path_regex) if self.path_regex else None

    @property
    def delay_only(self) -> bool:
        return self.status is None and not self.drop and self.hang is None and not self.truncate

    def matches(self, method: str, target: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != method:
            return False
        return self._pattern is None or self._pattern.search(target) is not None


class FaultSet:
    """The injected faults; matching and counting happen under one lock so `times` holds
    exactly even when requests race."""

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
        """Extra latency from all matching delay-only faults, and the first matching
        fault with a real action (both consumed)."""
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
