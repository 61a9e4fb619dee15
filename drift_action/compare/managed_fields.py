"""Read `metadata.managedFields`: which field manager owns which live field.

fieldsV1 is a tree whose keys name a field (`f:name`), a list item by its key fields
(`k:{"name":"web"}`), a set member (`v:"value"`) or a list position (`i:0`); `.` marks the
item itself. See the Kubernetes docs on server-side apply for the format.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.compare.merge_keys import item_key
from drift_action.core.paths import ListKey, Path


@dataclass(frozen=True)
class ManagerEntry:
    manager: str
    operation: str
    time: str | None
    subresource: str | None
    fields: Mapping[str, Any]  # the fieldsV1 tree


def carries_managed_fields(body: Mapping[str, Any]) -> bool:
    """Whether a live object has managedFields at all (`kubectl get` drops them by default).

    Entries that cannot be used still count: they are warned about, one by one.
    """
    metadata = body.get("metadata")
    raw = metadata.get("managedFields") if isinstance(metadata, Mapping) else None
    return raw is not None and raw != []


def parse_entries(body: Mapping[str, Any]) -> tuple[list[ManagerEntry], list[str]]:
    """The usable managedFields entries, and a warning for each one that is not."""
    metadata = body.get("metadata")
    raw = metadata.get("managedFields") if isinstance(metadata, Mapping) else None
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], ["metadata.managedFields is not a list; field ownership is unknown"]
    entries: list[ManagerEntry] = []
    warnings: list[str] = []
    for index, item in enumerate(raw):
        problem = _problem(item)
        if problem:
            warnings.append(f"managedFields[{index}] skipped: {problem}")
            continue
        entries.append(
            ManagerEntry(
                manager=item["manager"],
                operation=str(item.get("operation") or "Update"),
                time=item.get("time") if isinstance(item.get("time"), str) else None,
                subresource=item.get("subresource") or None,
                fields=item.get("fieldsV1") or {},
            )
        )
    return entries, warnings


def _problem(item: Any) -> str | None:
    if not isinstance(item, Mapping):
        return "not a mapping"
    if not isinstance(item.get("manager"), str) or not item["manager"]:
        return "no manager"
    fields_type = item.get("fieldsType", "FieldsV1")
    if fields_type != "FieldsV1":
        return f"unknown fieldsType {fields_type!r}"
    if not isinstance(item.get("fieldsV1", {}), Mapping):
        return "fieldsV1 is not a mapping"
    return None


# Keys repeat across objects (`k:{"name":"web"}`, `i:0`): each is parsed once. A list item's
# key is only read, never changed, so one may be shared; a set member (`v:`) is reported as
# the live value, so each object gets its own.
_DECODED: dict[str, tuple[str, Any] | None] = {}
_MAX_DECODED = 100_000


def decode_key(raw_key: str) -> tuple[str, Any] | None:
    """`f:name` -> ("f", "name"); `k:{"name":"web"}` -> ("k", {"name": "web"}); junk -> None."""
    try:
        return _DECODED[raw_key]
    except KeyError:
        pass
    decoded = _decode_key(raw_key)
    if raw_key[:2] != "v:":
        if len(_DECODED) > _MAX_DECODED:  # keys under arbitrary names: keep memory bounded
            _DECODED.clear()
        _DECODED[raw_key] = decoded
    return decoded


def _decode_key(raw_key: str) -> tuple[str, Any] | None:
    prefix, sep, rest = raw_key.partition(":")
    if not sep or prefix not in ("f", "k", "v", "i"):
        return None
    if prefix == "f":
        return prefix, rest
    try:
        return prefix, json.loads(rest)
    except ValueError:
        return None


def _item_matches(item: Any, key: Mapping[str, Any]) -> bool:
    return isinstance(item, Mapping) and all(item.get(k) == v for k, v in key.items())


def child_for(fields: Mapping[str, Any], live: Any, segment: Any) -> Mapping[str, Any] | None:
    """The fieldsV1 node for one step of a path through the live object, if the entry has it."""
    if isinstance(segment, str):
        node = fields.get(f"f:{segment}")
        return node if isinstance(node, Mapping) else None
    if not isinstance(live, list):
        return None
    item = find_item(live, segment)
    if item is NOTHING:
        return None
    for raw_key, node in fields.items():
        decoded = decode_key(raw_key)
        if decoded is None or not isinstance(node, Mapping):
            continue
        prefix, value = decoded
        if (
            (prefix == "k" and isinstance(value, Mapping) and _item_matches(item, value))
            or (prefix == "v" and value == item)
            or (prefix == "i" and isinstance(segment, int) and value == segment)
        ):
            return node
    return None


NOTHING = object()


def find_item(items: list[Any], segment: Any) -> Any:
    """The item a path segment names: a position or a key; NOTHING when there is none."""
    if isinstance(segment, int):
        return items[segment] if 0 <= segment < len(items) else NOTHING
    if isinstance(segment, ListKey):
        fields = [name for name, _ in segment.fields]
        if not segment.fields:
            return next((item for item in items if item_key(item, fields) == segment), NOTHING)
        # Hot: an item whose first key field holds another string cannot match, and its key
        # is not built.
        first, wanted = segment.fields[0]
        for item in items:
            if type(item) is dict and type(raw := item.get(first)) is str and raw != wanted:
                continue
            if item_key(item, fields) == segment:
                return item
        return NOTHING
    return NOTHING


class Claim(enum.Enum):
    """How an entry claims a path, strongest first."""

    EXACT = "exact"  # its tree holds the field itself
    ATOMIC = "atomic"  # it holds a field above the path with nothing recorded below it
    NONE = "none"


def ownership(entry: ManagerEntry, live: Any, path: Path) -> Claim:
    """How `entry` claims the live field at `path`.

    A field recorded with no children (`f:args: {}`) is either atomic or was empty when the
    entry wrote it; either way its owner is the owner of last resort for what lies below, and a
    manager that records the deeper field itself wins. A list item's `.` alone is not a claim on
    the item's fields (see `item_owned`).
    """
    node: Mapping[str, Any] = entry.fields
    value = live
    last: Any = None
    for segment in path:
        child = child_for(node, value, segment)
        if child is None:
            recorded_leaf = isinstance(last, str) and not any(k != "." for k in node)
            return Claim.ATOMIC if recorded_leaf else Claim.NONE
        node, last = child, segment
        value = _step(value, segment)
    return Claim.EXACT


def _step(value: Any, segment: Any) -> Any:
    if isinstance(segment, str):
        return value.get(segment) if isinstance(value, Mapping) else None
    if isinstance(value, list):
        item = find_item(value, segment)
        return None if item is NOTHING else item
    return None


def item_owned(entry: ManagerEntry, live: Any, path: Path) -> int:
    """Depth of the deepest list item on `path` whose `.` this entry holds (0 when none)."""
    node: Mapping[str, Any] = entry.fields
    value = live
    best = 0
    for depth, segment in enumerate(path, start=1):
        child = child_for(node, value, segment)
        if child is None:
            break
        if not isinstance(segment, str) and "." in child:
            best = depth
        node = child
        value = _step(value, segment)
    return best
