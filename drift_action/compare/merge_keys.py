"""Which lists are matched item by item, and by which fields (Kubernetes' list-map keys).

The schema decides first: a custom kind's CRD learned during the run, then the table generated
from Kubernetes' OpenAPI v3 (`data/list_types.json`, `scripts/gen_list_types.py`). The hand-kept
table below answers only where the schema says nothing, and `--explain` names it when it did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from drift_action.core import list_schema
from drift_action.core.list_schema import ListType, Node
from drift_action.core.paths import ListKey, Path

# Where a list's semantics came from: the rule `--explain` shows when they mattered.
SCHEMA_MAP = "schema-list-map"
SCHEMA_SET = "schema-list-set"
SCHEMA_ATOMIC = "schema-list-atomic"
HAND_TABLE = "merge-key-table"

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


@dataclass(frozen=True)
class ListRule:
    """How one list compares, and which rule said so."""

    type: str  # map, set or atomic
    keys: tuple[str, ...]
    rule: str


@cache
def _table() -> Any:
    # Loaded once, on the first list: 50 KB of JSON, a few milliseconds.
    text = resources.files("drift_action.compare.data").joinpath("list_types.json").read_text()
    return json.loads(text)


@cache
def _builtin() -> dict[str, Node]:
    return list_schema.from_table(_table())


@cache
def builtin_groups() -> frozenset[str]:
    """The API groups of the built-in table's kinds: Kubernetes' own, served without CRDs."""
    versions = (entry["apiVersion"] for entry in _table()["kinds"].values())
    return frozenset(v.rpartition("/")[0] for v in versions)


def schema_list(kind: str, path: Path) -> ListType | None:
    """What the schema says of the list at `path`: the run's CRDs first, then the built-ins.

    Kinds are known by name alone (the diff has no group), so a custom kind named like a
    built-in one (Knative's Service) is looked up in both: each answers for its own fields.
    """
    learned = list_schema.active()
    for root in (learned.kinds.get(kind) if learned is not None else None, _builtin().get(kind)):
        node = list_schema.lookup(root, path) if root is not None else None
        if node is not None and node.list_type is not None:
            return node.list_type
    return None


# Answers by (kind, path with items as their type), for runs that learned no CRD (a run that
# did keeps its own). The diff asks once per list of every object: a dict hit, not a walk.
_ANSWERS: dict[tuple[str, tuple[Any, ...]], ListRule | None] = {}
_MAX_ANSWERS = 100_000


def list_rule(kind: str, path: Path) -> ListRule | None:
    """The list's semantics from the schema, else the hand table; None: compared by position."""
    learned = list_schema.active()
    answers = _ANSWERS if learned is None or not learned.kinds else learned.answers
    # Item segments by their type only: an answer never depends on which item (the hand table
    # tells a keyed item from a position).
    shape = (kind, tuple([s if s.__class__ is str else s.__class__ for s in path]))
    try:
        return answers[shape]
    except KeyError:
        if len(answers) > _MAX_ANSWERS:  # lists under arbitrary keys: keep memory bounded
            answers.clear()
        answer = answers[shape] = _list_rule(kind, path)
        return answer


def _list_rule(kind: str, path: Path) -> ListRule | None:
    found = schema_list(kind, path)
    if found is not None:
        rule = {"map": SCHEMA_MAP, "set": SCHEMA_SET}.get(found.type, SCHEMA_ATOMIC)
        return ListRule(found.type, found.keys, rule)
    keys = _hand_key_fields(kind, path)
    return None if keys is None else ListRule("map", keys, HAND_TABLE)


def key_fields(kind: str, path: Path) -> tuple[str, ...] | None:
    """Key fields of the list at `path` in an object of `kind`, or None when not a map list."""
    rule = list_rule(kind, path)
    return rule.keys if rule is not None and rule.type == "map" else None


def _hand_key_fields(kind: str, path: Path) -> tuple[str, ...] | None:
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
    # Hot (every keyed list item of every object): exact type checks before the ABC ones.
    if type(item) is not dict and not isinstance(item, Mapping):
        return None
    parts: list[tuple[str, str]] = []
    for field in fields:
        value = item.get(field, _KEY_DEFAULTS.get(field))
        if type(value) is str:
            parts.append((field, value))
            continue
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
