"""PATCH requests: server-side apply (dry run or stored) and merge, strategic and JSON patches
on objects and on /scale, each recorded in managedFields like the real server does."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import fieldset
from .apply import STALE_MESSAGE, bump_generation, now, server_side_apply
from .bodies import decode_body, scale_of
from .patches import PATCH_TYPES, apply_patch
from .resources import ResourceType
from .status import ApiError, Target, not_found
from .store import make_entry

if TYPE_CHECKING:
    from .emulator import KubeEmulator
    from .routes import Resolved

APPLY_PATCH = "application/apply-patch+yaml"
# One writer at a time: a read-modify-write must not interleave with another.
_WRITE_LOCK = threading.Lock()


def patch(
    emu: KubeEmulator, resolved: Resolved, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, Any]]:
    """(status, body) of a PATCH."""
    target, rtype, query = resolved.target, resolved.rtype, resolved.query
    assert rtype is not None
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in (APPLY_PATCH, *PATCH_TYPES):
        accepted = ", ".join((APPLY_PATCH, *PATCH_TYPES))
        raise ApiError(
            415,
            "the body of the request was in an unknown format - accepted media types "
            f"include: {accepted}",
        )
    if not target.name or (rtype.namespaced and not target.namespace):
        raise not_found(Target(target.verb, target.path))
    dry_run = query.get("dryRun", "")
    if dry_run not in ("", "All"):
        raise ApiError(400, f'dryRun: Unsupported value: "{dry_run}": supported values: "All"')
    sub = target.subresource
    if sub and (sub != "scale" or sub not in rtype.subresources or content_type == APPLY_PATCH):
        raise ApiError(405, f"the kube emulator does not write {sub}", details=target.details())
    api_version = rtype.api_version(resolved.version)
    key = (target.namespace, target.name)
    with _WRITE_LOCK:
        entry = emu.store.get(rtype.group_kind, key)
        live = entry.load() if entry else None
        if content_type == APPLY_PATCH:
            result = server_side_apply(
                live,
                decode_body(body),
                rtype=rtype,
                api_version=api_version,
                name=target.name,
                namespace=target.namespace,
                manager=query.get("fieldManager", ""),
                force=query.get("force") == "true",
                hooks=tuple(emu.apply_hooks),
            )
        else:
            if live is None:
                raise not_found(target)
            manager = query.get("fieldManager") or _default_manager(headers)
            result = _update(live, content_type, body, rtype, api_version, manager, sub)
        if not dry_run and (live is None or _differs(live, result)):
            result = store(emu, rtype, api_version, result)
        elif live is not None and not _differs(live, result):
            result = {"apiVersion": api_version, "kind": rtype.kind, **live}
    status = 201 if live is None else 200
    return status, scale_of(result) if sub == "scale" else result


def store(emu: KubeEmulator, rtype: ResourceType, api_version: str, obj: dict[str, Any]) -> Any:
    """Persist a written object under a new resourceVersion, as etcd would."""
    obj = {**obj, "apiVersion": api_version, "kind": rtype.kind}
    meta = obj["metadata"]
    with emu.store.lock:
        emu.store.resource_version += 1
        meta["resourceVersion"] = str(emu.store.resource_version)
        key = (str(meta.get("namespace") or ""), str(meta["name"]))
        emu.store.bucket(rtype.group_kind).put({key: make_entry(obj)})
    return obj


def _differs(live: dict[str, Any], result: dict[str, Any]) -> bool:
    """Whether a write changes anything; new managedFields timestamps alone do not count,
    as the real server skips such no-op writes."""

    def comparable(obj: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        meta = dict(out.get("metadata") or {})
        meta["managedFields"] = [
            {k: v for k, v in m.items() if k != "time"} for m in meta.get("managedFields") or []
        ]
        out["metadata"] = meta
        return out

    return comparable(live) != comparable(result)


def _default_manager(headers: Mapping[str, str]) -> str:
    # Without fieldManager the server names the manager after the User-Agent's first word.
    agent = headers.get("user-agent", "")
    return agent.split("/")[0].strip() or "unknown"


def _update(
    live: dict[str, Any],
    content_type: str,
    body: bytes,
    rtype: ResourceType,
    api_version: str,
    manager: str,
    sub: str,
) -> dict[str, Any]:
    """An Update operation: the manager comes to own what it changed, others lose it."""
    typed = {"apiVersion": api_version, "kind": rtype.kind, **live}
    if sub == "scale":
        scale = apply_patch(content_type, scale_of(typed), body)
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise ApiError(422, "spec.replicas: must be a non-negative integer")
        new = copy.deepcopy(typed)
        new.setdefault("spec", {})["replicas"] = replicas
    else:
        new = apply_patch(content_type, typed, body)
        _check_identity(typed, new)
    live_meta = live.get("metadata") or {}
    meta = new.setdefault("metadata", {})
    for name in ("uid", "creationTimestamp", "generation", "managedFields", "resourceVersion"):
        meta.pop(name, None)
        if name in live_meta:
            meta[name] = copy.deepcopy(live_meta[name])
    fieldset.drop_empty_maps(new)
    has_status = "status" in rtype.subresources
    if has_status:
        new.pop("status", None)
        if "status" in live:
            new["status"] = copy.deepcopy(live["status"])
    changed, removed = fieldset.changed_paths(
        fieldset.trackable(live, has_status=has_status),
        fieldset.trackable(new, has_status=has_status),
    )
    entry: dict[str, Any] = {"manager": manager, "operation": "Update", "apiVersion": api_version}
    if sub:
        # The real server writes subresource entries without a time (seen on v1.36).
        entry["subresource"] = sub
    else:
        entry["time"] = now()
    managed = fieldset.entries(live_meta)
    me = fieldset.identity(entry)
    before = next((fieldset.entry_paths(m) for m in managed if fieldset.identity(m) == me), set())
    if changed or removed:
        meta["managedFields"] = fieldset.with_entry(
            managed, entry, (before | changed) - removed, drop_from_others=changed | removed
        )
    bump_generation(live, new)
    return new


def _check_identity(live: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    for field in ("apiVersion", "kind"):
        if new.get(field) != live.get(field):
            raise ApiError(400, f"{field} cannot be changed by a patch")
    old_meta, new_meta = live.get("metadata") or {}, new.get("metadata") or {}
    for field in ("name", "namespace"):
        if new_meta.get(field) != old_meta.get(field):
            raise ApiError(400, f"metadata.{field} cannot be changed by a patch")
    wanted_rv = new_meta.get("resourceVersion")
    if wanted_rv and str(wanted_rv) != str(old_meta.get("resourceVersion")):
        raise ApiError(409, STALE_MESSAGE, reason="Conflict")


def create(
    emu: KubeEmulator, resolved: Resolved, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, Any]]:
    """(201, body) of a POST to a collection, as `kubectl create` and client-side `kubectl
    apply` of a new object send it: an Update entry owns every field it set."""
    target, rtype, query = resolved.target, resolved.rtype, resolved.query
    assert rtype is not None
    if target.name or target.subresource:
        raise ApiError(405, f"POST {target.path} is not a collection", details=target.details())
    obj = decode_body(body)
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(obj, dict) or not isinstance(meta, dict) or not name:
        raise ApiError(422, "metadata.name: Required value: name is required")
    namespace = target.namespace if rtype.namespaced else ""
    # The same checks (kind, namespace of the body against the request's) as an apply makes.
    new = server_side_apply(
        None, obj, rtype=rtype, api_version=rtype.api_version(resolved.version), name=str(name),
        namespace=namespace, manager="-", force=False,
    )  # fmt: skip
    manager = query.get("fieldManager") or _default_manager(headers)
    has_status = "status" in rtype.subresources
    owned, _ = fieldset.changed_paths({}, fieldset.trackable(new, has_status=has_status))
    entry = {"manager": manager, "operation": "Update", "apiVersion": new["apiVersion"]}
    entry["time"] = now()
    new["metadata"]["managedFields"] = fieldset.with_entry([], entry, owned, drop_from_others=set())
    with _WRITE_LOCK:
        if emu.store.get(rtype.group_kind, (namespace, str(name))) is not None:
            details = {"name": str(name), "kind": rtype.plural}
            raise ApiError(
                409, f'{rtype.plural} "{name}" already exists', reason="AlreadyExists",
                details=details,
            )  # fmt: skip
        if query.get("dryRun") != "All":
            new = store(emu, rtype, new["apiVersion"], new)
    return 201, new
