"""Fit a Markdown report into a size limit, cutting only between parts or their rows.

GitHub caps a comment at 65,536 characters, a check run's summary at 65,535 and a job summary
at 1 MiB (of UTF-8 bytes). A report that is larger keeps its headline, then every one-line
summary it can (most urgent first), then as many details and notes as fit, in reading order;
it ends with a line the caller writes from what was left out (`Cut`). Every block and part of
a `blocks.Document` is balanced on its own, so the result never has a broken list, an open
code fence or an unclosed `<details>`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from drift_action.report.blocks import Block, Document, Part, join
from drift_action.report.values import plural

Measure = Callable[[str], int]


def characters(text: str) -> int:
    return len(text)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Cut:
    """What a cut report leaves out: one-line summaries by what they count as (`with drift`),
    in reading order, and the resources whose summary stays but whose details do not."""

    left_out: tuple[tuple[str, int], ...] = ()
    details: int = 0

    @property
    def resources(self) -> int:
        return sum(n for _, n in self.left_out)


@dataclass(frozen=True)
class Fitted:
    text: str
    omitted: int  # resources whose one-line summary was left out
    cut: bool  # anything at all was left out (summaries, details, rows, notes or warnings)
    left: Cut = Cut()


def fit(
    document: Document,
    budget: int,
    more: Callable[[Cut], str],
    *,
    measure: Measure = characters,
) -> Fitted:
    """The report whole when it fits in `budget`, else cut, ending with `more(cut)`."""
    whole = join(document.head, *document.blocks)
    if measure(whole) <= budget:
        return Fitted(whole, 0, cut=False)
    # The footer's size depends on the counts: reserve room for the largest it can be.
    reserve = measure(more(_everything(document.blocks))) + 2
    room = budget - reserve
    head: Sequence[str] = document.head
    used = _size(head, measure)
    if used > room:  # a budget this small only happens in tests; keep the headline at least
        head = document.head[:1]
        used = _size(head, measure)
    kept: dict[int, Block] = {}
    order = sorted(range(len(document.blocks)), key=lambda i: (document.blocks[i].tier, i))
    for index in order:
        block = document.blocks[index]
        size = _size(block.lines, measure) + 1
        if used + size <= room:
            kept[index] = block
            used += size
            continue
        partial = _partial_block(block, room - used, measure)
        if partial is not None:
            kept[index] = partial
        break  # what follows is less urgent than what did not fit
    cut = _left_out(document.blocks, kept)
    text = join(head, *(kept[i] for i in sorted(kept))) + "\n" + more(cut) + "\n"
    if measure(text) > budget:  # only when the budget cannot hold even the headline
        text = more(cut)[: max(budget - 1, 0)] + "\n"
    return Fitted(text, cut.resources, cut=True, left=cut)


def _partial_block(block: Block, room: int, measure: Measure) -> Block | None:
    """The block with as many leading parts as fit in `room` (the last one perhaps cut
    between its rows), or None when not even one does."""
    total = block.resources
    fixed = _size((*block.opening, *_note(total, total, "resource"), *block.closing), measure)
    used = fixed + 1
    if used >= room:
        return None
    parts: list[Part] = []
    for part in block.parts:
        size = _size(part.lines, measure) + 1
        if used + size <= room:
            parts.append(part)
            used += size
            continue
        partial = _partial_part(part, room - used, measure)
        if partial is not None:
            parts.append(partial)
        break
    if not any(part.key for part in parts):
        return None
    shown = sum(bool(part.key) for part in parts)
    note = _note(total - shown, total, "resource") if shown < total else ()
    return Block(block.opening, tuple(parts), (*note, *block.closing), block.tier)


def _partial_part(part: Part, room: int, measure: Measure) -> Part | None:
    """The part with as many leading rows as fit in `room`, or None when not even one does."""
    total = len(part.rows)
    fixed = _size((*part.head, *part.close, *_note(total, total, "change"), *part.tail), measure)
    used = fixed + 1
    count = 0
    for row in part.rows:
        used += measure(row) + 1
        if used > room:
            break
        count += 1
    if count == 0:
        return None
    note = _note(total - count, total, "change")
    return Part(part.head, part.rows[:count], part.close, (*note, *part.tail), key=part.key)


def _left_out(blocks: Sequence[Block], kept: dict[int, Block]) -> Cut:
    """Summary lines left out, by what they count as, and the resources whose summary line
    stays but whose details went."""
    every = _tally(blocks)
    shown = _tally(tuple(kept.values()))
    lines: Counter[str] = Counter()
    for key, what in every.lines.items():
        if key not in shown.lines:
            lines[what] += 1
    details = every.details - shown.details - (every.lines.keys() - shown.lines.keys())
    return Cut(tuple(lines.items()), len(details))


def _everything(blocks: Sequence[Block]) -> Cut:
    every = _tally(blocks)
    return Cut(tuple(Counter(every.lines.values()).items()), len(every.details))


@dataclass(frozen=True)
class _Tally:
    lines: dict[str, str]  # resource key -> what its summary line counts as
    details: set[str]  # resource keys with a detail part


def _tally(blocks: Sequence[Block]) -> _Tally:
    lines: dict[str, str] = {}
    details: set[str] = set()
    for block in blocks:
        for part in block.parts:
            if part.counts_as:
                lines[part.key] = part.counts_as
            elif part.key:
                details.add(part.key)
    return _Tally(lines, details)


def _note(left: int, total: int, what: str) -> tuple[str, ...]:
    if left <= 0:
        return ()
    return ("", f"*{plural(left, 'more ' + what)} of {total} not shown here.*", "")


def _size(lines: Sequence[str], measure: Measure) -> int:
    """The size of the lines joined by newlines."""
    return sum(measure(line) for line in lines) + max(len(lines) - 1, 0)
