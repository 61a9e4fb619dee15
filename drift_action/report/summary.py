"""The one-line verdict that every format opens with."""

from __future__ import annotations

from drift_action.core.model import ChangeClass, Report, Status
from drift_action.report.values import plural

_LABELS = (
    (Status.DRIFTED, "drifted"),
    (Status.MISSING, "missing"),
    (Status.EXTRA, "extra"),
    (Status.ERROR, "errors"),
    (Status.IN_SYNC, "in sync"),
)
# With a base: what the pull request itself does, after the counts (conflicts are also
# counted among the drifted, as they fail the job).
_PR_LABELS = (
    (ChangeClass.CONFLICT, "conflict", "conflicts"),
    (ChangeClass.PLANNED, "planned", "planned"),
    (ChangeClass.ADOPTED, "adopted", "adopted"),
)


def counts_text(report: Report) -> str:
    parts = [f"{report.counts[s]} {label}" for s, label in _LABELS if report.counts[s]]
    return ", ".join(parts) if parts else "no resources"


def pr_text(report: Report) -> str:
    """`1 conflict, 3 planned, 1 adopted` (resources), or "" without a base or any of them."""
    if report.base is None:
        return ""
    parts = [
        f"{report.classes[c]} {one if report.classes[c] == 1 else many}"
        for c, one, many in _PR_LABELS
        if report.classes[c]
    ]
    return ", ".join(parts)


def headline(report: Report) -> str:
    total = plural(len(report.resources), "resource")
    pr = pr_text(report)
    tail = f"; this PR: {pr}" if pr else ""
    if report.has_drift:
        return f"Drift detected: {counts_text(report)} ({total}){tail}"
    if report.has_errors:
        return f"Could not check everything: {counts_text(report)} ({total}){tail}"
    return f"No drift: {counts_text(report)} ({total}){tail}"
