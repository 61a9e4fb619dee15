"""The visible one-line summary of a resource in a section: its worst severity, the resource,
the main field, old -> new and who changed it, in a few dozen characters."""

from __future__ import annotations

import re
from typing import Any

from drift_action.core.model import Change, ChangeClass
from drift_action.core.paths import ListKey, Path, format_path
from drift_action.report.classes import (
    NOTHING,
    Entry,
    Terms,
    attributed,
    hidden_text,
    is_hidden,
    kind_text,
    sides,
    whole_text,
)
from drift_action.report.values import as_json, literal, plural

SHORT = 40  # characters of a value (or a field manager's name) on the line
FIELD = 60  # characters of a field's name
_VAGUE = frozenset({"value", "name", "key", "path"})  # say little without their list item
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")
_SEPARATORS = "/:@=.-_ "
# What Markdown can read as markup inside a line. Not `-`, `+`, `.` or `#`, which matter only
# where a line starts (no line starts with untrusted text), nor `(`, `)` and `!`, which matter
# only next to a `[` (escaped).
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~&])")
_BACKTICKS = re.compile(r"`+")
_ICON = {"high": "🔴", "medium": "🟠", "low": "🟡", "missing": "🔴", "extra": "🟠", "error": "⛔"}


def span(text: str) -> str:
    """An inline code span for any text outside a table: backticks and newlines survive;
    GitHub neither mentions people nor links issues inside one."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # A space on each side is taken off when both are there (and the text is not all spaces).
    if (
        not text
        or text.startswith("`")
        or text.endswith("`")
        or (text.startswith(" ") and text.endswith(" ") and text.strip())
    ):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def escape(text: str) -> str:
    """Plain Markdown text: every mark that could be markup escaped."""
    return _PUNCTUATION.sub(r"\\\1", text.replace("\n", " "))


def resource(entry: Entry, *, namespace: bool = True) -> str:
    key = entry.result.key
    name = f"{key.namespace}/{key.name}" if key.namespace and namespace else key.name
    return f"{escape(key.kind)} {span(name)}"


def line(entry: Entry, terms: Terms, *, namespace: bool = True) -> str:
    """`- 🔴 **high** · Deployment `shop/web` · `image` `1.4.2` → `1.4.3-hotfix` · ...`"""
    failing = entry.change_class is None or entry.change_class.fails
    icon = _ICON.get(entry.tag, "") if failing else ""
    parts = [f"{icon} **{entry.tag}**".strip(), resource(entry, namespace=namespace)]
    if entry.change_class is None:
        parts.append(escape(_cut(entry.result.message or "unknown error", 120)))
    elif entry.whole and not entry.changes:
        parts.append(escape(whole_text(entry, terms)))
    if entry.changes:
        top = min(entry.changes, key=lambda c: c.severity.rank)
        parts.append(_main(top, entry.change_class, terms))
        if top.attribution is not None and attributed(entry.change_class):
            manager = _cut(top.attribution.manager, SHORT)
            parts.append(f"{span(manager)} ({top.attribution.actor.value})")
        if len(entry.changes) > 1:
            parts.append(plural(len(entry.changes) - 1, "more change"))
    return "- " + " · ".join(parts)


def _main(change: Change, change_class: ChangeClass | None, terms: Terms) -> str:
    field = short_field(change.path)
    name = span(_cut(field, FIELD))
    if is_hidden(change):
        return f"{name} {hidden_text(change, change_class, terms)}"
    if change_class is ChangeClass.CONFLICT:
        live, pr = sides(change, change_class)
        base = NOTHING if change.base is None else change.base
        values = short_values(field, base, live, pr)
        shown = [span(v) if v is not None else "not set" for v in values]
        return f"{name} {terms.desired} {shown[0]}, cluster {shown[1]}, PR {shown[2]}"
    old, new = sides(change, change_class)
    kind = kind_text(change, change_class, terms)
    a, b = short_values(field, old, new)
    where = _line_of(old, new)
    if a is not None and b is not None:
        return f"{name}{where} {span(a)} → {span(b)}"
    if b is not None:
        return f"{name} {kind or 'set'} {span(b)}"
    return f"{name}{where} {span(a or '')} → {kind or 'unset'}"


def short_field(path: Path) -> str:
    """The field's last key, with its parent when the key alone says little (a quoted key, a
    list item, a list item's `value`): `image`, `annotations["example.com/owner"]`, `args[0]`,
    `env[name=API_TOKEN].value`."""
    last = path[-1] if path else ""
    if len(path) > 2 and last in _VAGUE and isinstance(path[-2], ListKey):
        return format_path(path[-3:])
    if len(path) > 1 and not (isinstance(last, str) and _PLAIN_KEY.match(last)):
        return format_path(path[-2:])
    return format_path(path[-1:])


def short_values(field: str, *values: Any) -> list[str | None]:
    """Each value (None where not set) cut to a few dozen characters, keeping what differs:
    the changed line of a multi-line text, an image's tag, the end of a long common start."""
    lines = [_changed_line(v, values) if v is not NOTHING else None for v in values]
    if field == "image" and all(isinstance(v, str) for v in lines):
        tags = [_tag(v or "") for v in lines]
        if len({repo for repo, _ in tags}) == 1 and all(tag for _, tag in tags):
            lines = [tag for _, tag in tags]
    present = [v for v in lines if v is not None]
    strings = all(isinstance(v, str) for v in values if v is not NOTHING)
    same = _common_start(present) if len(present) > 1 and strings else 0
    return [None if v is None else _cut(("…" + v[same:]) if same else v, SHORT) for v in lines]


def _changed_line(value: Any, values: tuple[Any, ...]) -> str:
    if not isinstance(value, str) or "\n" not in value:
        return literal(value) if not isinstance(value, dict | list) else as_json(value)
    index = _first_changed_line(values)
    lines = value.split("\n")
    return lines[index] if index < len(lines) else "(no such line)"


def _first_changed_line(values: tuple[Any, ...]) -> int:
    texts = [v.split("\n") if isinstance(v, str) else [] for v in values if v is not NOTHING]
    index = 0
    while all(index < len(t) for t in texts) and len({t[index] for t in texts}) == 1:
        index += 1
    return index


def _line_of(old: Any, new: Any) -> str:
    multi = [v for v in (old, new) if isinstance(v, str) and "\n" in v]
    if not multi or NOTHING in (old, new):
        return ""
    return f" line {_first_changed_line((old, new)) + 1}"


def _tag(image: str) -> tuple[str, str]:
    """`registry/shop-web:1.4.2` -> (`registry/shop-web`, `1.4.2`); a digest after `@`."""
    slash = image.rfind("/")
    for mark in ("@", ":"):
        at = image.rfind(mark)
        if at > slash:
            return image[:at], image[at + 1 :]
    return image, ""


def _common_start(values: list[str]) -> int:
    """Where the values start to differ, moved back to a separator; 0 when that is early."""
    same = 0
    shortest = min(len(v) for v in values)
    while same < shortest and len({v[same] for v in values}) == 1:
        same += 1
    if same < 16:
        return 0
    cut = max(values[0].rfind(sep, 0, same) for sep in _SEPARATORS)
    return cut + 1 if cut >= 8 else same - 8  # no separator: keep a little of what is equal


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    keep = limit - 12
    return f"{text[:keep]}…{text[-11:]}"
