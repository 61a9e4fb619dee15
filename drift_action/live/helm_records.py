"""Helm's release records for the releases that manage the live objects read.

The record (the Secret `sh.helm.release.v1.<release>.v<N>`) is what Helm last applied; the
comparison reads it as kubectl's last-applied annotation (`compare/helm_record.py`). Only the
latest deployed revision is wanted, and its number is not written on the objects, so the
release's Secrets are listed by Helm's own labels (`owner=helm,name=<release>,status=deployed`),
one request per release. Without permission to list Secrets there, nothing is read and the
comparison falls back to managedFields with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from drift_action.compare.helm_record import Release, release_of
from drift_action.core.model import ResourceKey
from drift_action.live.kube_client import ApiError, KubeClient

log = logging.getLogger(__name__)


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
    client: KubeClient, releases: Iterable[Release]
) -> tuple[list[dict[str, Any]], dict[Release, str]]:
    """The deployed revisions' Secrets of each release (the comparison picks the latest), and
    why each release whose Secrets could not be listed was not read (RBAC, most often)."""
    secrets: list[dict[str, Any]] = []
    failed: dict[Release, str] = {}
    for namespace, name in sorted(releases):
        path = f"/api/v1/namespaces/{quote(namespace, safe='')}/secrets"
        selector = f"owner=helm,name={name},status=deployed"
        try:
            answer = client.get_json(path, {"labelSelector": selector})
        except ApiError as exc:  # forbidden, most often: the comparison warns per release
            log.info("Helm release %s/%s: its record is not readable (%s)", namespace, name, exc)
            failed[(namespace, name)] = str(exc)
            continue
        items = answer.get("items") if isinstance(answer, Mapping) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping):
                secrets.append({"apiVersion": "v1", "kind": "Secret", **item})
    return secrets, failed
