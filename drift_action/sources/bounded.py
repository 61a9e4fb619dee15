"""What a source says when a render went past a limit (`bounds.RenderLimits`)."""

from __future__ import annotations

from drift_action.core.bounds import RenderLimits, format_size
from drift_action.core.errors import InputError
from drift_action.core.tools import ToolError


def too_slow(what: str, limits: RenderLimits) -> str:
    return (
        f"{what} did not finish within {limits.timeout:g} seconds, the render time limit "
        "(--render-timeout, input render_timeout): does a template loop without end?"
    )


def too_big(what: str, limits: RenderLimits) -> str:
    return (
        f"{what} printed more than {format_size(limits.max_bytes)}, the render size limit "
        "(--render-max-bytes, input render_max_bytes)"
    )


def out_of_memory(what: str, limits: RenderLimits) -> str:
    return (
        f"{what} needed more than {format_size(limits.memory_bytes)} of memory, the render "
        "memory limit (512 MiB and 4 times --render-max-bytes)"
    )


def limit_error(exc: ToolError, what: str, limits: RenderLimits, shown: str) -> InputError | None:
    """The error to raise for a program that a limit stopped; None when none did."""
    if exc.limit == "time":
        return InputError(too_slow(what, limits), file=shown)
    if exc.limit == "output":
        return InputError(too_big(what, limits), file=shown)
    if exc.limit == "memory":
        return InputError(out_of_memory(what, limits), file=shown)
    return None
