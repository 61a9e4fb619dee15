"""GitHub-flavoured Markdown for a pull request comment, read in five seconds.

The headline, then one visible line per resource (worst severity, resource, main field, old ->
new, who), in sections by class when a base was compared; then the details of each section,
collapsed: every change as a `diff` block, its file linked at the commit. In-sync resources
are counts by kind. `document()` gives the report as blocks, so `report.limits` can fit it
into a size limit without breaking a list, a code block or a `<details>`.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable

from drift_action.compare.normalize import RULES as ALWAYS
from drift_action.core.model import Report, SourceLocation, Status
from drift_action.report import reconcile_section, sections_md
from drift_action.report.blocks import Block, Document, Tier, details, join
from drift_action.report.classes import Section, sections, terms_for
from drift_action.report.oneline import escape, span
from drift_action.report.summary import headline
from drift_action.report.values import ownership_hint, ownership_note, plural

__all__ = ["Block", "Document", "LinkFor", "code", "document", "join", "render"]

# The address of a source file at the commit, or None where there is none.
LinkFor = Callable[[SourceLocation], str | None]

_BACKTICKS = re.compile(r"`+")
_KINDS_LISTED = 20


def code(text: str) -> str:
    """An inline code span for a table cell: survives backticks and the table's pipes."""
    text = text.replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def render(report: Report, *, explain: bool = False, link: LinkFor | None = None) -> str:
    doc = document(report, explain=explain, link=link)
    return join(doc.head, *doc.blocks)


def document(report: Report, *, explain: bool = False, link: LinkFor | None = None) -> Document:
    icon = "⚠️" if report.has_drift else ("⛔" if report.has_errors else "✅")
    head = [f"### {icon} {headline(report)}", ""]
    note = ownership_note(report.ownership)
    if note:
        hint = ownership_hint(report.ownership, explain=explain)
        head += [f"> **Note:** {html.escape(note + hint, quote=False)}", ""]
    terms = terms_for(report)
    if report.base is not None:
        head += [
            f"Compared with {escape(report.base)}: what this PR changes is listed apart from "
            "drift already in the cluster.",
            "",
        ]
    found = _merged(sections(report), titled=report.base is not None)
    shown = sections_md.Shown()
    blocks: list[Block] = reconcile_section.markdown_blocks(report)
    for section in found:  # each section's list, then its details, collapsed
        blocks.append(sections_md.summary_lines(section, terms, titled=report.base is not None))
        blocks.append(
            sections_md.details_block(section, terms, link=link, explain=explain, shown=shown)
        )
    blocks += [*_quiet(report, terms.where), *_notes(report, explain=explain)]
    return Document(tuple(head), tuple(blocks))


def _merged(found: tuple[Section, ...], *, titled: bool) -> tuple[Section, ...]:
    """Without a base there is one list: what could not be checked, then the drift."""
    if titled or len(found) < 2 or found[0].change_class is not None:
        return found
    return (Section(found[1].change_class, (*found[0].entries, *found[1].entries)), *found[2:])


def _quiet(report: Report, where: str) -> list[Block]:
    """In-sync resources as counts by kind; whether extras were looked for at all."""
    lines: list[str] = []
    in_sync = Counter(r.key.kind for r in report.resources if r.status is Status.IN_SYNC)
    if in_sync:
        kinds = sorted(in_sync.items(), key=lambda item: (-item[1], item[0]))
        listed = ", ".join(f"{n} {escape(kind)}" for kind, n in kinds[:_KINDS_LISTED])
        if len(kinds) > _KINDS_LISTED:
            listed += f" and {plural(len(kinds) - _KINDS_LISTED, 'more kind')}"
        total = plural(sum(in_sync.values()), "resource")
        lines += [f"🟢 **In sync:** {total} ({listed})", ""]
    if not report.extras_checked:
        lines += [
            f"**Extra resources** (in the cluster, not in {escape(where)}): not checked "
            "(no selector)",
            "",
        ]
    return [Block(tuple(lines), tier=Tier.COUNTS)] if lines else []


def _notes(report: Report, *, explain: bool) -> list[Block]:
    blocks: list[Block] = []
    for result in report.sorted_resources():
        if result.status is Status.IN_SYNC and (result.ignored or (explain and result.normalized)):
            blocks.append(
                details(
                    f"🟢 {sections_md.title(result)}: in sync, with notes",
                    sections_md.notes(result, explain=explain),
                )
            )
    if explain:
        blocks.append(
            details(
                "Always left out of the comparison",
                [f"- **{rule.name}**: {html.escape(rule.reason)}" for rule in ALWAYS],
            )
        )
    if explain and report.ownership.without:
        blocks.append(
            details(
                "Live objects without managedFields",
                [f"- {span(str(key))}" for key in report.ownership.without],
            )
        )
    if report.warnings:
        blocks.append(
            details(
                plural(len(report.warnings), "warning"),
                [f"- {span(w)}" for w in report.warnings],
            )
        )
    return blocks
