"""What the property and fuzz tests share: their hypothesis settings, and the outcomes they
accept.

The default run is quick: each property test runs a small number of examples, and a failure is
reported as soon as it is found, not shrunk first (shrinking an example that runs the CLI a few
times took over five minutes). Two environment variables ask for more:

* `DRIFT_FUZZ_EXAMPLES=N`: each property and fuzz test runs N examples instead of its default
  (`fuzz_examples`), a long search: `DRIFT_FUZZ_EXAMPLES=2000 python -m pytest tests/...`.
* `DRIFT_FUZZ_SHRINK=1`: a failing example is shrunk to a small one before it is reported (and
  explained); it may take minutes.

A failure prints `@reproduce_failure(...)`, the decorator that replays it; `--hypothesis-seed=N`
replays a whole run. `--hypothesis-profile=NAME` still chooses another profile.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TypeVar

from hypothesis import HealthCheck, Phase, settings

from drift_action.core.errors import DriftActionError

HANG = 60  # seconds one example may take before it counts as a hang
T = TypeVar("T")
LONG = "DRIFT_FUZZ_EXAMPLES" in os.environ  # a long search was asked for
SHRINK = os.environ.get("DRIFT_FUZZ_SHRINK", "") not in ("", "0")
PROFILE = "drift-action"
# A slow shared machine is not a failure, a hang is (see `no_hang`): no per-example time limit
# worth the name.
DEADLINE = timedelta(seconds=20)


def load_hypothesis_profile() -> None:
    """The settings every test's own `settings(...)` starts from (tests/conftest.py loads it).

    Without shrinking, the explain phase (which needs a shrunk example) is left out too. Not
    derandomized, also on CI (where hypothesis's own profile would be): each run tries new
    examples, and a failure says how to replay it (`print_blob`)."""
    phases = tuple(Phase) if SHRINK else (Phase.explicit, Phase.reuse, Phase.generate, Phase.target)
    settings.register_profile(
        PROFILE,
        phases=phases,
        derandomize=False,
        print_blob=True,
        deadline=DEADLINE,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(PROFILE)


def fuzz_examples(default: int) -> int:
    """`DRIFT_FUZZ_EXAMPLES` if set (a long search), else the test's quick `default`."""
    return int(os.environ.get("DRIFT_FUZZ_EXAMPLES", str(default)))


def fuzz_settings(default_examples: int) -> settings:
    """`fuzz_examples(default_examples)` examples, with the profile's deadline."""
    return settings(
        max_examples=fuzz_examples(default_examples),
        deadline=DEADLINE,
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
