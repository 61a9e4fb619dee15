"""The text report's sections when a base was compared: drift already in the cluster,
conflicts, what the PR changes and what it adopts, each change said plainly."""

from __future__ import annotations

from collections.abc import Callable

from drift_action.compare.marks import KNOWN_AFTER_APPLY
from drift_action.core.model import Change, ChangeClass, ChangeType, Report, Status
from drift_action.report.classes import (
    GIT,
    NOTHING,
    Entry,
    Section,
    Terms,
    hidden_text,
    is_hidden,
    sections,
    sides,
)
from drift_action.report.fixes import text_line
from drift_action.report.oneline import short_field
from drift_action.report.values import as_json, by, change_kind, note_label, seen_by, window

Paint = Callable[[str, str], str]

_BLURB = {
    ChangeClass.DRIFT: "merging this PR re-applies Git and reverts it",
    ChangeClass.CONFLICT: "this PR and the cluster both changed these, differently",
    ChangeClass.PLANNED: "a preview of the merge, like kubectl diff; not drift",
    ChangeClass.ADOPTED: "this PR writes values made by hand in the cluster into Git",
    None: "not compared, so they may hide drift",
}
_COLOR = {None: "35", ChangeClass.DRIFT: "33", ChangeClass.CONFLICT: "31"}
_OBJECT = {
    (ChangeClass.DRIFT, Status.MISSING): ("-", "missing from the cluster"),
    (ChangeClass.DRIFT, Status.EXTRA): ("+", "in the cluster, not in Git"),
    (ChangeClass.CONFLICT, Status.MISSING): ("-", "missing from the cluster"),
    (ChangeClass.CONFLICT, Status.EXTRA): ("+", "in the cluster, not in Git"),
    (ChangeClass.PLANNED, Status.MISSING): ("+", "created on merge"),
    (
        ChangeClass.PLANNED,
        Status.EXTRA,
    ): ("-", "deleted on merge if your deployer prunes, else left orphaned"),
    (ChangeClass.ADOPTED, Status.IN_SYNC): ("=", "adopted: this PR adds it to Git as it is live"),
}
_CHANGED = {
    None: "error",
    ChangeClass.DRIFT: "drifted: Git -> cluster",
    ChangeClass.CONFLICT: "conflict: base, this PR and live differ",
    ChangeClass.PLANNED: "changed by this PR",
    ChangeClass.ADOPTED: "adopted from the cluster",
}


def section_lines(report: Report, paint: Paint, *, explain: bool) -> list[str]:
    lines: list[str] = []
    noted: set[str] = set()
    for section in sections(report):
        lines += [
            paint("1", f"{section.title} ({len(section.entries)}): {_BLURB[section.change_class]}")
        ]
        for entry in section.entries:
            lines += _entry(entry, section, paint)
            if entry.result_key not in noted:
                noted.add(entry.result_key)
                lines += _notes(entry, explain=explain)
        lines.append("")
    return lines


def _entry(entry: Entry, section: Section, paint: Paint) -> list[str]:
    result = entry.result
    if entry.whole and entry.change_class is not None:
        mark, label = _OBJECT[(entry.change_class, result.status)]
    else:
        mark, label = ("!" if entry.change_class is None else "~"), _CHANGED[entry.change_class]
    color = _COLOR.get(section.change_class, "36")
    where = f"  {result.source}" if result.source else ""
    lines = [f"{paint(color, f'{mark} {result.key}')}  [{label}{seen_by(result)}]{where}"]
    lines += [f"    {change_line(c, entry.change_class)}" for c in entry.changes]
    if entry.change_class is None and result.message:
        lines.append(f"    {result.message}")
    return lines


def _notes(entry: Entry, *, explain: bool) -> list[str]:
    result = entry.result
    lines = [
        f"    {n.path}: (known after apply)"
        for n in result.normalized
        if n.rule == KNOWN_AFTER_APPLY
    ]
    # What the source says to run is about drift; a planned or adopted object's own line says
    # what merging does to it.
    fails = entry.change_class is not None and entry.change_class.fails
    if result.message and fails and result.status.is_drift:
        lines.append(f"    {result.message}")
    if result.fix is not None and fails:
        lines.append(f"    {text_line(result.fix)}")
    lines += [f"    ignored by {c.ignored_by}: {c.path_text}" for c in result.ignored]
    if explain:
        lines += [
            f"    {note_label(n.rule)} ({n.rule}): {n.path}: {n.reason}"
            for n in result.normalized
            if n.rule != KNOWN_AFTER_APPLY
        ]
    return lines


def change_line(change: Change, change_class: ChangeClass | None, terms: Terms = GIT) -> str:
    """One change, said plainly for its class: "merging this PR sets image back to ..."."""
    if is_hidden(change):
        who = by(change.attribution) if change_class is not ChangeClass.PLANNED else ""
        return _line(change, f"{change.path_text}: {hidden_text(change, change_class, terms)}", who)
    old, new = _pair(*sides(change, change_class))
    if change_class is ChangeClass.CONFLICT:
        base, _ = _pair(NOTHING if change.base is None else change.base, change.desired)
        text = f"this PR sets {new}, the live value is {old}, Git had {base}"
        return _line(change, f"{change.path_text}: {text}", by(change.attribution))
    if change_class is ChangeClass.PLANNED:
        return _planned(change, old, new)
    if change_class is ChangeClass.ADOPTED:
        return _adopted(change, old, new)
    return _drift(change, old, new)


def _planned(change: Change, old: str | None, new: str | None) -> str:
    if change.type is ChangeType.CHANGED:
        text = f"{old} -> {new}"
    else:
        text = f"added by this PR: {new}" if new is not None else f"removed by this PR (live {old})"
    return _line(change, f"{change.path_text}: {text}", "")


def _adopted(change: Change, old: str | None, new: str | None) -> str:
    start = f"{old} -> {new}" if old is not None else f"new in Git: {new}"
    return _line(change, f"{change.path_text}: {start}, the live value", by(change.attribution))


def _drift(change: Change, old: str | None, new: str | None) -> str:
    who = by(change.attribution)
    if change.type is ChangeType.CHANGED:
        set_by = f"set by {who}" if who else "set outside Git"
        field = short_field(change.path)
        text = f"merging this PR sets {field} back to {old}: the live {new} was {set_by}"
        return _line(change, f"{change.path_text}: {text}", "")
    if change.type is ChangeType.MISSING:
        text = f"not in the cluster; merging this PR sets it to {old}"
        return _line(change, f"{change.path_text}: {text}", "")
    return _line(change, f"{change.path_text}: {change_kind(change)}: {new}", who)


def _line(change: Change, text: str, who: str) -> str:
    suffix = f"  (by {who})" if who else ""
    return f"[{change.severity.value}] {text}{suffix}"


def _pair(old: object, new: object) -> tuple[str | None, str | None]:
    """Both values as JSON, long ones cut around where they first differ."""
    a = None if old is NOTHING else as_json(old)
    b = None if new is NOTHING else as_json(new)
    if a is not None and b is not None:
        return window(a, b, limit=200)
    return (None if a is None else window(a, a, limit=200)[0]), (
        None if b is None else window(b, b, limit=200)[0]
    )
