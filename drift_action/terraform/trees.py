"""Terraform's `after_unknown` and `after_sensitive` trees: `true` marks a value and all below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
