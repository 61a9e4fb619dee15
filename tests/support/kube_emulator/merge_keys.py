"""Merge keys of the built-in schemas' list fields, and the deep merge an apply does."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

Obj = dict[str, Any]

# Merge keys of list fields in the built-in schemas (x-kubernetes-list-map-keys).
_NAME_KEYED = (
    "containers",
    "initContainers",
    "ephemeralContainers",
    "volumes",
    "env",
    "imagePullSecrets",
    "resourceClaims",
)
_MERGE_KEYS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_NAME_KEYED, ("name",)),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "hostAliases": ("ip",),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "readinessGates": ("conditionType",),
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
}


def merge_key(field_name: str, items: Sequence[Any]) -> tuple[str, ...] | None:
    """The key identifying items of this list, or None when the list is atomic."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    if field_name == "ports":
        # Container ports and Service ports share the field name but not the key.
        first = items[0]
        if "containerPort" in first:
            return ("containerPort", "protocol")
        if "port" in first:
            return ("port", "protocol")
        return None
    return _MERGE_KEYS.get(field_name)


def key_of(item: Obj, keys: tuple[str, ...]) -> Obj:
    # protocol defaults to TCP, so {"port": 80} and {"port": 80, "protocol": "TCP"} are one.
    return {k: item.get(k, "TCP" if k == "protocol" else None) for k in keys}


def merge(live: Any, applied: Any, field_name: str = "") -> Any:
    """Applied fields win; maps merge recursively; keyed lists merge item by item."""
    if isinstance(live, dict) and isinstance(applied, dict):
        result = copy.deepcopy(live)
        for key, value in applied.items():
            result[key] = merge(live[key], value, key) if key in live else copy.deepcopy(value)
        return result
    if isinstance(live, list) and isinstance(applied, list):
        keys = merge_key(field_name, live + applied)
        if keys is None:
            return copy.deepcopy(applied)
        merged = [copy.deepcopy(i) for i in live]
        index = {json.dumps(key_of(i, keys), sort_keys=True): n for n, i in enumerate(live)}
        for item in applied:
            position = index.get(json.dumps(key_of(item, keys), sort_keys=True))
            if position is None:
                merged.append(copy.deepcopy(item))
            else:
                merged[position] = merge(live[position], item, field_name)
        return merged
    return copy.deepcopy(applied)
