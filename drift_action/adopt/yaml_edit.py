"""One YAML document edited in place with ruamel.yaml's round trip: comments, key order,
quoting and indentation are kept; only the fields adopted change.

ruamel.yaml is imported on the first edit, so runs that adopt nothing do not load it.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from drift_action.adopt.model import Action, Edit
from drift_action.core.paths import ListKey

_KEY_DEFAULTS = {"protocol": "TCP"}  # as the comparison matches `ports` items


class EditRefused(Exception):
    """The file does not hold Git's value where the report says: the field comes from
    elsewhere (a patch, a generator, a default), so this file is not the place to change it."""


def load(text: str) -> tuple[Any, Any]:
    """The document's round-trip tree and the YAML instance that dumps it back alike."""
    from ruamel.yaml import YAML  # noqa: PLC0415 (only runs that adopt pay for it)

    mapping, offset = guess_indent(text)
    # The round-trip loader builds plain data (tags are kept as tags, never constructed).
    editor = YAML(typ="rt")
    editor.preserve_quotes = True
    editor.width = 1 << 16  # never fold a long line that was not folded
    # A sequence item's content sits two columns after its dash.
    editor.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    editor.explicit_start = text.lstrip().startswith("---")
    return editor.load(text), editor


def guess_indent(text: str) -> tuple[int, int]:
    """How far a nested mapping is indented, and a sequence's dash under its key: from the
    first of each in the document (ruamel's own guess takes one for the other)."""
    mapping: int | None = None
    offset: int | None = None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for line, child in itertools.pairwise(lines):
        if not line.rstrip().endswith(":"):
            continue
        parent = len(line) - len(line.lstrip(" "))
        if line.lstrip().startswith("- "):
            parent += 2
        step = len(child) - len(child.lstrip(" ")) - parent
        if child.lstrip().startswith("- "):
            offset = step if offset is None and step >= 0 else offset
        elif step > 0 and mapping is None:
            mapping = step
    return mapping or 2, offset or 0


def dump(editor: Any, tree: Any) -> str:
    out = io.StringIO()
    editor.dump(tree, out)
    return out.getvalue()


def apply(tree: Any, edit: Edit) -> None:
    """Make the tree hold the live value at the edit's path (or not hold it)."""
    parent: Any = tree
    for i, segment in enumerate(edit.path[:-1]):
        found = _child(parent, segment)
        if found is _ABSENT:
            if edit.action is Action.DELETE:
                raise EditRefused("the file does not set it")
            found = _new_container(edit.path[i + 1], segment)
            _set(parent, segment, found)
        parent = found
    last = edit.path[-1]
    current = _child(parent, last)
    if edit.present != (current is not _ABSENT) or (edit.present and not _same(current, edit.git)):
        raise EditRefused("the file does not hold the value Git renders there")
    if edit.action is Action.DELETE:
        _delete(parent, last)
    else:
        _set(parent, last, _styled(current, edit.value))


_ABSENT = object()


def _child(node: Any, segment: Any) -> Any:
    if isinstance(segment, ListKey):
        if not isinstance(node, list):
            return _ABSENT
        index = _find(node, segment)
        return _ABSENT if index is None else node[index]
    if isinstance(segment, int):
        return node[segment] if isinstance(node, list) and 0 <= segment < len(node) else _ABSENT
    return node[segment] if isinstance(node, Mapping) and segment in node else _ABSENT


def _find(items: Sequence[Any], key: ListKey) -> int | None:
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and all(
            str(item.get(field, _KEY_DEFAULTS.get(field))) == value for field, value in key.fields
        ):
            return index
    return None


def _set(node: Any, segment: Any, value: Any) -> None:
    if isinstance(segment, ListKey):
        if not isinstance(node, list):
            raise EditRefused("the file holds no list there")
        index = _find(node, segment)
        if index is None:
            node.append(value)
        else:
            node[index] = value
    elif isinstance(segment, int):
        if not isinstance(node, list) or segment > len(node):
            raise EditRefused("the file holds no such list item")
        if segment == len(node):
            node.append(value)
        else:
            node[segment] = value
    elif isinstance(node, Mapping):
        node[segment] = value  # type: ignore[index]
    else:
        raise EditRefused("the file holds no mapping there")


def _delete(node: Any, segment: Any) -> None:
    if isinstance(segment, ListKey):
        index = _find(node, segment)
        if index is not None:
            del node[index]
    else:
        del node[segment]


def _new_container(following: Any, segment: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq  # noqa: PLC0415

    if isinstance(segment, ListKey):
        # An item named only by its key: its other fields are not known here.
        raise EditRefused("the list item is not in the file")
    return CommentedMap() if isinstance(following, str) else CommentedSeq()


def _same(node: Any, value: Any) -> bool:
    """Git's rendered value and the file's agree (the file's tree holds ruamel's types)."""
    return bool(plain(node) == value)


def plain(node: Any) -> Any:  # noqa: PLR0911 (one return per YAML type)
    """The tree as plain Python values (ruamel's types compare unlike the JSON Git renders)."""
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _styled(old: Any, value: Any) -> Any:
    """The live value, quoted as the old one was when both are strings."""
    from ruamel.yaml.scalarstring import (  # noqa: PLC0415
        DoubleQuotedScalarString,
        SingleQuotedScalarString,
    )

    quoted = (DoubleQuotedScalarString, SingleQuotedScalarString)
    if isinstance(value, str) and isinstance(old, quoted) and "\n" not in value:
        return type(old)(value)
    return value
