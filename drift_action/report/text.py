"""Plain text for a terminal; ANSI colour only when asked (the CLI asks when stdout is a TTY).

Warnings are not repeated here: the CLI prints them on stderr as they happen.
"""

from __future__ import annotations

from drift_action.model import Report, ResourceResult, Status
from drift_action.report.summary import headline
from drift_action.report.values import show_desired, show_live

_MARK = {
    Status.MISSING: "-",
    Status.DRIFTED: "~",
    Status.ERROR: "!",
    Status.EXTRA: "+",
    Status.IN_SYNC: "=",
}
_COLOR = {
    Status.MISSING: "31",
    Status.DRIFTED: "33",
    Status.ERROR: "35",
    Status.EXTRA: "36",
    Status.IN_SYNC: "32",
}


def render(report: Report, *, color: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines = [paint("1", headline(report)), ""]
    for result in report.sorted_resources():
        if result.status is Status.IN_SYNC:
            continue
        mark = paint(_COLOR[result.status], f"{_MARK[result.status]} {result.key}")
        lines.append(f"{mark}  [{_status_text(result)}]{_where(result)}")
        lines.extend(
            f"    {change.path_text}: {show_desired(change)} -> {show_live(change)}"
            for change in result.changes
        )
        if result.message:
            lines.append(f"    {result.message}")
    in_sync = [r for r in report.sorted_resources() if r.status is Status.IN_SYNC]
    if in_sync:
        lines.append(paint(_COLOR[Status.IN_SYNC], f"= in sync: {len(in_sync)}"))
    return "\n".join(lines).rstrip() + "\n"


def _status_text(result: ResourceResult) -> str:
    return {
        Status.MISSING: "missing from the cluster",
        Status.DRIFTED: "drifted: Git -> cluster",
        Status.ERROR: "error",
        Status.EXTRA: "in the cluster, not in Git",
        Status.IN_SYNC: "in sync",
    }[result.status]


def _where(result: ResourceResult) -> str:
    return f"  {result.source}" if result.source else ""
