"""GitHub-flavoured Markdown: a summary table, then one collapsible section per resource."""

from __future__ import annotations

import html
import re

from drift_action.model import Change, ChangeType, Report, ResourceResult, Status
from drift_action.normalize import RULES as ALWAYS
from drift_action.report.summary import headline
from drift_action.report.values import by, change_kind, plural, show_desired, show_live

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


def render(report: Report, *, explain: bool = False) -> str:
    icon = "⚠️" if report.has_drift else ("⛔" if report.has_errors else "✅")
    parts = [f"### {icon} {headline(report)}", "", "| Status | Resources |", "| --- | ---: |"]
    parts += [f"| {_ICON[s]} {_LABEL[s]} | {report.counts[s]} |" for s in _LABEL]
    parts.append("")
    resources = report.sorted_resources()
    for result in resources:
        if result.status in (Status.DRIFTED, Status.MISSING, Status.ERROR):
            parts += _section(result, explain=explain)
    extras = [r for r in resources if r.status is Status.EXTRA]
    if extras:
        parts += _list_section(
            f"{_ICON[Status.EXTRA]} {plural(len(extras), 'extra resource')} "
            "in the cluster, not in Git",
            extras,
        )
    in_sync = [r for r in resources if r.status is Status.IN_SYNC]
    if in_sync:
        parts += _list_section(f"{_ICON[Status.IN_SYNC]} {len(in_sync)} in sync", in_sync)
    quiet = [r for r in in_sync if r.ignored or (explain and r.normalized)]
    for result in quiet:
        parts += _details(
            f"{_ICON[result.status]} {_title(result)}: in sync, with notes",
            _notes(result, explain=explain),
        )
    if explain:
        parts += _details(
            "Always left out of the comparison",
            [f"- **{rule.name}**: {html.escape(rule.reason)}" for rule in ALWAYS],
        )
    if report.warnings:
        parts += _details(
            f"{plural(len(report.warnings), 'warning')}",
            [f"- {code(w)}" for w in report.warnings],
        )
    return "\n".join(parts).rstrip() + "\n"


def _details(summary: str, body: list[str]) -> list[str]:
    # Blank lines around the body make GitHub render Markdown inside <details>.
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _title(result: ResourceResult) -> str:
    return f"<b>{html.escape(str(result.key))}</b>"


def _section(result: ResourceResult, *, explain: bool) -> list[str]:
    where = f" in <code>{html.escape(str(result.source))}</code>" if result.source else ""
    if result.status is Status.MISSING:
        return _details(
            f"{_ICON[result.status]} {_title(result)}: missing{where}",
            ["Declared in Git but not found in the cluster."],
        )
    if result.status is Status.ERROR:
        return _details(
            f"{_ICON[result.status]} {_title(result)}: error{where}",
            [html.escape(result.message or "unknown error")],
        )
    rows = [
        f"| {c.severity.value} | {code(c.path_text)} | {code(show_desired(c))} "
        f"| {code(show_live(c))} | {_who(c)} |"
        for c in result.changes
    ]
    table = [
        "| Severity | Field | Git | Cluster | Last written by |",
        "| --- | --- | --- | --- | --- |",
        *rows,
    ]
    return _details(
        f"{_ICON[result.status]} {_title(result)}: {plural(len(result.changes), 'change')}{where}",
        table + _notes(result, explain=explain),
    )


def _who(change: Change) -> str:
    who = by(change.attribution)
    kind = "" if change.type is ChangeType.CHANGED else f"*{change_kind(change)}*"
    return "<br>".join(html.escape(part) if part == who else part for part in (kind, who) if part)


def _notes(result: ResourceResult, *, explain: bool) -> list[str]:
    lines: list[str] = []
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


def _list_section(summary: str, results: list[ResourceResult]) -> list[str]:
    rows = [
        f"| {code(r.key.kind)} | {code(r.key.namespace or '-')} | {code(r.key.name)} |"
        for r in results
    ]
    return _details(summary, ["| Kind | Namespace | Name |", "| --- | --- | --- |", *rows])
