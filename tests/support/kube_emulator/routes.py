"""Request routing: turns (method, path, query, body) into a response, independent of HTTP."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import writes
from .bodies import scale_of
from .resources import ResourceType
from .selectors import SelectorError, parse_field_selector, parse_label_selector
from .status import EXPIRED_WITH_TOKEN_MESSAGE, ApiError, Target, not_found
from .store import ContinueError, Entry, ExpiredError, Key, dumps
from .tables import table_for, wants_table

if TYPE_CHECKING:
    from .emulator import KubeEmulator

READ_ONLY = "the kube emulator writes only through PATCH (apply, merge, strategic and JSON patches)"
_HEALTH = ("healthz", "livez", "readyz")


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    """A resource request once its URL is understood."""

    target: Target
    rtype: ResourceType | None = None
    version: str = ""
    query: Mapping[str, str] = field(default_factory=dict)


def _verb(method: str, name: str, query: Mapping[str, str]) -> str:
    if method == "GET":
        if name:
            return "get"
        return "watch" if query.get("watch") in ("1", "true") else "list"
    return {"PATCH": "patch", "PUT": "update", "POST": "create"}.get(
        method, ("delete" if name else "deletecollection") if method == "DELETE" else method.lower()
    )


def resolve(emu: KubeEmulator, method: str, path: str, query: Mapping[str, str]) -> Resolved:
    """Parse an API path; unknown groups, versions and resources keep rtype None."""
    parts = [unquote(p) for p in path.split("/") if p]
    plain = Resolved(Target(method.lower(), path), query=query)
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return plain
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return plain
    resource, name, sub = (*rest, "", "")[:3]
    rtype = emu.registry.lookup(group, version, resource)
    target = Target(_verb(method, name, query), path, resource, group, namespace, name, sub)
    if rtype is None or (namespace and not rtype.namespaced):
        return Resolved(target, query=query)
    return Resolved(target, rtype, version, query)


def route(
    emu: KubeEmulator,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> Response:
    resolved = resolve(emu, method, path, query)
    if resolved.rtype is None:
        document = emu.discovery.get(path) if method == "GET" else None
        if document is not None:
            return Response(200, document)
        if method == "GET" and path.strip("/") in _HEALTH:
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if method not in ("GET", "PATCH"):
            raise ApiError(405, f"{READ_ONLY} ({method} {path})")
        raise not_found(Target(resolved.target.verb, path))
    target, rtype = resolved.target, resolved.rtype
    if method == "GET":
        # Of the subresources only status (the object itself) and scale can be read here.
        sub = target.subresource
        if sub and (sub not in ("status", "scale") or sub not in rtype.subresources):
            raise not_found(Target(target.verb, path))
        if target.name:
            return _get(emu, resolved, headers)
        return _list(emu, resolved, headers)
    if method == "PATCH":
        status, obj = writes.patch(emu, resolved, headers, body)
        return Response(status, dumps(obj))
    if method == "POST":
        status, obj = writes.create(emu, resolved, headers, body)
        return Response(status, dumps(obj))
    raise ApiError(405, f"{READ_ONLY} ({method} {path})", details=target.details())


def _key(resolved: Resolved) -> Key:
    return (resolved.target.namespace, resolved.target.name)


def _get(emu: KubeEmulator, resolved: Resolved, headers: Mapping[str, str]) -> Response:
    target, rtype = resolved.target, resolved.rtype
    assert rtype is not None
    if rtype.namespaced and not target.namespace:
        raise not_found(Target(target.verb, target.path))
    entry = emu.store.get(rtype.group_kind, _key(resolved))
    if entry is None:
        raise not_found(target)
    api_version = rtype.api_version(resolved.version)
    if target.subresource == "scale":
        return Response(200, dumps(scale_of(entry.load())))
    if wants_table(headers):
        return Response(200, table_for([entry], rtype, api_version, None, resolved.query))
    return Response(200, entry.with_type(api_version, rtype.kind))


def _predicate(
    rtype: ResourceType, query: Mapping[str, str]
) -> Callable[[Key, Entry], bool] | None:
    label_text, field_text = query.get("labelSelector", ""), query.get("fieldSelector", "")
    if not label_text.strip() and not field_text.strip():
        return None
    try:
        labels = parse_label_selector(label_text)
        fields = parse_field_selector(field_text, rtype.kind)
    except SelectorError as err:
        raise ApiError(400, str(err)) from err
    return lambda _key, entry: labels(entry.labels) and fields(entry)


def _limit(emu: KubeEmulator, query: Mapping[str, str]) -> int | None:
    text = query.get("limit", "")
    if not text:
        limit = None
    elif text.lstrip("-").isdigit():
        limit = int(text) if int(text) > 0 else None
    else:
        raise ApiError(400, f'limit: Invalid value: "{text}": must be an integer')
    if emu.max_limit is not None and limit is not None and limit > emu.max_limit:
        return emu.max_limit
    return limit


def _list(emu: KubeEmulator, resolved: Resolved, headers: Mapping[str, str]) -> Response:
    target, rtype, query = resolved.target, resolved.rtype, resolved.query
    assert rtype is not None
    if target.verb == "watch":
        raise ApiError(405, "watch is not supported by the kube emulator")
    token = query.get("continue") or None
    if token and query.get("resourceVersion", ""):
        raise ApiError(400, "specifying resource version is not allowed when using continue")
    try:
        page = emu.store.list_page(
            rtype.group_kind,
            target.namespace if rtype.namespaced and target.namespace else None,
            limit=_limit(emu, query),
            continue_token=token,
            predicate=_predicate(rtype, query),
        )
    except ContinueError as err:
        raise ApiError(400, str(err)) from err
    except ExpiredError as err:
        raise ApiError(
            410, EXPIRED_WITH_TOKEN_MESSAGE, list_meta={"continue": err.inconsistent}
        ) from err
    api_version = rtype.api_version(resolved.version)
    entries = [entry for _key, entry in page.entries]
    if wants_table(headers):
        return Response(200, table_for(entries, rtype, api_version, page, query))
    meta: dict[str, Any] = {"resourceVersion": str(page.resource_version)}
    if page.continue_token:
        meta["continue"] = page.continue_token
    if page.remaining is not None:
        meta["remainingItemCount"] = page.remaining
    head = dumps({"apiVersion": api_version, "kind": rtype.list_kind, "metadata": meta})
    body = b"".join((head[:-1], b',"items":[', b",".join(e.item for e in entries), b"]}"))
    return Response(200, body)
