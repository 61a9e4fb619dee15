"""The three non-apply patch formats: JSON merge patch (RFC 7386), strategic merge patch
(merge patch plus keyed lists and the "$patch" directive; kubectl patch's and kubectl edit's
default) and JSON patch (RFC 6902)."""

from __future__ import annotations

import copy
import json
from typing import Any

from .merge_keys import key_of, merge_key
from .status import ApiError

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
PATCH_TYPES = (MERGE_PATCH, STRATEGIC_PATCH, JSON_PATCH)


def apply_patch(content_type: str, target: dict[str, Any], body: bytes) -> dict[str, Any]:
    try:
        patch = json.loads(body) if body.strip() else None
    except ValueError as err:
        raise ApiError(400, f"error decoding patch: {err}") from err
    if content_type == JSON_PATCH:
        if not isinstance(patch, list):
            raise ApiError(400, "json patch must be a list of operations")
        return _json_patch(copy.deepcopy(target), patch)
    if not isinstance(patch, dict):
        raise ApiError(400, "a merge patch must be a JSON object")
    strategic = content_type == STRATEGIC_PATCH
    result = _merge(target, patch, "", strategic=strategic)
    assert isinstance(result, dict)
    return result


def _merge(target: Any, patch: Any, field_name: str, *, strategic: bool) -> Any:
    if isinstance(patch, dict):
        if strategic and patch.get("$patch") == "replace":
            return _strip(patch)
        result = copy.deepcopy(target) if isinstance(target, dict) else {}
        for key, value in patch.items():
            if strategic and key.startswith("$"):
                continue  # $setElementOrder, $retainKeys: order and pruning hints only
            if value is None:
                result.pop(key, None)
            else:
                result[key] = _merge(result.get(key), value, key, strategic=strategic)
        return result
    if strategic and isinstance(patch, list) and isinstance(target, list):
        keys = merge_key(field_name, target + [i for i in patch if isinstance(i, dict)])
        if keys is not None:
            return _merge_keyed(target, patch, keys, field_name)
    return _strip(patch) if strategic else copy.deepcopy(patch)


def _merge_keyed(target: list[Any], patch: list[Any], keys: tuple[str, ...], name: str) -> Any:
    merged = [copy.deepcopy(i) for i in target]
    for item in patch:
        wanted = key_of(item, keys)
        position = next((n for n, i in enumerate(merged) if key_of(i, keys) == wanted), None)
        if item.get("$patch") == "delete":
            if position is not None:
                del merged[position]
        elif position is None:
            merged.append(_strip(item))
        else:
            merged[position] = _merge(merged[position], item, name, strategic=True)
    return merged


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return copy.deepcopy(value)


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise ApiError(400, f"invalid JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        node = _child(node, part)
    return node, parts[-1]


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise ApiError(422, f"the path /{part} does not exist in the object")


def _json_patch(doc: Any, operations: list[Any]) -> Any:
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation:
            raise ApiError(400, "each json patch operation needs an 'op'")
        op, parts = operation["op"], _pointer(operation.get("path"))
        if op in ("move", "copy"):
            from_parts = _pointer(operation.get("from"))
            value = copy.deepcopy(_get(doc, from_parts))
            if op == "move":
                doc = _remove(doc, from_parts)
            doc = _add(doc, parts, value)
        elif op == "add":
            doc = _add(doc, parts, copy.deepcopy(operation.get("value")))
        elif op == "remove":
            doc = _remove(doc, parts)
        elif op == "replace":
            _get(doc, parts)  # must exist
            doc = _add(_remove(doc, parts), parts, copy.deepcopy(operation.get("value")))
        elif op == "test":
            if _get(doc, parts) != operation.get("value"):
                raise ApiError(422, f"testing value {operation.get('path')} failed")
        else:
            raise ApiError(400, f"unknown json patch operation {op!r}")
    return doc


def _get(doc: Any, parts: list[str]) -> Any:
    node = doc
    for part in parts:
        node = _child(node, part)
    return node


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, last = _parent(doc, parts)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise ApiError(422, f"index {last} is out of range")
    else:
        raise ApiError(422, f"cannot add /{last}: the parent is not an object or a list")
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    parent, last = _parent(doc, parts)
    _child(parent, last)  # must exist
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return doc
