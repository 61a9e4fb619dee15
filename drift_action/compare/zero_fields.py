"""Fields the API server drops when they hold their zero value, so `false` or `0` in Git and
nothing live are the same object.

In Kubernetes' Go types, a non-pointer `bool` or integer field tagged `omitempty` cannot hold
"unset": `hostNetwork: false` is decoded into the field's zero value and encoded back without
it (bitnami charts set `hostNetwork: false` and `hostIPC: false` on every workload). A pointer
field (`*bool`, such as `automountServiceAccountToken`) keeps an explicit `false`, so there a
missing field is a real difference and is not in the table.

The table (`data/zero_fields.json`) is generated from the Go types by `scripts/zero_fields`;
kinds are known by name, as the list table's are.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from drift_action.core.paths import Path

ID = "zero-is-unset"
REASON = "the API server drops false and 0 from this field (Go omitempty, not a pointer)"

_ITEM = "[]"
_VALUE = "*"
Trie = dict[str, Any]


@cache
def _tries() -> dict[str, Trie]:
    text = resources.files("drift_action.compare.data").joinpath("zero_fields.json").read_text()
    table = json.loads(text)
    tries: dict[str, Trie] = {}
    for kind, paths in table["kinds"].items():
        root: Trie = {}
        for dotted in paths:
            node = root
            for segment in _segments(dotted):
                node = node.setdefault(segment, {})
            node[""] = True  # a leaf: the field itself
        tries[kind] = root
    return tries


def _segments(dotted: str) -> list[str]:
    out: list[str] = []
    for part in dotted.split("."):
        name, items = part, 0
        while name.endswith(_ITEM):
            name, items = name[: -len(_ITEM)], items + 1
        out.append(name)
        out.extend([_ITEM] * items)
    return out


def is_zero(value: Any) -> bool:
    """false, or an integer 0 (a YAML `0.0` is not: the field is an integer)."""
    return value is False or (type(value) is int and value == 0)


def dropped_when_zero(kind: str, path: Path) -> bool:
    """Whether `kind`'s field at `path` is one the API server leaves out when zero."""
    node: Trie | None = _tries().get(kind)
    for segment in path:
        if node is None:
            return False
        if isinstance(segment, str):
            node = node.get(segment) or node.get(_VALUE)
        else:
            node = node.get(_ITEM)
    return node is not None and node.get("") is True
