"""Read the live objects of each resource type with paged LISTs, never one GET per object.

A type wanted in one namespace is listed there. A type wanted in several namespaces is first
listed cluster-wide; if the first page says the whole list would take more requests than the
namespaces would (`remainingItemCount`), or cluster-wide listing is forbidden, it is listed per
namespace instead. Types are read concurrently; one type's failure never loses the others.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from drift_action.live.discovery import ApiResource, Transport
from drift_action.live.kube_client import ApiError, ClusterError

log = logging.getLogger(__name__)

_MAX_RESTARTS = 3  # a list whose continue token expired (410) is started again this many times

Keep = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class ListTask:
    resource: ApiResource
    namespaces: tuple[str, ...]  # empty for a cluster-scoped resource


@dataclass(frozen=True)
class Failure:
    resource: ApiResource
    namespace: str | None  # None: the whole type
    message: str


@dataclass
class Fetched:
    objects: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def fetch_all(
    transport: Transport,
    tasks: Iterable[ListTask],
    *,
    keep: Keep,
    page_size: int,
    concurrency: int,
) -> Fetched:
    """Every task's objects that `keep` accepts (items get apiVersion and kind filled in)."""
    result = Fetched()
    tasks = list(tasks)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(tasks) or 1))) as pool:
        futures = [pool.submit(_fetch_type, transport, task, keep, page_size) for task in tasks]
        for future in futures:
            part = future.result()
            result.objects.extend(part.objects)
            result.failures.extend(part.failures)
    return result


def _fetch_type(transport: Transport, task: ListTask, keep: Keep, page_size: int) -> Fetched:
    try:
        return _read_type(transport, task, keep, page_size)
    except ClusterError as exc:  # a hang or dropped connection on one type spares the others
        return Fetched(failures=[Failure(task.resource, None, str(exc))])


def _read_type(transport: Transport, task: ListTask, keep: Keep, page_size: int) -> Fetched:
    out = Fetched()
    resource = task.resource
    if "list" not in resource.verbs and resource.verbs:
        out.failures.append(Failure(resource, None, f"{resource.describe()} cannot be listed"))
        return out
    namespaces: list[str | None] = list(task.namespaces) if resource.namespaced else [None]
    if len(namespaces) > 1:
        done = _try_cluster_wide(
            transport, resource, namespaces=len(namespaces), keep=keep, page_size=page_size, out=out
        )
        if done:
            return out
    for namespace in namespaces:
        try:
            out.objects.extend(_list(transport, resource, namespace, keep, page_size))
        except ApiError as exc:
            out.failures.append(Failure(resource, namespace, _explain(exc, resource, namespace)))
    return out


def _try_cluster_wide(
    transport: Transport,
    resource: ApiResource,
    *,
    namespaces: int,
    keep: Keep,
    page_size: int,
    out: Fetched,
) -> bool:
    """List cluster-wide when it costs fewer requests than one list per namespace."""
    try:
        first = transport.get_json(resource.list_path(None), {"limit": str(page_size)})
    except ApiError as exc:
        if exc.code in (401, 403):
            log.info("%s: cannot list cluster-wide, listing per namespace", resource.describe())
            return False
        out.failures.append(Failure(resource, None, _explain(exc, resource, None)))
        return True
    remaining = (first.get("metadata") or {}).get("remainingItemCount")
    if isinstance(remaining, int) and 1 + math.ceil(remaining / page_size) > namespaces:
        return False
    try:
        try:
            found = list(_pages(transport, resource, None, keep, page_size, first_page=first))
        except ApiError as exc:
            if exc.code != 410:
                raise
            found = _list(transport, resource, None, keep, page_size)
    except ApiError as exc:
        out.failures.append(Failure(resource, None, _explain(exc, resource, None)))
    else:
        out.objects.extend(found)
    return True


def _list(
    transport: Transport, resource: ApiResource, namespace: str | None, keep: Keep, page_size: int
) -> list[dict[str, Any]]:
    for attempt in range(_MAX_RESTARTS + 1):
        try:
            return list(_pages(transport, resource, namespace, keep, page_size))
        except ApiError as exc:
            if exc.code != 410 or attempt == _MAX_RESTARTS:
                raise
            log.info("%s: list expired (410 Gone), starting it again", resource.describe())
    raise AssertionError("unreachable")


def _pages(
    transport: Transport,
    resource: ApiResource,
    namespace: str | None,
    keep: Keep,
    page_size: int,
    *,
    first_page: Any = None,
) -> Iterator[dict[str, Any]]:
    path = resource.list_path(namespace)
    page = first_page
    token = ""
    pages = 0
    while True:
        if page is None:
            query = {"limit": str(page_size)}
            if token:
                query["continue"] = token
            page = transport.get_json(path, query)
        pages += 1
        for item in page.get("items") or ():
            if isinstance(item, dict) and keep(item):
                # Nothing reads a live object's status (it is never desired state): dropping it
                # as pages arrive keeps a large cluster's objects smaller for the whole run.
                item.pop("status", None)
                share_empty_leaves(item)
                item.setdefault("apiVersion", resource.api_version)
                item.setdefault("kind", resource.kind)
                yield item
        token = str((page.get("metadata") or {}).get("continue") or "")
        page = None
        if not token:
            break
    where = f" in {namespace}" if namespace else ""
    log.info("listed %s%s (%d page%s)", resource.describe(), where, pages, "s"[: pages > 1])


# The one empty mapping every managedFields tree's leaves become. Most nodes of a fieldsV1 tree
# are `{}` leaves (`"f:image": {}`, `".": {}`), about 40 per object and a fifth of a live
# object's memory; read only, they can all be one object. Nothing may change it.
_LEAF: dict[str, Any] = {}


def share_empty_leaves(item: Mapping[str, Any]) -> None:
    """Make every empty mapping in the item's managedFields trees the one shared `_LEAF`: the
    same value, the memory of one."""
    metadata = item.get("metadata")
    entries = metadata.get("managedFields") if type(metadata) is dict else None
    if type(entries) is not list:
        return
    for entry in entries:
        fields = entry.get("fieldsV1") if type(entry) is dict else None
        if type(fields) is dict:
            _share(fields)


def _share(node: dict[str, Any]) -> None:
    for key, child in node.items():
        if type(child) is dict:
            if child:
                _share(child)
            else:
                node[key] = _LEAF  # the same key: the dict's size does not change mid-loop


def _explain(exc: ApiError, resource: ApiResource, namespace: str | None) -> str:
    where = f" in namespace {namespace}" if namespace else " cluster-wide"
    if exc.code == 403:
        return (
            f"forbidden: RBAC does not allow 'list' on {resource.describe()}{where} "
            f"(grant get and list; see deploy/rbac.yaml)"
        )
    if exc.code == 404:
        return f"{resource.describe()} is not served{where} (404): is the CRD installed?"
    return f"cannot list {resource.describe()}{where}: {exc}"
