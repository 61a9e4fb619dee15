"""Server-side apply, dry run only: what the object would look like after the apply.

This is a deep merge with the merge keys of the built-in schemas, not structured-merge-diff:
fields another apply of the same manager used to own are not removed, and there are no
conflicts (force is accepted and ignored).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from .resources import ResourceType, split_api_version
from .status import ApiError

Obj = dict[str, Any]
MutationHook = Callable[[Obj], Obj | None]

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
_SERVER_OWNED = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


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


def _key_of(item: Obj, keys: tuple[str, ...]) -> Obj:
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
        index = {json.dumps(_key_of(i, keys), sort_keys=True): n for n, i in enumerate(live)}
        for item in applied:
            position = index.get(json.dumps(_key_of(item, keys), sort_keys=True))
            if position is None:
                merged.append(copy.deepcopy(item))
            else:
                merged[position] = merge(live[position], item, field_name)
        return merged
    return copy.deepcopy(applied)


def fields_v1(obj: Obj) -> Obj:
    """The FieldsV1 set of an applied configuration (what managedFields would record)."""
    out: Obj = {}
    for key, value in obj.items():
        if isinstance(value, dict):
            out[f"f:{key}"] = fields_v1(value)
        elif isinstance(value, list) and (keys := merge_key(key, value)):
            out[f"f:{key}"] = {
                "k:" + json.dumps(_key_of(item, keys), separators=(",", ":")): {
                    ".": {},
                    **fields_v1(item),
                }
                for item in value
            }
        else:
            out[f"f:{key}"] = {}
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check(applied: Any, rtype: ResourceType, name: str, namespace: str) -> Obj:
    if not isinstance(applied, dict):
        raise ApiError(400, "the body of an apply patch must be an object")
    group, _ = split_api_version(str(applied.get("apiVersion") or ""))
    if not applied.get("apiVersion") or not applied.get("kind"):
        raise ApiError(400, "apiVersion and kind must be set in an apply patch")
    if applied["kind"] != rtype.kind or group != rtype.group:
        raise ApiError(
            400,
            f"the API version in the data ({applied['apiVersion']}) does not match the "
            f"expected API version ({rtype.api_version()}) for kind {rtype.kind}",
        )
    meta = applied.get("metadata") or {}
    if meta.get("name", name) != name:
        raise ApiError(
            400,
            f"the name of the object ({meta['name']}) does not match the name on the URL ({name})",
        )
    if namespace and meta.get("namespace", namespace) != namespace:
        raise ApiError(
            400,
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    return applied


def _owned_part(applied: Obj) -> Obj:
    """The applied fields a manager comes to own: not the type or the object's identity."""
    owned = {k: v for k, v in applied.items() if k not in ("apiVersion", "kind")}
    meta = {k: v for k, v in owned.get("metadata", {}).items() if k not in ("name", "namespace")}
    if meta:
        owned["metadata"] = meta
    else:
        owned.pop("metadata", None)
    return owned


def dry_run_apply(
    live: Obj | None,
    applied: Any,
    *,
    rtype: ResourceType,
    api_version: str,
    name: str,
    namespace: str,
    manager: str,
    hooks: Sequence[MutationHook] = (),
) -> Obj:
    """The object a real apply would store, computed without storing anything."""
    if not manager:
        raise ApiError(400, "PATCH apply requests require the fieldManager query parameter")
    config: Obj = copy.deepcopy(_check(applied, rtype, name, namespace))
    config.setdefault("metadata", {}).pop("managedFields", None)
    owned = fields_v1(_owned_part(config))  # before server fields are added to the result
    result: Obj
    if live is None:
        result = config
        meta = result["metadata"]
        meta.update(name=name, uid=str(uuid.uuid4()), creationTimestamp=_now(), generation=1)
        if namespace:
            meta["namespace"] = namespace
        if "status" in rtype.subresources:
            result.pop("status", None)
    else:
        result = merge(live, config)
        meta = result["metadata"]
        live_meta = live.get("metadata") or {}
        for field_name in _SERVER_OWNED:
            if field_name in live_meta:
                meta[field_name] = copy.deepcopy(live_meta[field_name])
        if "status" in rtype.subresources:
            # The main resource ignores status changes; only /status could write them.
            result.pop("status", None)
            if "status" in live:
                result["status"] = copy.deepcopy(live["status"])
        if "generation" in live_meta and result.get("spec") != live.get("spec"):
            meta["generation"] = int(live_meta["generation"]) + 1
    result["apiVersion"], result["kind"] = api_version, rtype.kind
    entry = {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": api_version,
        "time": _now(),
        "fieldsType": "FieldsV1",
        "fieldsV1": owned,
    }
    others = [
        m
        for m in meta.get("managedFields") or []
        if (m.get("manager"), m.get("operation")) != (manager, "Apply")
    ]
    meta["managedFields"] = [*others, entry]
    for hook in hooks:
        changed = hook(result)
        result = result if changed is None else changed
    return result
