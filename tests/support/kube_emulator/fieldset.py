"""Field sets as structured-merge-diff keeps them in managedFields, and the ownership rules of
Apply and Update operations.

A field set is a set of paths; a path is a tuple of FieldsV1 elements ("f:spec", "f:replicas",
'k:{"name":"app"}'). Members are leaves (scalars, atomic lists, empty maps) and keyed list
items (FieldsV1's "."). Set-valued lists ("v:") are treated as atomic, which is what the
built-in schemas mostly use them for anyway.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .merge_keys import key_of, merge_key

Path = tuple[str, ...]
Obj = dict[str, Any]
MISSING = object()

# Fields no manager owns: identity, type and what the server keeps for itself.
_UNTRACKED_META = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
)


def trackable(obj: Mapping[str, Any], *, has_status: bool) -> Obj:
    """The part of an object whose fields managers can own."""
    out = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    if has_status:
        out.pop("status", None)  # written through /status only
    meta = {k: v for k, v in (out.get("metadata") or {}).items() if k not in _UNTRACKED_META}
    if meta:
        out["metadata"] = meta
    else:
        out.pop("metadata", None)
    return out


def leaves(obj: Mapping[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every member path of an object with the value found there."""
    for name, value in obj.items():
        path = (*prefix, f"f:{name}")
        if _atomic(name, value):
            yield path, value
        elif isinstance(value, dict) and value:
            yield from leaves(value, path)
        elif isinstance(value, list) and (keys := merge_key(name, value)):
            for item in value:
                item_path = (*path, _element(item, keys))
                yield item_path, MISSING  # the item itself: present, no scalar value
                yield from leaves(item, item_path)
        else:
            yield path, value


def _atomic(name: str, value: Any) -> bool:
    # A LabelSelector (x-kubernetes-map-type: atomic) is owned whole, as the real server
    # records `f:selector: {}`; a Service's plain selector map stays granular.
    return (
        name == "selector"
        and isinstance(value, dict)
        and ("matchLabels" in value or "matchExpressions" in value)
    )


def _element(item: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    return "k:" + json.dumps(key_of(item, keys), separators=(",", ":"), sort_keys=True)


def paths_of(obj: Mapping[str, Any]) -> set[Path]:
    return {path for path, _ in leaves(obj)}


def values_of(obj: Mapping[str, Any]) -> dict[Path, Any]:
    return dict(leaves(obj))


def to_fields_v1(paths: Iterable[Path]) -> Obj:
    out: Obj = {}
    for path in sorted(paths):
        node = out
        for element in path:
            node = node.setdefault(element, {})
    _mark_items(out)
    return out


def _mark_items(node: Obj) -> None:
    for element, child in node.items():
        if element.startswith("k:"):
            child.setdefault(".", {})
        if element != ".":
            _mark_items(child)


def from_fields_v1(fields: Mapping[str, Any], prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for element, child in fields.items():
        if element == ".":
            out.add(prefix)
        elif isinstance(child, dict) and child:
            out |= from_fields_v1(child, (*prefix, element))
        else:
            out.add((*prefix, element))
    return out


def remove_path(obj: Obj, path: Path) -> None:
    """Delete one member (a field or a keyed list item) from an object, in place."""
    node: Any = obj
    for position, element in enumerate(path):
        last = position == len(path) - 1
        if isinstance(node, dict) and element.startswith("f:"):
            name = element[2:]
            if name not in node:
                return
            if last:
                del node[name]
                return
            node = node[name]
        elif isinstance(node, list) and element.startswith("k:"):
            wanted = json.loads(element[2:])
            match = next(
                (i for i in node if isinstance(i, dict) and key_of(i, tuple(wanted)) == wanted),
                None,
            )
            if match is None:
                return
            if last:
                node.remove(match)
                return
            node = match
        else:
            return


_OMIT_EMPTY = ("labels", "annotations", "data", "binaryData", "stringData")


def drop_empty_maps(obj: Obj) -> None:
    """Go's omitempty: an emptied labels, annotations or data map is not sent back at all."""
    meta = obj.get("metadata")
    for holder in (obj, meta if isinstance(meta, dict) else {}):
        for name in _OMIT_EMPTY:
            if holder.get(name) == {}:
                del holder[name]


def prune_empty(obj: Obj, before: Mapping[str, Any]) -> None:
    """Drop maps that removals left empty, unless they were already empty before."""
    for name in list(obj):
        value = obj[name]
        if isinstance(value, dict):
            prune_empty(value, before.get(name) or {})
            if not value and before.get(name) != {}:
                del obj[name]


def path_text(path: Path) -> str:
    """How the server names a field in conflicts: .spec.containers[name="app"].image"""
    out = ""
    for element in path:
        if element.startswith("f:"):
            out += "." + element[2:]
        elif element.startswith("k:"):
            key = json.loads(element[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in key.items()) + "]"
    return out


def entries(meta: Mapping[str, Any]) -> list[Obj]:
    return [copy.deepcopy(m) for m in meta.get("managedFields") or [] if isinstance(m, dict)]


def entry_paths(entry: Mapping[str, Any]) -> set[Path]:
    return from_fields_v1(entry.get("fieldsV1") or {})


def identity(entry: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """Who an entry is: Apply entries ignore the API version, Update entries keep it."""
    operation = str(entry.get("operation") or "")
    version = "" if operation == "Apply" else str(entry.get("apiVersion") or "")
    return (
        str(entry.get("manager") or ""),
        operation,
        version,
        str(entry.get("subresource") or ""),
    )


def describe(entry: Mapping[str, Any]) -> str:
    """The manager as a conflict names it (apimachinery's printManager)."""
    text = json.dumps(str(entry.get("manager") or ""))
    if entry.get("subresource"):
        text += f" with subresource {json.dumps(entry['subresource'])}"
    if entry.get("operation") == "Update":
        # The identifier a conflict prints has no time (BuildManagerIdentifier drops it).
        text += f" using {entry.get('apiVersion')}"
    return text


def changed_paths(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[set[Path], set[Path]]:
    """(added or changed, removed) members between two trackable objects."""
    old, new = values_of(before), values_of(after)
    changed = {p for p, v in new.items() if p not in old or (v is not MISSING and old[p] != v)}
    return changed, set(old) - set(new)


def with_entry(
    managed: list[Obj], entry: Obj, paths: set[Path], *, drop_from_others: set[Path]
) -> list[Obj]:
    """Managers after one operation: `entry` (merged with its earlier self) owns `paths`;
    the others lose `drop_from_others`; entries left owning nothing go away."""
    me = identity(entry)
    out: list[Obj] = []
    for other in managed:
        if identity(other) == me:
            continue
        kept = entry_paths(other) - drop_from_others
        if kept:
            out.append({**other, "fieldsV1": to_fields_v1(kept)})
    if paths:
        out.append({**entry, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)})
    return out
