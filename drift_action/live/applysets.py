"""Members of a kubectl ApplySet whose kind Git no longer declares at all.

The objects of the desired kinds are listed anyway; an orphan of another kind is found through
the ApplySet's parent (a Secret or ConfigMap labelled `applyset.kubernetes.io/id`), whose
`applyset.kubernetes.io/contains-group-kinds` annotation names every kind the set holds. Those
kinds are then listed by the members' `applyset.kubernetes.io/part-of` label. Nothing here is
fatal: a parent or kind that cannot be read only means fewer extras, and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from drift_action.compare.extras import APPLYSET_PART_OF, labels
from drift_action.live.discovery import Discovery, NotServed
from drift_action.live.kube_client import ApiError, ClusterError, KubeClient

log = logging.getLogger(__name__)

APPLYSET_ID = "applyset.kubernetes.io/id"
CONTAINS = "applyset.kubernetes.io/contains-group-kinds"
ADDITIONAL_NAMESPACES = "applyset.kubernetes.io/additional-namespaces"
_PARENT_PLURALS = ("secrets", "configmaps")  # where kubectl keeps an ApplySet's parent
_MAX_KINDS = 50  # a parent naming more is not followed further: it is not kubectl's


def applyset_members(
    client: KubeClient,
    discovery: Discovery,
    bodies: Iterable[Mapping[str, Any]],
    listed: set[tuple[str, str]],
    namespaces: set[str],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Members of the ApplySets the read objects belong to, of kinds not in `listed`."""
    ids = {labels(b).get(APPLYSET_PART_OF, "") for b in bodies} - {""}
    if not ids:
        return [], []
    found: list[dict[str, Any]] = []
    warnings: list[str] = []
    for parent in _parents(client, ids, namespaces, warnings):
        applyset = labels(parent)[APPLYSET_ID]
        annotations = _annotations(parent)
        spaces = {str(parent.get("metadata", {}).get("namespace") or "")}
        spaces |= {n.strip() for n in annotations.get(ADDITIONAL_NAMESPACES, "").split(",")}
        kinds = [k for k in _group_kinds(annotations.get(CONTAINS, "")) if k not in listed]
        for group, kind in kinds[:_MAX_KINDS]:
            try:
                resource = discovery.resolve(group, kind)
            except (NotServed, ApiError, ClusterError) as exc:
                log.info("applyset %s: kind %s.%s not readable: %s", applyset, kind, group, exc)
                continue
            for namespace in sorted(spaces - {""}) if resource.namespaced else [""]:
                path = resource.list_path(namespace or None)
                items = _list(client, path, f"{APPLYSET_PART_OF}={applyset}", warnings)
                prefix = {"apiVersion": resource.api_version, "kind": resource.kind}
                found += [{**prefix, **item} for item in items]
    return found, warnings


def _parents(
    client: KubeClient, ids: set[str], namespaces: set[str], warnings: list[str]
) -> list[Mapping[str, Any]]:
    selector = f"{APPLYSET_ID} in ({','.join(sorted(ids))})"
    parents: list[Mapping[str, Any]] = []
    for namespace in sorted(namespaces - {""}):
        for plural in _PARENT_PLURALS:
            path = f"/api/v1/namespaces/{quote(namespace, safe='')}/{plural}"
            parents += _list(client, path, selector, warnings)
    return [p for p in parents if labels(p).get(APPLYSET_ID) in ids]


def _list(
    client: KubeClient, path: str, selector: str, warnings: list[str]
) -> list[Mapping[str, Any]]:
    try:
        answer = client.get_json(path, {"labelSelector": selector})
    except (ApiError, ClusterError) as exc:
        warnings.append(f"ApplySet members at {path} not read ({exc}): extras may be missed")
        return []
    items = answer.get("items") if isinstance(answer, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _group_kinds(text: str) -> list[tuple[str, str]]:
    """`Deployment.apps,Service` as [("apps", "Deployment"), ("", "Service")]."""
    found = []
    for entry in (e.strip() for e in text.split(",")):
        kind, _, group = entry.partition(".")
        if kind:
            found.append((group, kind))
    return found


def _annotations(body: Mapping[str, Any]) -> dict[str, str]:
    metadata = body.get("metadata")
    found = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}
