"""Fit a Markdown report into a size limit, cutting only between resources or table rows.

GitHub caps a comment at 65,536 characters, a check run's summary at 65,535 and a job summary
at 1 MiB (of UTF-8 bytes). A report that is larger keeps its summary table and the most urgent
resources (the report's own order), and ends with a line the caller writes ("N more resources:
..."). Every block of `markdown.document()` is balanced on its own, so the result never has a
broken table or an unclosed `<details>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from drift_action.report.markdown import Block, Document, join
from drift_action.report.values import plural

Measure = Callable[[str], int]


def characters(text: str) -> int:
    return len(text)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Fitted:
    text: str
    omitted: int  # resources left out altogether
    cut: bool  # anything at all was left out (resources, rows, notes or warnings)


def fit(
    document: Document,
    budget: int,
    more: Callable[[int], str],
    *,
    measure: Measure = characters,
) -> Fitted:
    """The report whole when it fits in `budget`, else cut, ending with `more(omitted)`."""
    whole = join(document.head, *document.blocks)
    if measure(whole) <= budget:
        return Fitted(whole, 0, cut=False)
    total = sum(block.resources for block in document.blocks)
    # The footer's own size depends on the count: reserve room for the largest it can be.
    reserve = measure(more(total)) + 2
    room = budget - reserve
    kept: list[Block] = []
    used = _size(document.head, measure)
    head: Sequence[str] = document.head
    if used > room:  # a budget this small only happens in tests; keep the headline at least
        head = document.head[:1]
        used = _size(head, measure)
    omitted = 0
    for index, block in enumerate(document.blocks):
        size = _size(block.lines, measure) + 1
        if used + size <= room:
            kept.append(block)
            used += size
            continue
        partial = _partial(block, room - used, measure)
        if partial is not None:
            kept.append(partial)
            if block.rows_are_resources:
                omitted += len(block.rows) - len(partial.rows)
        elif block.resources:
            omitted += block.resources
        omitted += sum(b.resources for b in document.blocks[index + 1 :])
        break
    text = join(head, *kept) + "\n" + more(omitted) + "\n"
    if measure(text) > budget:  # only when the budget cannot hold even the headline
        text = more(omitted)[: max(budget - 1, 0)] + "\n"
    return Fitted(text, omitted, cut=True)


def _partial(block: Block, room: int, measure: Measure) -> Block | None:
    """The block with as many leading rows as fit in `room`, or None when not even one does."""
    if not block.rows:
        return None
    what = "resource" if block.rows_are_resources else "change"
    total = len(block.rows)
    fixed = _size((*block.head, *_cut_note(total, total, what), *block.tail), measure) + 1
    if fixed >= room:
        return None
    count, used = 0, fixed
    for row in block.rows:
        used += measure(row) + 1
        if used > room:
            break
        count += 1
    if count == 0:
        return None
    shown = block.rows[:count]
    cut_note = _cut_note(total - count, total, what)
    return Block(
        block.head,
        shown,
        (*cut_note, *block.tail),
        resources=count if block.rows_are_resources else block.resources,
        rows_are_resources=block.rows_are_resources,
    )


def _cut_note(left: int, total: int, what: str) -> tuple[str, str]:
    return ("", f"*{plural(left, 'more ' + what)} of {total} not shown here.*")


def _size(lines: Sequence[str], measure: Measure) -> int:
    """The size of the lines joined by newlines."""
    return sum(measure(line) for line in lines) + max(len(lines) - 1, 0)
