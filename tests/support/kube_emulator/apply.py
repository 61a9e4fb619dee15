"""Server-side apply: the object an apply stores (or would store, for a dry run), with the
managedFields bookkeeping and the conflicts of structured-merge-diff.

The merge is a deep merge with the merge keys of the built-in schemas (`merge_keys.py`), not
the real typed merge, but ownership follows the real rules: the applier's Apply entry owns
exactly the applied fields; a field the applier no longer applies is removed when no other
manager owns it; changing a field another manager owns is a 409 conflict unless `force`,
which takes the field from them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from . import fieldset
from .merge_keys import merge, merge_key
from .resources import ResourceType, split_api_version
from .status import ApiError

Obj = dict[str, Any]
MutationHook = Callable[[Obj], Obj | None]
_SERVER_OWNED = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")
STALE_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)

__all__ = ["MutationHook", "dry_run_apply", "fields_v1", "merge", "merge_key", "server_side_apply"]


def fields_v1(obj: Obj) -> Obj:
    """The FieldsV1 set of an applied configuration (what managedFields would record)."""
    return fieldset.to_fields_v1(fieldset.paths_of(obj))


def now() -> str:
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


def has_generation(obj: Obj, rtype: ResourceType) -> bool:
    """ConfigMaps, Secrets and other spec-less built-ins have no metadata.generation."""
    return "spec" in obj or "status" in rtype.subresources


def conflict_error(conflicts: Sequence[tuple[Obj, fieldset.Path]]) -> ApiError:
    """apimachinery's NewConflictError: one cause per (manager, field)."""
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {fieldset.describe(entry)}",
            "field": fieldset.path_text(path),
        }
        for entry, path in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        text = f"conflict with {fieldset.describe(entry)}: {fieldset.path_text(path)}"
        message = f"Apply failed with 1 conflict: {text}"
    else:
        by_manager: dict[str, list[str]] = {}
        for entry, path in conflicts:
            by_manager.setdefault(fieldset.describe(entry), []).append(fieldset.path_text(path))
        lines = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {manager}:")
            lines.extend(f"- {p}" for p in by_manager[manager])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, message, reason="Conflict", details={"causes": causes})


def server_side_apply(
    live: Obj | None,
    applied: Any,
    *,
    rtype: ResourceType,
    api_version: str,
    name: str,
    namespace: str,
    manager: str,
    force: bool,
    hooks: Sequence[MutationHook] = (),
) -> Obj:
    """The object the apply stores; raises ApiError(409) on conflicts without `force`."""
    if not manager:
        raise ApiError(400, "PATCH apply requests require the fieldManager query parameter")
    config: Obj = copy.deepcopy(_check(applied, rtype, name, namespace))
    config.setdefault("metadata", {}).pop("managedFields", None)
    has_status = "status" in rtype.subresources
    applied_paths = fieldset.paths_of(fieldset.trackable(config, has_status=has_status))
    entry: Obj = {"manager": manager, "operation": "Apply", "apiVersion": api_version}
    entry["time"] = now()
    result: Obj
    if live is None:
        result = config
        meta = result["metadata"]
        meta.update(name=name, uid=str(uuid.uuid4()), creationTimestamp=now())
        if has_generation(result, rtype):
            meta["generation"] = 1
        if namespace:
            meta["namespace"] = namespace
        if has_status:
            result.pop("status", None)
        meta["managedFields"] = fieldset.with_entry(
            [], entry, applied_paths, drop_from_others=set()
        )
    else:
        result = _merge_into_live(live, config, rtype, entry, applied_paths, force=force)
    result["apiVersion"], result["kind"] = api_version, rtype.kind
    for hook in hooks:
        changed = hook(result)
        result = result if changed is None else changed
    return result


def _merge_into_live(
    live: Obj,
    config: Obj,
    rtype: ResourceType,
    entry: Obj,
    applied_paths: set[fieldset.Path],
    *,
    force: bool,
) -> Obj:
    live_meta = live.get("metadata") or {}
    wanted_rv = config["metadata"].get("resourceVersion")
    if wanted_rv and str(wanted_rv) != str(live_meta.get("resourceVersion")):
        raise ApiError(409, STALE_MESSAGE, reason="Conflict")
    has_status = "status" in rtype.subresources
    result: Obj = merge(live, config)
    meta = result["metadata"]
    for field_name in _SERVER_OWNED:
        meta.pop(field_name, None)
        if field_name in live_meta:
            meta[field_name] = copy.deepcopy(live_meta[field_name])
    if has_status:
        # The main resource ignores status changes; only /status could write them.
        result.pop("status", None)
        if "status" in live:
            result["status"] = copy.deepcopy(live["status"])
    managed = fieldset.entries(live_meta)
    me = fieldset.identity(entry)
    mine = next((m for m in managed if fieldset.identity(m) == me), None)
    others = [m for m in managed if fieldset.identity(m) != me]
    owned_elsewhere = set().union(*(fieldset.entry_paths(m) for m in others))
    # What this manager applied before and applies no more goes, unless someone else owns it.
    dropped = (fieldset.entry_paths(mine) if mine else set()) - applied_paths - owned_elsewhere
    for path in sorted(dropped, key=len, reverse=True):
        fieldset.remove_path(result, path)
    fieldset.prune_empty(result, live)
    fieldset.drop_empty_maps(result)
    before = fieldset.trackable(live, has_status=has_status)
    changed, removed = fieldset.changed_paths(
        before, fieldset.trackable(result, has_status=has_status)
    )
    changed &= applied_paths
    conflicts = [
        (other, path) for other in others for path in sorted(fieldset.entry_paths(other) & changed)
    ]
    if conflicts and not force:
        raise conflict_error(conflicts)
    meta["managedFields"] = fieldset.with_entry(
        managed, entry, applied_paths, drop_from_others=changed | removed
    )
    bump_generation(live, result)
    return result


def bump_generation(live: Obj, result: Obj) -> None:
    """Like the registry strategies: a new generation when anything but metadata and status
    changed."""
    live_meta = live.get("metadata") or {}
    if "generation" not in live_meta:
        return

    def body(obj: Obj) -> Obj:
        return {
            k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")
        }

    if body(result) != body(live):
        result["metadata"]["generation"] = int(live_meta["generation"]) + 1


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
    force: bool = True,
) -> Obj:
    """The object a real apply would store, computed without storing anything."""
    return server_side_apply(
        live,
        applied,
        rtype=rtype,
        api_version=api_version,
        name=name,
        namespace=namespace,
        manager=manager,
        force=force,
        hooks=hooks,
    )
