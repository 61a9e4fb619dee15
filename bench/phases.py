"""Where drift-action's wall time goes: wrap a few pipeline stages with timers while it runs.

The stages are found by name; one that has been renamed is simply not timed.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from drift_action import pipeline, sources
from drift_action.live.cluster import ClusterReader

# phase name -> (owner, attribute) of the function that is that phase
STAGES: dict[str, tuple[Any, str]] = {
    "manifests": (sources, "render"),  # read and parse the desired YAML
    "discovery": (ClusterReader, "learn_scopes"),  # resolve each kind through discovery
    "list": (ClusterReader, "read"),  # the paged LISTs, concurrent across types
    "compare": (pipeline._Run, "_compare"),  # normalize, diff, ownership, verdicts
}


def _timed(function: Callable[..., Any], totals: dict[str, float], phase: str) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[phase] = totals.get(phase, 0.0) + time.perf_counter() - start

    return wrapper


@contextmanager
def phase_timer() -> Iterator[dict[str, float]]:
    """Seconds spent in each stage while the block runs."""
    totals: dict[str, float] = {}
    with ExitStack() as stack:
        for phase, (owner, name) in STAGES.items():
            function = getattr(owner, name, None)
            if function is not None:
                stack.enter_context(mock.patch.object(owner, name, _timed(function, totals, phase)))
        yield totals
