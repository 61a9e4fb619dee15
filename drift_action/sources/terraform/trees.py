"""Terraform's `after_unknown` and `after_sensitive` trees: `true` marks a value and all below;
and how deep a plan's values nest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from drift_action.core.bounds import MAX_NESTING


def part(tree: Any, key: str | int) -> Any:
    """The sub-tree at `key`; `True` covers everything below it."""
    if tree is True:
        return True
    if isinstance(key, str) and isinstance(tree, Mapping):
        return tree.get(key)
    if isinstance(key, int) and isinstance(tree, list) and key < len(tree):
        return tree[key]
    return None


def any_true(tree: Any) -> bool:
    """Whether anything in the tree is marked."""
    if tree is True:
        return True
    if isinstance(tree, Mapping):
        return any(any_true(v) for v in tree.values())
    if isinstance(tree, list):
        return any(any_true(v) for v in tree)
    return False


# The limit every reader keeps to (core.bounds): a plan's values are walked by the same
# recursive code that compares objects.
MAX_DEPTH = MAX_NESTING


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and mappings nest more than `limit` levels (walked level by level, not
    recursively)."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
    return bool(level)


def strings_at(body: Any, paths: Iterable[Sequence[str | int]]) -> frozenset[str]:
    """The scalar values (as text) at and below each of `paths` in `body`."""
    found: set[str] = set()
    for path in paths:
        value = body
        for key in path:
            if isinstance(value, Mapping) and isinstance(key, str):
                value = value.get(key)
            elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                value = value[key]
            else:
                value = None
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, Mapping):
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
            elif item is not None and not isinstance(item, bool):
                found.add(str(item))
    return frozenset(found)
