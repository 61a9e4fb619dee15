"""One section of the Markdown report: its visible one-line-per-resource list, and its
collapsed details (a `diff` block per resource, its file linked)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from drift_action.compare.marks import KNOWN_AFTER_APPLY
from drift_action.core.model import ChangeClass, ResourceResult, SourceLocation, Status
from drift_action.report.blocks import Block, Part, Tier
from drift_action.report.classes import Entry, Section, Terms, whole_text
from drift_action.report.fixes import markdown_lines
from drift_action.report.hunks import hunk
from drift_action.report.oneline import escape, line, span
from drift_action.report.values import EVIDENCE, plural, seen_by

GROUP_OVER = 12  # entries in a section above which they are grouped by namespace
_BACKTICKS = re.compile(r"`{3,}")

_BLURB = {
    ChangeClass.DRIFT: "Merging re-applies {where} and reverts these.",
    ChangeClass.CONFLICT: "This PR and the cluster both changed these, differently.",
    ChangeClass.PLANNED: "A preview, like `kubectl diff`: not drift.",
    ChangeClass.ADOPTED: "This PR writes values made by hand in the cluster into {where}.",
    None: "They could not be compared, so they may hide drift.",
}
_LEGEND = {
    ChangeClass.DRIFT: "`-` {desired}, `+` the cluster, with who last wrote it.",
    ChangeClass.CONFLICT: "`-` the cluster, `+` this PR (merging sets it), {desired} at base.",
    ChangeClass.PLANNED: "`-` the cluster now, `+` after merging.",
    ChangeClass.ADOPTED: "`-` {desired} at base, `+` this PR, as it is live.",
}


@dataclass
class Shown:
    """Resources whose notes are already in the report: a resource in two sections has its
    notes under the first."""

    keys: set[str] = field(default_factory=set)


def summary_lines(section: Section, terms: Terms, *, titled: bool) -> Block:
    """The section's heading (with a base) and one line per resource, grouped by namespace
    when there are many."""
    opening: tuple[str, ...] = ()
    if titled:
        blurb = _BLURB[section.change_class].format(where=escape(terms.where))
        opening = (f"#### {section.title} ({len(section.entries)})", "", blurb)
    namespaces = {e.result.key.namespace for e in section.entries}
    grouped = len(section.entries) > GROUP_OVER and len(namespaces) > 1
    # A blank line before each list (the head ends with one when there is no title).
    gap = ("",) if titled else ()
    parts: list[Part] = []
    if not grouped:
        parts = [Part(gap)] if gap else []
        parts += [_line(e, terms, namespace=True, what=section.counts_as) for e in section.entries]
    else:
        for namespace in dict.fromkeys(e.result.key.namespace for e in section.entries):
            members = [e for e in section.entries if e.result.key.namespace == namespace]
            name = span(namespace) if namespace else "cluster-scoped"
            heading = f"**{name}** · {plural(len(members), 'resource')}"
            parts.append(Part((*gap, heading, "")))
            gap = ("",)
            parts += [_line(e, terms, namespace=False, what=section.counts_as) for e in members]
    return Block(opening, tuple(parts), ("",), Tier.LIST)


def _line(entry: Entry, terms: Terms, *, namespace: bool, what: str) -> Part:
    return Part((line(entry, terms, namespace=namespace),), counts_as=what, key=entry.key)


def details_block(
    section: Section,
    terms: Terms,
    *,
    link: Callable[[SourceLocation], str | None] | None,
    explain: bool,
    shown: Shown,
) -> Block:
    changes = sum(len(e.changes) for e in section.entries)
    what = plural(len(section.entries), "resource")
    if changes:
        what += ", " + plural(changes, "change")
    legend = "" if section.change_class is None else _LEGEND[section.change_class]
    opening: tuple[str, ...] = ("<details>", f"<summary>Details: {what}</summary>", "")
    if legend and changes:
        opening += (legend.format(desired=escape(terms.desired)), "")
    parts = []
    for entry in section.entries:
        first = entry.result_key not in shown.keys
        shown.keys.add(entry.result_key)
        parts.append(_fragment(entry, terms, link=link, notes_too=first, explain=explain))
    return Block(opening, tuple(parts), ("</details>", ""), Tier.DETAIL)


def _fragment(
    entry: Entry,
    terms: Terms,
    *,
    link: Callable[[SourceLocation], str | None] | None,
    notes_too: bool,
    explain: bool,
) -> Part:
    result = entry.result
    header = title(result) + _where(entry, link)
    extra = notes(result, explain=explain, hint=_hinted(entry)) if notes_too else []
    if entry.change_class is None:
        message = html.escape(result.message or "unknown error", quote=False)
        return Part((header, "", message, ""), key=entry.key)
    if entry.whole and not entry.changes:
        tail = (*extra, "") if extra else ()
        return Part((f"{header}: {escape(whole_text(entry, terms))}", ""), tail=tail, key=entry.key)
    rows = tuple(hunk(c, entry.change_class, terms) for c in entry.changes)
    longest = max((len(run) for row in rows for run in _BACKTICKS.findall(row)), default=2)
    fence = "`" * (longest + 1)
    return Part(
        (header, "", f"{fence}diff"),
        rows,
        (fence,),
        ("", *extra, "") if extra else ("",),
        key=entry.key,
    )


def title(result: ResourceResult) -> str:
    return f"<b>{html.escape(str(result.key))}</b>{html.escape(seen_by(result))}"


def _where(entry: Entry, link: Callable[[SourceLocation], str | None] | None) -> str:
    source = entry.result.source
    if source is None:
        return ""
    text = span(str(source))
    deleted = entry.change_class is ChangeClass.PLANNED and entry.result.status is Status.EXTRA
    url = link(source) if link is not None and not deleted else None
    return f" · [{text}]({url})" if url else f" · {text}"


def _hinted(entry: Entry) -> bool:
    """Whether the result's message belongs here: what to run about drift; a planned or adopted
    object's own line already says what merging does to it."""
    return entry.change_class in (ChangeClass.DRIFT, ChangeClass.CONFLICT)


def notes(result: ResourceResult, *, explain: bool, hint: bool = True) -> list[str]:
    lines: list[str] = []
    known = [n for n in result.normalized if n.rule == KNOWN_AFTER_APPLY]
    if known and result.status is not Status.IN_SYNC:
        lines += ["", "Known after apply (not compared):", ""]
        lines += [f"- {span(n.path)}" for n in known]
    if result.message and result.status.is_drift and hint:  # what the source says to run
        lines += ["", html.escape(result.message, quote=False)]
    if result.fix is not None and hint:
        lines += ["", *markdown_lines(result.fix)]
    if result.ignored:
        lines += ["", f"Ignored by rules ({len(result.ignored)}):", ""]
        lines += [
            f"- {span(c.path_text)}: {html.escape(c.ignored_by or '', quote=False)}"
            for c in result.ignored
        ]
    for title, wanted in (("Found by:", True), ("Not drift:", False)):
        notes = [n for n in result.normalized if (n.rule in EVIDENCE) is wanted]
        if explain and notes:
            lines += ["", title, ""]
            lines += [f"- {span(n.path)}: {html.escape(n.reason)} ({n.rule})" for n in notes]
    return lines[1:] if lines[:1] == [""] else lines
