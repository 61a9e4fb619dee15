"""Injected faults: error statuses, dropped connections, hangs and per-request latency."""

from __future__ import annotations

from dataclasses import dataclass, field

from support.fault_set import FaultSet, Matching

DEFAULT_USER = "system:serviceaccount:ci:drift"


@dataclass
class Fault(Matching):
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
        self.compile_pattern()

    @property
    def delay_only(self) -> bool:
        return self.status is None and not self.drop and self.hang is None and not self.truncate


Faults = FaultSet[Fault]
