"""One change as lines of a `diff` code block: a header with the field, then `-` old and `+`
new. Multi-line values are a line diff with context; every line is wrapped to fit a comment's
code block, which GitHub scrolls instead of wrapping."""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from drift_action.core.model import Change, ChangeClass
from drift_action.report.classes import (
    NOTHING,
    Terms,
    attributed,
    hidden_text,
    is_hidden,
    kind_text,
    sides,
)
from drift_action.report.values import as_json, by, literal, window

# Columns of a code block line. A 900 px comment's code block holds about 100 columns of
# GitHub's monospace font (tests/report/test_comment_in_chromium.py measures it); a margin
# covers wider fonts and emoji.
WIDTH = 90
MAX_LINES = 40  # of one value's line diff
LONG = 240  # one-line values longer than this are cut around where they first differ
_BREAK_AFTER = frozenset(" /.,:;=-_])}")


def hunk(change: Change, change_class: ChangeClass | None, terms: Terms) -> str:
    """The change's lines, joined: one row of a diff block."""
    notes = []
    kind = kind_text(change, change_class, terms)
    if kind and not is_hidden(change):
        notes.append(kind)
    who = by(change.attribution) if attributed(change_class) else ""
    if who:
        notes.append(f"by {who}")
    lines = wrap(f"@@ {change.path_text} @@ {change.severity.value}", "", "   ")
    if notes:
        lines += wrap(" · ".join(notes), "  ", "  ")
    if is_hidden(change):
        lines += wrap(hidden_text(change, change_class, terms), "  ", "  ")
    elif change_class is ChangeClass.CONFLICT:
        lines += _conflict(change, terms)
    else:
        old, new = sides(change, change_class)
        lines += pair(old, new)
    return "\n".join(lines)


def _conflict(change: Change, terms: Terms) -> list[str]:
    live, pr = sides(change, ChangeClass.CONFLICT)
    base = NOTHING if change.base is None else change.base
    shown = [_lines(v) for v in (base, live, pr)]
    if all(len(s) <= 1 for s in shown):
        labels = (f"{terms.desired} at base:", "cluster:", "this PR:")
        width = max(len(label) for label in labels) + 1
        out: list[str] = []
        pr_text = shown[2][0] if shown[2] else ""
        for marker, label, side in zip(" -+", labels, shown, strict=True):
            text = window(side[0], pr_text, limit=LONG)[0] if side else "(not set)"
            out += wrap(f"{label:<{width}}{text}", f"{marker} ", f"{marker} " + " " * width)
        return out
    return [
        *wrap(f"{terms.desired} at base differs too; cluster -> this PR:", "  ", "  "),
        *pair(live, pr),
    ]


def pair(old: Any, new: Any) -> list[str]:
    """`-` old and `+` new (either may be NOTHING), as a line diff when multi-line."""
    a, b = _lines(old), _lines(new)
    if len(a) == 1 and len(b) == 1:
        old_text, new_text = window(a[0], b[0], limit=LONG)
        return [*wrap(old_text, "- ", "-   "), *wrap(new_text, "+ ", "+   ")]
    if a and b:
        return _line_diff(a, b)
    out: list[str] = []
    for marker, side in (("-", a), ("+", b)):
        for line in _capped(side):
            out += wrap(_short(line), f"{marker} ", f"{marker}   ")
    return out


def _short(line: str) -> str:
    """A line cut to `LONG` characters (and its length) when longer."""
    return window(line, line, limit=LONG)[0]


def _lines(value: Any) -> list[str]:
    if value is NOTHING:
        return []
    if isinstance(value, str) and "\n" in value:
        return [printable(line) for line in value.split("\n")]
    if isinstance(value, dict | list):
        compact = as_json(value)
        if len(compact) <= WIDTH - 10:
            return [compact]
        return json.dumps(value, ensure_ascii=False, indent=2).split("\n")
    return [printable(literal(value))]


def _capped(lines: Sequence[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return list(lines)
    return [*lines[:MAX_LINES], f"… {len(lines) - MAX_LINES} more lines"]


def _line_diff(a: list[str], b: list[str]) -> list[str]:
    """The lines that differ, with two lines of context, `…` between far-apart changes."""
    out: list[str] = []
    count = 0
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(2):
        first = group[0][1]
        if first > 0 or out:
            out.append(f"  … line {first + 1}")
        for tag, i1, i2, j1, j2 in group:
            for marker, lines in _opcode(tag, a[i1:i2], b[j1:j2]):
                for line in lines:
                    count += 1
                    if count > MAX_LINES:
                        out.append("  … more lines differ")
                        return out
                    out += wrap(line, f"{marker} ", f"{marker}   ")
    return out


def _opcode(tag: str, old: list[str], new: list[str]) -> Iterator[tuple[str, list[str]]]:
    if tag == "equal":
        yield " ", [_short(line) for line in old]
        return
    if len(old) == len(new):  # lines changed one for one: cut each pair where they differ
        pairs = [window(x, y, limit=LONG) for x, y in zip(old, new, strict=True)]
        yield "-", [x for x, _ in pairs]
        yield "+", [y for _, y in pairs]
        return
    yield "-", [_short(line) for line in old]
    yield "+", [_short(line) for line in new]


def printable(text: str) -> str:
    """Control characters as escapes: a carriage return must not hide the rest of a line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text)


def columns(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """`text` in lines of at most `width` columns, the first starting with `first`, the
    others with `rest`; broken after a separator near the end of a line when there is one."""
    lines: list[str] = []
    prefix = first
    while True:
        room = width - len(prefix)
        used, end, soft = 0, 0, 0
        while end < len(text) and used + columns(text[end]) <= room:
            used += columns(text[end])
            if text[end] in _BREAK_AFTER and used > room * 3 // 4:
                soft = end + 1
            end += 1
        if end >= len(text):
            lines.append(prefix + text)
            return lines
        cut = soft or max(end, 1)
        lines.append(prefix + text[:cut])
        text, prefix = text[cut:], rest
