"""The one-line verdict that every format opens with."""

from __future__ import annotations

from drift_action.core.model import Report, Status
from drift_action.report.values import plural

_LABELS = (
    (Status.DRIFTED, "drifted"),
    (Status.MISSING, "missing"),
    (Status.EXTRA, "extra"),
    (Status.ERROR, "errors"),
    (Status.IN_SYNC, "in sync"),
)


def counts_text(report: Report) -> str:
    parts = [f"{report.counts[s]} {label}" for s, label in _LABELS if report.counts[s]]
    return ", ".join(parts) if parts else "no resources"


def headline(report: Report) -> str:
    total = plural(len(report.resources), "resource")
    if report.has_drift:
        return f"Drift detected: {counts_text(report)} ({total})"
    if report.has_errors:
        return f"Could not check everything: {counts_text(report)} ({total})"
    return f"No drift: {counts_text(report)} ({total})"
