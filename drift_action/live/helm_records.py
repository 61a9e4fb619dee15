"""Helm's release records for the releases that manage the live objects read.

The record (the Secret `sh.helm.release.v1.<release>.v<N>`) is what Helm last applied; the
comparison reads it as kubectl's last-applied annotation (`compare/helm_record.py`). Only the
latest deployed revision is wanted, and its number is not written on the objects, so the
Secrets are listed by Helm's own labels (`owner=helm,status=deployed`, and `name=<release>` or
`name in (...)`): one request per namespace for up to `_NAMES_PER_LIST` releases, not one per
release (a cluster of 250 releases over 4 namespaces costs 4 requests, not 250), a few at a
time. Without permission to list Secrets there, nothing is read and the comparison falls back
to managedFields with a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from drift_action.compare.helm_record import Release, release_of
from drift_action.core.model import ResourceKey
from drift_action.live.kube_client import ApiError, KubeClient

log = logging.getLogger(__name__)

# A selector names at most this many releases (the request line stays a few KiB), and a page
# holds at most `_PAGE` Secrets: a record may be up to 1 MiB.
_NAMES_PER_LIST = 50
_PAGE = "100"
# Helm's `name` label holds the release name; anything else (a hand-edited annotation) would
# not be a label value, and must not reach the selector's syntax.
_LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)\Z")

Batch = tuple[str, tuple[str, ...]]  # a namespace and the release names listed in one go


def releases_of(objects: Iterable[Mapping[str, Any]]) -> set[Release]:
    found: set[Release] = set()
    for body in objects:
        metadata = body.get("metadata")
        if not isinstance(metadata, Mapping):
            continue
        key = ResourceKey("", "", str(metadata.get("namespace") or ""), "")
        release = release_of(key, body)
        if release is not None:
            found.add(release)
    return found


def read_records(
    client: KubeClient, releases: Iterable[Release], concurrency: int = 4
) -> tuple[list[dict[str, Any]], dict[Release, str]]:
    """The deployed revisions' Secrets of each release (the comparison picks the latest), and
    why each release whose Secrets could not be listed was not read (RBAC, most often)."""
    failed: dict[Release, str] = {}
    by_namespace: dict[str, list[str]] = {}
    for namespace, name in sorted(releases):
        if _LABEL_VALUE.match(name):
            by_namespace.setdefault(namespace, []).append(name)
        else:
            failed[(namespace, name)] = "its name is not a label value Helm could have written"
    batches = list(_batches(by_namespace))
    if not batches:
        return [], failed
    secrets: list[dict[str, Any]] = []
    workers = max(1, min(concurrency, len(batches)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # map keeps the batches' order: the records come back in the same order on every run.
        for (namespace, names), answer in zip(
            batches, pool.map(lambda batch: _list(client, *batch), batches), strict=True
        ):
            if isinstance(answer, ApiError):  # forbidden, most often: warned per release
                for name in names:
                    log.info(
                        "Helm release %s/%s: its record is not readable (%s)",
                        namespace,
                        name,
                        answer,
                    )
                    failed[(namespace, name)] = str(answer)
            else:
                secrets.extend(answer)
    return secrets, failed


def _batches(by_namespace: Mapping[str, list[str]]) -> Iterator[Batch]:
    for namespace, names in by_namespace.items():
        for start in range(0, len(names), _NAMES_PER_LIST):
            yield namespace, tuple(names[start : start + _NAMES_PER_LIST])


def _selector(names: tuple[str, ...]) -> str:
    which = f"name={names[0]}" if len(names) == 1 else f"name in ({','.join(names)})"
    return f"owner=helm,{which},status=deployed"


def _list(
    client: KubeClient, namespace: str, names: tuple[str, ...]
) -> list[dict[str, Any]] | ApiError:
    """Every page of the batch's deployed records, or the error that stopped the listing."""
    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/secrets"
    query = {"labelSelector": _selector(names)}
    found: list[dict[str, Any]] = []
    wanted = set(names)
    while True:
        try:
            answer = client.get_json(path, query if len(names) == 1 else {**query, "limit": _PAGE})
        except ApiError as exc:
            return exc
        items = answer.get("items") if isinstance(answer, Mapping) else None
        for item in items if isinstance(items, list) else []:
            labels = (
                (item.get("metadata") or {}).get("labels") if isinstance(item, Mapping) else None
            )
            # The server filtered already; this keeps a lax server from adding other releases.
            if isinstance(labels, Mapping) and labels.get("name") in wanted:
                found.append({"apiVersion": "v1", "kind": "Secret", **item})
        metadata = answer.get("metadata") if isinstance(answer, Mapping) else None
        token = metadata.get("continue") if isinstance(metadata, Mapping) else None
        if not token:
            return found
        query = {**query, "continue": str(token)}
