"""Build documents straight from libyaml's parser events: the fast path for plain manifests.

PyYAML's safe loader makes a node per value, resolves each scalar's tag through several Python
calls, then constructs the data from the nodes: about 2.5 times the work of reading the events.
Manifests rarely use what needs that machinery, so this builds dicts, lists and scalars from
the events directly and gives up (`Unsupported`) on anchors, aliases, explicit tags and merge
keys, for which the caller parses the text again with the safe loader. Plain scalars resolve
exactly as the safe loader resolves them (YAML 1.1: `on` is true, `010` is 8), except dates and
times, which stay the strings they are written as: kubectl's YAML reads them so, the API
server holds them so, and no report could show a Python date.
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
            return self.value(event)
        get = self.get
        _check_collection(event, "tag:yaml.org,2002:map")
        data: dict[Any, Any] = {}
        while type(key_event := get()) is not MappingEndEvent:
            key = self.value(key_event)
            value_event = get()
            if key == "items" and type(value_event) is SequenceStartEvent:
                _check_collection(value_event, "tag:yaml.org,2002:seq")
                items: list[Any] = []
                item_lines.clear()
                while type(item := get()) is not SequenceEndEvent:
                    item_lines.append(item.start_mark.line + 1)
                    items.append(self.value(item))
                self.put(data, key, items, key_event)
            else:
                self.put(data, key, self.value(value_event), key_event)
        return data

    def value(self, event: Any) -> Any:
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
            mapping: dict[Any, Any] = {}
            while type(key_event := get()) is not MappingEndEvent:
                key = self.value(key_event)
                self.put(mapping, key, self.value(get()), key_event)
            return mapping
        if kind is SequenceStartEvent:
            _check_collection(event, "tag:yaml.org,2002:seq")
            sequence: list[Any] = []
            while type(item := get()) is not SequenceEndEvent:
                sequence.append(self.value(item))
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
