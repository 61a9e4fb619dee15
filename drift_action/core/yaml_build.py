"""Build documents straight from libyaml's parser events: the fast path for plain manifests.

PyYAML's safe loader makes a node per value, resolves each scalar's tag through several Python
calls, then constructs the data from the nodes: about 2.5 times the work of reading the events.
Manifests rarely use what needs that machinery, so this builds dicts, lists and scalars from
the events directly and gives up (`Unsupported`) on anchors, aliases, explicit tags and merge
keys, for which the caller parses the text again with the safe loader. Plain scalars resolve
exactly as the safe loader resolves them (YAML 1.1: `on` is true, `010` is 8), except dates and
times, which stay the strings they are written as: kubectl's YAML reads them so, the API
server holds them so, and no report could show a Python date.

Lists and mappings may nest `bounds.MAX_NESTING` levels: the builder counts them as it goes
(`TooDeep`), before libyaml's own limit (1,000 levels) or Python's recursion limit is reached;
`too_deep_at` counts them again on the events when the safe loader's path failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from drift_action.core.bounds import MAX_NESTING

_Parser: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
# Plain scalars whose first character no implicit resolver looks at are always strings.
_RESOLVED_BY_FIRST = frozenset(k for k in yaml.resolver.Resolver.yaml_implicit_resolvers if k)
_CACHE_LIMIT = 4096
_resolved: dict[str, Any] = {}


class Unsupported(Exception):
    """The text uses a YAML feature this builder leaves to the safe loader."""


class TooDeep(Exception):
    """Lists and mappings nest more than `MAX_NESTING` levels; `line` is where the first level
    past the limit opens."""

    def __init__(self, line: int) -> None:
        super().__init__(f"nesting deeper than {MAX_NESTING} levels at line {line}")
        self.line = line


@dataclass(frozen=True)
class Built:
    data: Any
    line: int  # where the document's content starts
    item_lines: tuple[int, ...]  # start lines of a top-level `items:` list's entries
    duplicates: tuple[tuple[str, int], ...]  # (key, line) of each key a mapping repeats
    # (text, line) of each plain scalar read as a string that kubectl's YAML reads as a number
    go_numbers: tuple[tuple[str, int], ...] = ()


def build_documents(text: str) -> list[Built]:
    parser = _Parser(text)
    try:
        return _Builder(parser.get_event).documents()
    finally:
        parser.dispose()


class _Builder:
    def __init__(self, get: Callable[[], Any]) -> None:
        # Events are typed Any: their attributes depend on the event's class, checked by type().
        self.get = get
        self.duplicates: list[tuple[str, int]] = []
        self.go_numbers: list[tuple[str, int]] = []

    def documents(self) -> list[Built]:
        get = self.get
        documents: list[Built] = []
        get()  # StreamStartEvent
        while not isinstance(event := get(), StreamEndEvent):
            if not isinstance(event, DocumentStartEvent):
                raise Unsupported(type(event).__name__)
            first = get()
            item_lines: list[int] = []
            self.duplicates = []
            self.go_numbers = []
            data = self.root(first, item_lines)
            line = first.start_mark.line + 1
            documents.append(
                Built(
                    data,
                    line,
                    tuple(item_lines),
                    tuple(self.duplicates),
                    tuple(self.go_numbers),
                )
            )
            if not isinstance(get(), DocumentEndEvent):
                raise Unsupported("document end")
        return documents

    def root(self, event: Any, item_lines: list[int]) -> Any:
        """The document's top value; for a mapping, also the lines of its `items:` entries."""
        if type(event) is not MappingStartEvent:
            return self.value(event, 1)
        get = self.get
        _check_collection(event, "tag:yaml.org,2002:map")
        data: dict[Any, Any] = {}
        while type(key_event := get()) is not MappingEndEvent:
            key = self.value(key_event, 2)
            value_event = get()
            if key == "items" and type(value_event) is SequenceStartEvent:
                _check_collection(value_event, "tag:yaml.org,2002:seq")
                items: list[Any] = []
                item_lines.clear()
                while type(item := get()) is not SequenceEndEvent:
                    item_lines.append(item.start_mark.line + 1)
                    items.append(self.value(item, 3))
                self.put(data, key, items, key_event)
            else:
                self.put(data, key, self.value(value_event, 2), key_event)
        return data

    def value(self, event: Any, level: int) -> Any:
        """The value `event` starts; a list or mapping there is at nesting `level` (1: the
        document's top value)."""
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise Unsupported("anchor or tag")
            if not event.implicit[0]:
                return event.value
            plain = _plain(event.value)
            if type(plain) is _GoNumber:
                self.go_numbers.append((event.value, event.start_mark.line + 1))
                return event.value
            return plain
        get = self.get
        if kind is MappingStartEvent:
            _check_collection(event, "tag:yaml.org,2002:map")
            if level > MAX_NESTING:
                raise TooDeep(event.start_mark.line + 1)
            mapping: dict[Any, Any] = {}
            while type(key_event := get()) is not MappingEndEvent:
                key = self.value(key_event, level + 1)
                self.put(mapping, key, self.value(get(), level + 1), key_event)
            return mapping
        if kind is SequenceStartEvent:
            _check_collection(event, "tag:yaml.org,2002:seq")
            if level > MAX_NESTING:
                raise TooDeep(event.start_mark.line + 1)
            sequence: list[Any] = []
            while type(item := get()) is not SequenceEndEvent:
                sequence.append(self.value(item, level + 1))
            return sequence
        if kind is AliasEvent:
            raise Unsupported("alias")
        raise Unsupported(kind.__name__)

    def put(self, mapping: dict[Any, Any], key: Any, value: Any, key_event: Any) -> None:
        try:
            if key in mapping:
                self.duplicates.append((str(key), key_event.start_mark.line + 1))
            mapping[key] = value
        except TypeError as exc:  # a mapping or list as a key: the safe loader words the error
            raise Unsupported("unhashable key") from exc


def too_deep_at(text: str) -> int | None:
    """The line where lists and mappings in `text` first nest more than `MAX_NESTING` levels,
    counted on the parser's events, and past the last of them on the text up to where the
    parser stopped; None when they do not.

    For when parsing failed before the builder's count could trip: the safe loader composes a
    whole document before it is looked at, and libyaml's own limit may stop the scanner first.
    It looks up to 1,024 characters ahead of the events, within one line (`[[[[...`), so its
    limit can trip before the events have reached this one, on the same line.
    """
    parser = _Parser(text)
    get: Callable[[], Any] = parser.get_event
    level = 0
    last: Any = None  # where the last event ended
    try:
        while (kind := type(event := get())) is not StreamEndEvent:
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                level += 1
                if level > MAX_NESTING:
                    return int(event.start_mark.line) + 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                level -= 1
            last = event.end_mark
    except yaml.MarkedYAMLError as exc:
        if last is None or exc.problem_mark is None:
            return None
        return _flow_too_deep(text, level, last, exc.problem_mark)
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        parser.dispose()
    return None


_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML 1.1's line breaks
_QUOTES = {"'": re.compile("'(?:[^']|'')*'"), '"': re.compile(r'"(?:[^"\\]|\\.)*"')}


def _flow_too_deep(text: str, level: int, start: Any, end: Any) -> int | None:
    """The line where the flow collections opened between marks `start` and `end` (the last
    event's end, where the scanner stopped) nest past `MAX_NESTING`, from `level`."""
    at, stop = _index(text, start.line, start.column), _index(text, end.line, end.column)
    line = int(start.line) + 1
    while at <= stop and at < len(text):
        char = text[at]
        if char in "[{":
            level += 1
            if level > MAX_NESTING:
                return line
        elif char in "]}":
            level -= 1
        elif char in _QUOTES and (quoted := _QUOTES[char].match(text, at)) is not None:
            line += len(_BREAK.findall(quoted[0]))
            at = quoted.end()
            continue
        elif char == "#" and (at == 0 or text[at - 1] in " \t\n\r"):
            broken = _BREAK.search(text, at)
            at = broken.start() if broken else len(text)
            continue
        elif (broken := _BREAK.match(text, at)) is not None:
            line += 1
            at = broken.end()
            continue
        at += 1
    return None


def _index(text: str, line: int, column: int) -> int:
    """The position in `text` of a mark's line and column (both from 0)."""
    start = 0
    for _ in range(line):
        broken = _BREAK.search(text, start)
        if broken is None:
            return len(text)
        start = broken.end()
    return start + column


def _check_collection(event: Any, default_tag: str) -> None:
    if event.anchor is not None or event.tag not in (None, "!", default_tag):
        raise Unsupported("anchor or tag")


class _GoNumber(str):
    """A plain scalar that YAML 1.1 reads as a string and kubectl's YAML (go-yaml v2) as a
    number: `1e3` (a YAML 1.1 float needs a dot), `08`, `0o17`, `0X1F`."""

    __slots__ = ()


# go-yaml v2 (sigs.k8s.io/yaml, as kubectl reads manifests): Go's ParseInt with base prefixes,
# underscores removed, then this float pattern.
_GO_NUMBER = re.compile(
    r"[-+]?(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
)


def go_number(text: str) -> bool:
    """Whether go-yaml v2 reads the plain scalar `text` as a number."""
    return _GO_NUMBER.fullmatch(text) is not None


def _plain(value: str) -> Any:
    if value and value[0] not in _RESOLVED_BY_FIRST:
        return value
    try:
        return _resolved[value]
    except KeyError:
        pass
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR:
        result: Any = _GoNumber(value) if go_number(value) else value
    elif tag == TIMESTAMP:
        result = value
    elif tag == "tag:yaml.org,2002:merge" or tag not in _CONSTRUCTOR.yaml_constructors:
        raise Unsupported(tag)
    else:
        try:
            # Scalar constructors are plain functions of the node: no per-document state.
            result = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, value))
        except (yaml.YAMLError, ValueError) as exc:
            raise Unsupported(tag) from exc
    if len(_resolved) >= _CACHE_LIMIT:
        _resolved.clear()
    _resolved[value] = result
    return result
