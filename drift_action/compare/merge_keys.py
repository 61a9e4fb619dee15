"""Which lists are matched item by item, and by which fields (Kubernetes' list-map keys)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drift_action.core.paths import ListKey, Path

CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})

# Field name -> key fields, wherever the field appears.
_BY_FIELD: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(CONTAINER_LISTS, ("name",)),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "hostAliases": ("ip",),
    "readinessGates": ("conditionType",),
    "resourceClaims": ("name",),
    "schedulingGates": ("name",),
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
    "ownerReferences": ("uid",),
    "sysctls": ("name",),
}

# (kind, field name) -> key fields, for fields whose key depends on the kind.
_BY_KIND_FIELD: dict[tuple[str, str], tuple[str, ...]] = {
    ("MutatingWebhookConfiguration", "webhooks"): ("name",),
    ("ValidatingWebhookConfiguration", "webhooks"): ("name",),
    ("CustomResourceDefinition", "versions"): ("name",),
    # The token controller appends its own Secret to a ServiceAccount's list.
    ("ServiceAccount", "secrets"): ("name",),
}

# Values the API server fills in for a missing key field, so `ports: [{port: 80}]` matches TCP/80.
_KEY_DEFAULTS: dict[str, str] = {"protocol": "TCP"}


def key_fields(kind: str, path: Path) -> tuple[str, ...] | None:
    """Key fields of the list at `path` in an object of `kind`, or None for an atomic list."""
    if not path or not isinstance(path[-1], str):
        return None
    name = path[-1]
    if name == "ports":
        return _ports_key(kind, path)
    return _BY_KIND_FIELD.get((kind, name)) or _BY_FIELD.get(name)


def _ports_key(kind: str, path: Path) -> tuple[str, ...] | None:
    if len(path) >= 3 and isinstance(path[-2], ListKey) and path[-3] in CONTAINER_LISTS:
        return ("containerPort", "protocol")
    if kind == "Service" and path == ("spec", "ports"):
        return ("port", "protocol")
    return None


def item_key(item: Any, fields: Sequence[str]) -> ListKey | None:
    """The item's key, or None when the item is not a mapping or lacks a key field."""
    if not isinstance(item, Mapping):
        return None
    parts: list[tuple[str, str]] = []
    for field in fields:
        value = item.get(field, _KEY_DEFAULTS.get(field))
        if value is None or isinstance(value, Mapping | list):
            return None
        parts.append((field, str(value)))
    return ListKey(tuple(parts))


def index_by_key(items: Sequence[Any], fields: Sequence[str]) -> dict[ListKey, Any] | None:
    """Items by key; None when some item has no key or two items share one."""
    out: dict[ListKey, Any] = {}
    for item in items:
        key = item_key(item, fields)
        if key is None or key in out:
            return None
        out[key] = item
    return out
