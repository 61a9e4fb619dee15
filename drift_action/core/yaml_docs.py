"""Parse YAML or JSON text into documents that remember the line each one starts on.

Only safe loading is used: no tag in the input can construct Python objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml

from drift_action.core.bounds import MAX_NESTING
from drift_action.core.errors import InputError
from drift_action.core.model import Document, SourceLocation
from drift_action.core.yaml_build import (
    TIMESTAMP,
    TooDeep,
    Unsupported,
    build_documents,
    go_number,
    too_deep_at,
)

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataLoader(_SafeLoader):
    """The safe loader (libyaml's when there is one), reading what manifests hold: dates and
    times stay the strings they are written as, as kubectl reads them, and a value that does
    not fit its tag (`!!int x`, `!!bool maybe`) is a YAML error at its line, not a crash."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # The value is not quoted: it may be a secret.
            problem = f"a value tagged {node.tag.replace('tag:yaml.org,2002:', '!!')} is not one"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from exc


def _as_written(loader: DataLoader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        problem = "a value tagged !!timestamp is not one"
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
    return node.value


DataLoader.add_constructor(TIMESTAMP, _as_written)

_Loader: type[yaml.SafeLoader] = DataLoader
_STR = "tag:yaml.org,2002:str"
# Far beyond any real manifest (a large one holds some thousands), far below a "billion laughs".
MAX_EXPANDED_NODES = 1_000_000


def parse_documents(text: str, file: str, *, is_json: bool = False) -> list[Document]:
    """All documents in `text`, empty ones included as `None` data (callers skip them)."""
    if is_json:
        return _parse_json(text, file)
    try:
        return _parse_yaml(text, file)
    except TooDeep as exc:  # counted as the documents were built
        raise too_deep(file, exc.line) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML forbids: NUL, other controls
        raise InputError(
            f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML (binary data?)",
            file=file,
            line=_reader_line(exc, text),
        ) from None
    except UnicodeEncodeError as exc:  # a lone surrogate: no file read as UTF-8 holds one
        at = text.count("\n", 0, exc.start) + 1
        raise InputError("not valid Unicode text (a lone surrogate)", file=file, line=at) from None
    except (yaml.YAMLError, RecursionError) as exc:
        # The safe loader's path composes a document before its nesting is counted: libyaml's
        # own limit, or Python's recursion limit without libyaml, may have stopped it first.
        if (line := too_deep_at(text)) is not None:
            raise too_deep(file, line) from exc
        if isinstance(exc, RecursionError):
            raise InputError("invalid YAML: nesting is too deep", file=file) from exc
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise InputError(f"invalid YAML: {type(exc).__name__}", file=file) from exc
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot parse"
        # Not chained: PyYAML's own message quotes the offending line, which may hold a secret.
        raise InputError(f"invalid YAML: {problem}", file=file, line=line) from None


def too_deep(file: str, line: int | None, language: str = "YAML") -> InputError:
    """Lists and mappings nest deeper than the walks that compare objects can follow."""
    problem = f"invalid {language}: nesting is too deep (more than {MAX_NESTING} levels)"
    return InputError(problem, file=file, line=line)


def _reader_line(exc: yaml.reader.ReaderError, text: str) -> int:
    """libyaml counts the offending character's position in UTF-8 bytes, PyYAML in characters."""
    if exc.encoding == "unicode":
        return text.count("\n", 0, exc.position) + 1
    return text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + 1


def _parse_yaml(text: str, file: str) -> list[Document]:
    try:
        built = build_documents(text)
    except Unsupported:
        return _parse_yaml_with_nodes(text, file)
    return [
        Document(
            doc.data,
            SourceLocation(file, doc.line),
            item_lines=doc.item_lines,
            warnings=(
                *_duplicate_warnings(file, doc.duplicates),
                *_go_number_warnings(file, doc.go_numbers),
            ),
        )
        for doc in built
    ]


def _parse_yaml_with_nodes(text: str, file: str) -> list[Document]:
    """The safe loader's full path: anchors, aliases, merge keys and tags, and its own errors."""
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            duplicates, go_numbers = _check_graph(node, file)
            data = loader.construct_document(node)
            documents.append(
                Document(
                    data,
                    SourceLocation(file, line),
                    item_lines=_item_lines(node),
                    warnings=(
                        *_duplicate_warnings(file, duplicates),
                        *_go_number_warnings(file, go_numbers),
                    ),
                )
            )
    finally:
        loader.dispose()
    return documents


def _check_graph(root: yaml.Node, file: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Refuse alias bombs, self-referring aliases and nesting too deep; find repeated mapping
    keys, and plain scalars read as strings that kubectl reads as numbers.

    The loader shares an aliased value rather than copying it, so a "billion laughs" document
    loads small, but every later walk of it (normalizing, comparing, reporting) would visit the
    expanded tree. The size and the depth counted here are those of the expanded tree.
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}  # levels of lists and mappings in a node's expanded value
    duplicates: list[tuple[str, int]] = []
    go_numbers: list[tuple[str, int]] = []
    # Iterative post-order walk: (node, children visited?, lists and mappings around it)
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 0)]
    open_nodes: set[int] = set()
    while stack:
        node, done, outer = stack.pop()
        ident = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(ident)
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > MAX_EXPANDED_NODES:
                raise InputError(
                    f"invalid YAML: aliases expand to more than {MAX_EXPANDED_NODES:,} values "
                    "(an alias bomb?)",
                    file=file,
                    line=node.start_mark.line + 1,
                )
            sizes[ident] = size
            if isinstance(node, yaml.CollectionNode):
                heights[ident] = 1 + max((heights[id(child)] for child in children), default=0)
                if outer + heights[ident] > MAX_NESTING:  # an alias to a deep value, nested
                    raise too_deep(file, node.start_mark.line + 1)
            else:
                heights[ident] = 0
            continue
        if ident in sizes:
            continue
        if ident in open_nodes:
            raise InputError(
                "invalid YAML: an alias refers to a value that contains it",
                file=file,
                line=node.start_mark.line + 1,
            )
        if outer >= MAX_NESTING and isinstance(node, yaml.CollectionNode):
            raise too_deep(file, node.start_mark.line + 1)  # as written: the first level past
        open_nodes.add(ident)
        stack.append((node, True, outer))
        inner = outer + 1 if isinstance(node, yaml.CollectionNode) else outer
        # In reverse, so that the first child is walked first: the first line past the limit.
        stack.extend((child, False, inner) for child in reversed(children))
        if isinstance(node, yaml.MappingNode):
            duplicates.extend(_repeated_keys(node))
        elif (
            isinstance(node, yaml.ScalarNode)
            and not node.style  # plain, not quoted (libyaml says '', PyYAML None)
            and node.tag == _STR
            and go_number(node.value)
        ):
            go_numbers.append((node.value, node.start_mark.line + 1))

    def by_line(found: tuple[str, int]) -> int:
        return found[1]

    return sorted(set(duplicates), key=by_line), sorted(set(go_numbers), key=by_line)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _repeated_keys(node: yaml.MappingNode) -> list[tuple[str, int]]:
    seen: set[str] = set()
    repeated = []
    for key, _value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            if key.value in seen:
                repeated.append((key.value, key.start_mark.line + 1))
            seen.add(key.value)
    return repeated


def _duplicate_warnings(file: str, duplicates: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    return tuple(
        f"{file}:{line}: duplicate key {_shown(key)} in a mapping: the last value is used "
        "(kubectl apply refuses such a manifest)"
        for key, line in duplicates
    )


def _go_number_warnings(file: str, found: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    return tuple(
        f"{file}:{line}: the plain value {_cut(text)} is a string in YAML 1.1, as read here, but "
        "kubectl reads it as a number: quote it if a string is meant"
        for text, line in found
    )


def _cut(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _shown(key: str) -> str:
    return repr(key if len(key) <= 60 else key[:57] + "...")


def _item_lines(node: yaml.Node) -> tuple[int, ...]:
    """Start lines of the entries of a top-level `items:` sequence (kind: List)."""
    if not isinstance(node, yaml.MappingNode):
        return ()
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "items":
            if isinstance(value, yaml.SequenceNode):
                return tuple(item.start_mark.line + 1 for item in value.value)
            return ()
    return ()


def _parse_json(text: str, file: str) -> list[Document]:
    try:
        data, item_lines = _decode_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno) from exc
    except RecursionError as exc:  # Python's own limit, about 1,000 levels
        raise too_deep(file, _json_too_deep_at(text), "JSON") from exc
    if _SURROGATE_ESCAPE.search(text):
        data = _replace_lone_surrogates(data)
    return [Document(data, SourceLocation(file, 1), item_lines=item_lines)]


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_too_deep_at(text: str) -> int | None:
    """The line where arrays and objects first nest more than `MAX_NESTING` levels."""
    level = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token[0]
        if char in "[{":
            level += 1
            if level > MAX_NESTING:
                return text.count("\n", 0, token.start()) + 1
        elif char in "]}":
            level -= 1
    return None


# JSON may escape half of a UTF-16 pair alone ("\ud800"), which no text can be written with.
# Go's decoder (the API server's, kubectl's) reads it as U+FFFD; so does this one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(data: Any) -> Any:
    def fixed(text: str) -> str:
        return _LONE_SURROGATE.sub("\ufffd", text)

    if isinstance(data, str):
        return fixed(data)
    pending: list[Any] = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in list(value.items()):
                if isinstance(key, str) and _LONE_SURROGATE.search(key):
                    del value[key]
                    key = fixed(key)  # noqa: PLW2901
                value[key] = fixed(item) if isinstance(item, str) else item
                pending.append(item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    value[index] = fixed(item)
                else:
                    pending.append(item)
    return data


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _decode_json(text: str) -> tuple[Any, tuple[int, ...]]:
    """The value, and the start line of each entry of a top-level `items` array.

    The top-level object is walked here and every value in it decoded by the C decoder, so
    learning the lines costs no second parse (composing 4 MB of JSON as YAML took a second).
    """
    start = _SPACE.match(text).end()  # type: ignore[union-attr]
    if start == len(text):
        return None, ()
    if text[start] != "{":
        return _DECODER.decode(text), ()
    data: dict[str, Any] = {}
    item_lines: tuple[int, ...] = ()
    pos = _skip(text, start + 1)
    if text.startswith("}", pos):
        return _finish(text, pos + 1, data, item_lines)
    while True:
        key, pos = _scan_key(text, pos)
        pos = _skip(text, pos)
        if key == "items" and text.startswith("[", pos):
            items, pos, offsets = _decode_array(text, pos)
            data[key] = items
            item_lines = _lines_at(text, offsets)
        else:
            data[key], pos = _DECODER.raw_decode(text, pos)
            if key == "items":
                item_lines = ()
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            return _finish(text, pos + 1, data, item_lines)
        pos = _expect(text, pos, ",")
        pos = _skip(text, pos)


def _decode_array(text: str, pos: int) -> tuple[list[Any], int, list[int]]:
    items: list[Any] = []
    offsets: list[int] = []
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return items, pos + 1, offsets
    while True:
        offsets.append(pos)
        item, pos = _DECODER.raw_decode(text, pos)
        items.append(item)
        pos = _skip(text, pos)
        if text.startswith("]", pos):
            return items, pos + 1, offsets
        pos = _skip(text, _expect(text, pos, ","))


def _scan_key(text: str, pos: int) -> tuple[str, int]:
    if not text.startswith('"', pos):
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
    key, pos = _DECODER.raw_decode(text, pos)
    return key, _expect(text, _skip(text, pos), ":")


def _expect(text: str, pos: int, char: str) -> int:
    if not text.startswith(char, pos):
        raise json.JSONDecodeError(f"Expecting '{char}' delimiter", text, pos)
    return pos + 1


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]


def _finish(
    text: str, pos: int, data: dict[str, Any], item_lines: tuple[int, ...]
) -> tuple[Any, tuple[int, ...]]:
    if _skip(text, pos) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, pos))
    return data, item_lines


def _lines_at(text: str, offsets: list[int]) -> tuple[int, ...]:
    lines: list[int] = []
    line, last = 1, 0
    for offset in offsets:
        line += text.count("\n", last, offset)
        last = offset
        lines.append(line)
    return tuple(lines)
