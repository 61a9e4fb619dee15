"""GitHub-flavoured Markdown: a summary table, then one collapsible section per resource.

`document()` gives the same report as blocks, so `report.limits` can fit it into a size limit
without breaking a table or leaving a `<details>` open.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from drift_action.compare.marks import KNOWN_AFTER_APPLY
from drift_action.compare.normalize import RULES as ALWAYS
from drift_action.core.model import Change, ChangeType, Report, ResourceResult, Status
from drift_action.report.summary import headline
from drift_action.report.values import (
    by,
    change_kind,
    ownership_hint,
    ownership_note,
    plural,
    seen_by,
    show_desired,
    show_live,
)

_ICON = {
    Status.DRIFTED: "🔴",
    Status.MISSING: "🟠",
    Status.EXTRA: "🟡",
    Status.ERROR: "⛔",
    Status.IN_SYNC: "🟢",
}
_LABEL = {
    Status.DRIFTED: "Drifted",
    Status.MISSING: "Missing from the cluster",
    Status.EXTRA: "In the cluster, not in Git",
    Status.ERROR: "Errors",
    Status.IN_SYNC: "In sync",
}
_BACKTICKS = re.compile(r"`+")


def code(text: str) -> str:
    """An inline code span that survives backticks and table pipes in `text`."""
    text = text.replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text}{fence}"


@dataclass(frozen=True)
class Block:
    """A self-contained piece of the report: `head`, any leading slice of `rows`, then `tail`
    is balanced Markdown (tables and `<details>` closed), so a size limit can cut rows."""

    head: tuple[str, ...]
    rows: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()
    resources: int = 0  # resources the block shows in full (its rows when rows_are_resources)
    rows_are_resources: bool = False  # rows list resources; else rows are one resource's changes

    @property
    def lines(self) -> tuple[str, ...]:
        return (*self.head, *self.rows, *self.tail)


@dataclass(frozen=True)
class Document:
    """The report as blocks, most urgent first: the summary table, then one per resource."""

    head: tuple[str, ...]
    blocks: tuple[Block, ...]


def render(report: Report, *, explain: bool = False) -> str:
    doc = document(report, explain=explain)
    return join(doc.head, *doc.blocks)


def join(head: Sequence[str], *blocks: Block) -> str:
    lines = list(head)
    for block in blocks:
        lines += block.lines
    return "\n".join(lines).rstrip() + "\n"


def document(report: Report, *, explain: bool = False) -> Document:
    icon = "⚠️" if report.has_drift else ("⛔" if report.has_errors else "✅")
    head = [f"### {icon} {headline(report)}", ""]
    note = ownership_note(report.ownership)
    if note:
        hint = ownership_hint(report.ownership, explain=explain)
        head += [f"> **Note:** {html.escape(note + hint, quote=False)}", ""]
    head += ["| Status | Resources |", "| --- | ---: |"]
    head += [f"| {_ICON[s]} {_LABEL[s]} | {report.counts[s]} |" for s in _LABEL]
    head.append("")
    blocks: list[Block] = []
    resources = report.sorted_resources()
    for result in resources:
        if result.status in (Status.DRIFTED, Status.MISSING, Status.ERROR):
            blocks.append(_section(result, explain=explain))
    extras = [r for r in resources if r.status is Status.EXTRA]
    if extras:
        blocks.append(
            _list_section(
                f"{_ICON[Status.EXTRA]} {plural(len(extras), 'extra resource')} "
                "in the cluster, not in Git",
                extras,
            )
        )
    in_sync = [r for r in resources if r.status is Status.IN_SYNC]
    if in_sync:
        blocks.append(_list_section(f"{_ICON[Status.IN_SYNC]} {len(in_sync)} in sync", in_sync))
    quiet = [r for r in in_sync if r.ignored or (explain and r.normalized)]
    for result in quiet:
        blocks.append(
            _details(
                f"{_ICON[result.status]} {_title(result)}: in sync, with notes",
                _notes(result, explain=explain),
            )
        )
    if explain:
        blocks.append(
            _details(
                "Always left out of the comparison",
                [f"- **{rule.name}**: {html.escape(rule.reason)}" for rule in ALWAYS],
            )
        )
    if explain and report.ownership.without:
        blocks.append(
            _details(
                "Live objects without managedFields",
                [f"- {code(str(key))}" for key in report.ownership.without],
            )
        )
    if report.warnings:
        blocks.append(
            _details(
                f"{plural(len(report.warnings), 'warning')}",
                [f"- {code(w)}" for w in report.warnings],
            )
        )
    return Document(tuple(head), tuple(blocks))


def _details(summary: str, body: list[str], *, resources: int = 0) -> Block:
    # Blank lines around the body make GitHub render Markdown inside <details>.
    return Block(
        ("<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""),
        resources=resources,
    )


def _table_details(
    summary: str,
    header: tuple[str, str],
    rows: list[str],
    notes: list[str],
    *,
    resources: int,
    rows_are_resources: bool = False,
) -> Block:
    return Block(
        ("<details>", f"<summary>{summary}</summary>", "", *header),
        tuple(rows),
        (*notes, "", "</details>", ""),
        resources=resources,
        rows_are_resources=rows_are_resources,
    )


def _title(result: ResourceResult) -> str:
    return f"<b>{html.escape(str(result.key))}</b>{html.escape(seen_by(result))}"


def _section(result: ResourceResult, *, explain: bool) -> Block:
    where = f" in <code>{html.escape(str(result.source))}</code>" if result.source else ""
    if result.status is Status.MISSING:
        return _details(
            f"{_ICON[result.status]} {_title(result)}: missing{where}",
            ["Declared in Git but not found in the cluster.", *_notes(result, explain=False)],
            resources=1,
        )
    if result.status is Status.ERROR:
        return _details(
            f"{_ICON[result.status]} {_title(result)}: error{where}",
            [html.escape(result.message or "unknown error")],
            resources=1,
        )
    rows = [
        f"| {c.severity.value} | {code(c.path_text)} | {code(show_desired(c))} "
        f"| {code(show_live(c))} | {_who(c)} |"
        for c in result.changes
    ]
    return _table_details(
        f"{_ICON[result.status]} {_title(result)}: {plural(len(result.changes), 'change')}{where}",
        (
            "| Severity | Field | Git | Cluster | Last written by |",
            "| --- | --- | --- | --- | --- |",
        ),
        rows,
        _notes(result, explain=explain),
        resources=1,
    )


def _who(change: Change) -> str:
    who = by(change.attribution)
    kind = "" if change.type is ChangeType.CHANGED else f"*{change_kind(change)}*"
    return "<br>".join(html.escape(part) if part == who else part for part in (kind, who) if part)


def _notes(result: ResourceResult, *, explain: bool) -> list[str]:
    lines: list[str] = []
    known = [n for n in result.normalized if n.rule == KNOWN_AFTER_APPLY]
    if known and result.status is not Status.IN_SYNC:
        lines += ["", "Known after apply (not compared):", ""]
        lines += [f"- {code(n.path)}" for n in known]
    if result.message and result.status.is_drift:  # what the source says to run
        lines += ["", html.escape(result.message)]
    if result.ignored:
        lines += ["", f"Ignored by rules ({len(result.ignored)}):", ""]
        lines += [
            f"- {code(c.path_text)}: {html.escape(c.ignored_by or '')}" for c in result.ignored
        ]
    if explain and result.normalized:
        lines += ["", "Not drift:", ""]
        lines += [
            f"- {code(n.path)}: {html.escape(n.reason)} ({n.rule})" for n in result.normalized
        ]
    return lines


def _list_section(summary: str, results: list[ResourceResult]) -> Block:
    rows = [
        f"| {code(r.key.kind)} | {code(r.key.namespace or '-')} | {code(r.key.name)} |"
        for r in results
    ]
    return _table_details(
        summary,
        ("| Kind | Namespace | Name |", "| --- | --- | --- |"),
        rows,
        [],
        resources=len(results),
        rows_are_resources=True,
    )
