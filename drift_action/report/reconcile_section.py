"""What a reconcile did, in each format: per resource the outcome, the field manager it was
applied as, and per field the value before -> after and who had changed it.

Values come from the drift report's changes (Secret data already redacted there), never from
what the API server answered.
"""

from __future__ import annotations

from typing import Any

from drift_action.core.model import Change, Report
from drift_action.core.reconcile import Outcome, ReconcileResult, Reconciliation
from drift_action.report.blocks import Block, Tier
from drift_action.report.oneline import escape, span
from drift_action.report.values import by, plural, show_desired, show_live

_ICON = {
    Outcome.REVERTED: "✅",
    Outcome.STILL_DIFFERS: "⚠️",
    Outcome.CONFLICT: "⛔",
    Outcome.FORBIDDEN: "⛔",
    Outcome.FAILED: "❌",
    Outcome.SKIPPED: "⏭️",
}
_VERB = {
    Outcome.REVERTED: "put back",
    Outcome.STILL_DIFFERS: "applied, still differs",
    Outcome.CONFLICT: "not applied: conflict",
    Outcome.FORBIDDEN: "not applied: forbidden",
    Outcome.FAILED: "not applied: failed",
    Outcome.SKIPPED: "skipped",
}


_COUNTED = {
    Outcome.REVERTED: "put back",
    Outcome.STILL_DIFFERS: "still differing",
    Outcome.CONFLICT: "in conflict",
    Outcome.FORBIDDEN: "forbidden",
    Outcome.FAILED: "failed",
    Outcome.SKIPPED: "skipped",
}


def headline(found: Reconciliation) -> str:
    counts = found.counts()
    parts = [f"{n} {_COUNTED[o]}" for o, n in counts.items() if n]
    return "Reconcile: " + (", ".join(parts) if parts else "nothing to apply")


def _applied(result: ReconcileResult, found: Reconciliation) -> bool:
    return result.outcome in (Outcome.REVERTED, Outcome.STILL_DIFFERS)


def _how(result: ReconcileResult, found: Reconciliation) -> str:
    if not result.manager or result.outcome is Outcome.SKIPPED:
        return ""
    forced = ", conflicts forced" if found.force_conflicts else ""
    made = "created, " if result.created and _applied(result, found) else ""
    return f"{made}as field manager {result.manager}{forced}"


def _field(change: Change) -> tuple[str, str, str, str]:
    """(path, before, after, who had changed it)"""
    return (
        change.path_text,
        show_live(change, limit=80),
        show_desired(change, limit=80),
        by(change.attribution),
    )


def text_lines(report: Report) -> list[str]:
    found = report.reconciliation
    if found is None:
        return []
    lines = ["", headline(found)]
    for result in found.results:
        how = _how(result, found)
        extra = f" ({how})" if how else ""
        lines.append(f"  {_VERB[result.outcome]}: {result.key}{extra}")
        if result.reason:
            lines.append(f"      {' '.join(result.reason.split())}")
        for change in result.changes:
            path, before, after, who = _field(change)
            changed_by = f"  (changed by {who})" if who else ""
            lines.append(f"      {path}: {before} -> {after}{changed_by}")
    return lines


def markdown_blocks(report: Report) -> list[Block]:
    found = report.reconciliation
    if found is None:
        return []
    lines = [f"#### 🔧 {escape(headline(found))}", ""]
    for result in found.results:
        key = result.key
        where = f"{key.namespace}/{key.name}" if key.namespace else key.name
        how = _how(result, found)
        extra = f" ({span(how)})" if how else ""
        lines.append(
            f"- {_ICON[result.outcome]} {escape(key.kind)} {span(where)}: "
            f"{escape(_VERB[result.outcome])}{extra}"
        )
        if result.reason:
            lines.append(f"  - {span(result.reason)}")
        for change in result.changes:
            path, before, after, who = _field(change)
            changed_by = f", changed by {span(who)}" if who else ""
            lines.append(f"  - {span(path)}: {span(before)} → {span(after)}{changed_by}")
    lines.append("")
    return [Block(tuple(lines), tier=Tier.COUNTS)]


def json_value(report: Report) -> dict[str, Any] | None:
    found = report.reconciliation
    if found is None:
        return None
    return {
        "force_conflicts": found.force_conflicts,
        "settled": found.settled(report),
        "counts": {o.value: n for o, n in found.counts().items()},
        "resources": [_json_result(r) for r in found.results],
    }


def _json_result(result: ReconcileResult) -> dict[str, Any]:
    key = result.key
    changes = []
    for change in result.changes:
        path, before, after, who = _field(change)
        attribution = change.attribution
        changes.append(
            {
                "path": path,
                "before": before,
                "after": after,
                "changed_by": attribution.manager if attribution else None,
                "actor": attribution.actor.value if attribution else None,
                "time": attribution.time if attribution else None,
                "summary": who or None,
            }
        )
    return {
        "group": key.group,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
        "outcome": result.outcome.value,
        "field_manager": result.manager or None,
        "created": result.created,
        "reason": result.reason or None,
        "changes": changes,
    }


__all__ = ["headline", "json_value", "markdown_blocks", "plural", "text_lines"]
