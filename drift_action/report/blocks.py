"""The Markdown report as pieces a size limit can cut without breaking a list, a code block or
a `<details>` section (`report.limits` does the cutting)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Tier(enum.IntEnum):
    """What a cut keeps first: a few lines of counts, then every one-line summary before any
    detail, then the notes."""

    COUNTS = -1
    LIST = 0
    DETAIL = 1
    NOTE = 2


@dataclass(frozen=True)
class Part:
    """A piece a cut leaves out whole, or keeps with a leading slice of its `rows`.

    `head`, any leading slice of `rows`, `close` (what closes around the rows what `head`
    opened, such as a code fence) and `tail` are balanced Markdown.
    """

    head: tuple[str, ...]
    rows: tuple[str, ...] = ()
    close: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()
    counts_as: str = ""  # a summary line: what it counts as when left out ("with drift")
    key: str = ""  # the resource (and class) it is about; "" for a group's heading

    @property
    def lines(self) -> tuple[str, ...]:
        return (*self.head, *self.rows, *self.close, *self.tail)


@dataclass(frozen=True)
class Block:
    """`opening`, then any leading run of `parts`, then `closing` is balanced Markdown."""

    opening: tuple[str, ...]
    parts: tuple[Part, ...] = ()
    closing: tuple[str, ...] = ()
    tier: Tier = Tier.DETAIL

    @property
    def lines(self) -> tuple[str, ...]:
        return (*self.opening, *(line for part in self.parts for line in part.lines), *self.closing)

    @property
    def resources(self) -> int:
        return sum(bool(part.key) for part in self.parts)


@dataclass(frozen=True)
class Document:
    """The report: the headline and notes, then blocks in reading order."""

    head: tuple[str, ...]
    blocks: tuple[Block, ...]


def join(head: Sequence[str], *blocks: Block) -> str:
    lines = list(head)
    for block in blocks:
        lines += block.lines
    return "\n".join(lines).rstrip() + "\n"


def details(summary: str, body: Sequence[str], *, tier: Tier = Tier.NOTE) -> Block:
    """A collapsed section; the blank lines around the body make GitHub render its Markdown."""
    lines = ("<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", "")
    return Block(lines, tier=tier)
