"""Parse YAML or JSON text into documents that remember the line each one starts on.

Only safe loading is used: no tag in the input can construct Python objects.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from drift_action.errors import InputError
from drift_action.model import Document, SourceLocation

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_documents(text: str, file: str, *, is_json: bool = False) -> list[Document]:
    """All documents in `text`, empty ones included as `None` data (callers skip them)."""
    if is_json:
        return _parse_json(text, file)
    try:
        return _parse_yaml(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot parse"
        # Not chained: PyYAML's own message quotes the offending line, which may hold a secret.
        raise InputError(f"invalid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {type(exc).__name__}", file=file) from exc
    except RecursionError as exc:
        raise InputError("invalid YAML: nesting is too deep", file=file) from exc


def _parse_yaml(text: str, file: str) -> list[Document]:
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            data = loader.construct_document(node)
            documents.append(
                Document(data, SourceLocation(file, line), item_lines=_item_lines(node))
            )
    finally:
        loader.dispose()
    return documents


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
        data: Any = json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno) from exc
    except RecursionError as exc:
        raise InputError("invalid JSON: nesting is too deep", file=file) from exc
    item_lines: tuple[int, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        # JSON is YAML; composing it again only to learn line numbers of List items.
        try:
            node = yaml.compose(text, Loader=_Loader)
            item_lines = _item_lines(node) if node is not None else ()
        except (yaml.YAMLError, RecursionError):
            item_lines = ()
    return [Document(data, SourceLocation(file, 1), item_lines=item_lines)]
