"""Plain text for a terminal; ANSI colour only when asked (the CLI asks when stdout is a TTY).

Warnings are not repeated here: the CLI prints them on stderr as they happen. With a base,
resources are listed in sections by class (`text_sections`).
"""

from __future__ import annotations

from drift_action.compare.marks import KNOWN_AFTER_APPLY
from drift_action.compare.normalize import RULES as ALWAYS
from drift_action.core.model import Change, ChangeType, Report, ResourceResult, Status
from drift_action.report import reconcile_section
from drift_action.report.fixes import text_line
from drift_action.report.summary import headline
from drift_action.report.text_sections import Paint, section_lines
from drift_action.report.values import (
    by,
    change_kind,
    note_label,
    ownership_hint,
    ownership_note,
    plural,
    seen_by,
    show_live,
    show_pair,
)

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
_STATUS_TEXT = {
    Status.MISSING: "missing from the cluster",
    Status.DRIFTED: "drifted: Git -> cluster",
    Status.ERROR: "error",
    Status.EXTRA: "in the cluster, not in Git",
    Status.IN_SYNC: "in sync",
}


def render(report: Report, *, color: bool = False, explain: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines = [paint("1", headline(report))]
    note = ownership_note(report.ownership)
    if note:
        lines.append(f"Note: {note}{ownership_hint(report.ownership, explain=explain)}")
    if report.base is not None:
        lines.append(f"Compared with {report.base}.")
    lines.append("")
    if report.base is not None:
        lines += section_lines(report, paint, explain=explain)
    # With a base, the sections hold every resource with a difference; in-sync ones may
    # still have notes.
    listed = report.sorted_resources()
    if report.base is not None:
        listed = [r for r in listed if r.status is Status.IN_SYNC and not r.classes]
    for result in listed:
        lines += _resource_lines(result, paint, explain=explain)
    in_sync = [r for r in report.resources if r.status is Status.IN_SYNC]
    if in_sync:
        lines.append(paint(_COLOR[Status.IN_SYNC], f"= in sync: {len(in_sync)}"))
    if report.ignored_count:
        lines.append(f"ignored: {plural(report.ignored_count, 'change')} (config rules)")
    if explain:
        lines += ["", "Always left out of the comparison:"]
        lines += [f"    {rule.name}: {rule.reason}" for rule in ALWAYS]
        if report.ownership.without:
            lines += ["", "Live objects without managedFields:"]
            lines += [f"    {key}" for key in report.ownership.without]
    lines += reconcile_section.text_lines(report)
    return "\n".join(lines).rstrip() + "\n"


def _resource_lines(result: ResourceResult, paint: Paint, *, explain: bool) -> list[str]:
    lines: list[str] = []
    show_resource = result.status is not Status.IN_SYNC
    if show_resource:
        mark = paint(_COLOR[result.status], f"{_MARK[result.status]} {result.key}")
        label = _STATUS_TEXT[result.status] + seen_by(result)
        lines.append(f"{mark}  [{label}]{_where(result)}")
        lines.extend(f"    {_change_line(change)}" for change in result.changes)
        lines.extend(
            f"    {n.path}: (known after apply)"
            for n in result.normalized
            if n.rule == KNOWN_AFTER_APPLY
        )
        if result.message:
            lines.append(f"    {result.message}")
        if result.fix is not None:
            lines.append(f"    {text_line(result.fix)}")
    if result.ignored:
        if not show_resource:
            lines.append(f"= {result.key}  [in sync]{_where(result)}")
        lines.extend(f"    ignored by {c.ignored_by}: {c.path_text}" for c in result.ignored)
    if explain and result.normalized:
        if not show_resource and not result.ignored:
            lines.append(f"= {result.key}  [in sync]{_where(result)}")
        lines.extend(
            f"    {note_label(n.rule)} ({n.rule}): {n.path}: {n.reason}"
            for n in result.normalized
            if not (show_resource and n.rule == KNOWN_AFTER_APPLY)  # shown above
        )
    return lines


def _change_line(change: Change) -> str:
    if change.type is ChangeType.CHANGED or change.type is ChangeType.MISSING:
        desired, live = show_pair(change)  # long values: cut where they differ
        text = f"{change.path_text}: {desired} -> {live}"
    else:
        text = f"{change.path_text}: {change_kind(change)}: {show_live(change)}"
    who = by(change.attribution)
    suffix = f"  (by {who})" if who else ""
    return f"[{change.severity.value}] {text}{suffix}"


def _where(result: ResourceResult) -> str:
    return f"  {result.source}" if result.source else ""
