"""What the two API emulators (kube_emulator, github_emulator) share about injected faults:
which requests a fault matches, and the set that hands them out under one lock."""

from __future__ import annotations

import re
import threading
from typing import Generic, Protocol, TypeVar


class Matching:
    """Matches requests by `method` (any when None) and by `path_regex` (re.search over the
    path plus "?query"), for the next `times` of them (None: forever). A dataclass mixing it in
    declares those fields and `hits`, and calls `compile_pattern` after init."""

    method: str | None
    path_regex: str | None
    times: int | None
    hits: int

    def compile_pattern(self) -> None:
        self._pattern = re.compile(self.path_regex) if self.path_regex else None

    def matches(self, method: str, target: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != method:
            return False
        return self._pattern is None or self._pattern.search(target) is not None


class _Fault(Protocol):
    hits: int
    latency: float | None

    @property
    def delay_only(self) -> bool: ...

    def matches(self, method: str, target: str) -> bool: ...


F = TypeVar("F", bound=_Fault)


class FaultSet(Generic[F]):
    """The injected faults; matching and counting happen under one lock so `times` holds
    exactly even when requests race."""

    def __init__(self) -> None:
        self._faults: list[F] = []
        self._lock = threading.Lock()

    def add(self, fault: F) -> F:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, target: str) -> tuple[float, F | None]:
        """Extra latency from all matching delay-only faults, and the first matching fault
        with a real action (status, drop, hang, truncate), all counted."""
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
