"""What the fuzz tests share: their hypothesis settings, and the outcomes they accept."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TypeVar

from hypothesis import HealthCheck, settings

from drift_action.errors import DriftActionError

HANG = 60  # seconds one example may take before it counts as a hang
T = TypeVar("T")


def fuzz_settings(default_examples: int) -> settings:
    """`DRIFT_FUZZ_EXAMPLES` examples (else the default), with no per-example time limit worth
    the name: a slow shared machine is not a failure, a hang is (see `no_hang`)."""
    return settings(
        max_examples=int(os.environ.get("DRIFT_FUZZ_EXAMPLES", str(default_examples))),
        deadline=timedelta(seconds=20),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@contextlib.contextmanager
def no_hang(seconds: int = HANG) -> Iterator[None]:
    """Fail, rather than wait forever, when an example does not return."""

    def stop(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"no answer within {seconds} seconds: a hang")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def result_or_one_line(call: Callable[[], T]) -> T | DriftActionError:
    """The call's result, or the user error it raised, which must be one line naming
    something; any other exception fails the test."""
    with no_hang():
        try:
            return call()
        except DriftActionError as exc:
            message = str(exc)
            assert message.strip(), "an empty error message"
            assert "\n" not in message and "\r" not in message, message
            return exc
