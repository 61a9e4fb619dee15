"""Which resource (plural, scope, verbs) serves each desired kind, from the API's discovery.

Documents are fetched lazily and cached for the run: /api/v1 only when a core kind is wanted,
/apis once, and one /apis/{group}/{version} per group that a desired object uses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from drift_action.live.kube_client import ApiError


class Transport(Protocol):
    def get_json(self, path: str, query: dict[str, str] | None = None) -> Any: ...


@dataclass(frozen=True)
class ApiResource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def base_path(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def list_path(self, namespace: str | None) -> str:
        if self.namespaced and namespace:
            return f"{self.base_path}/namespaces/{namespace}/{self.plural}"
        return f"{self.base_path}/{self.plural}"

    def object_path(self, namespace: str, name: str) -> str:
        return f"{self.list_path(namespace if self.namespaced else None)}/{name}"

    def describe(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


class NotServed(Exception):
    """The cluster does not serve this kind (at any version)."""


class Discovery:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._groups: dict[str, tuple[list[str], str]] | None = None  # group -> versions, preferred
        self._resources: dict[tuple[str, str], dict[str, ApiResource]] = {}

    def resolve(self, group: str, kind: str, version: str | None = None) -> ApiResource:
        """The resource for group/kind, at `version` if served, else the preferred version."""
        with self._lock:
            versions, preferred = self._versions(group)
            order = [version] if version in versions else []
            order += [preferred, *versions]
            for candidate in dict.fromkeys(order):
                found = self._resources_of(group, candidate).get(kind)
                if found is not None:
                    return found
        where = f"group {group}" if group else "the core group"
        raise NotServed(f"kind {kind} is not served by the cluster in {where}")

    def _versions(self, group: str) -> tuple[list[str], str]:
        if group == "":
            return ["v1"], "v1"
        if self._groups is None:
            self._groups = _groups(self._transport.get_json("/apis"))
        if group not in self._groups:
            raise NotServed(f"API group {group} is not served by the cluster")
        return self._groups[group]

    def _resources_of(self, group: str, version: str) -> dict[str, ApiResource]:
        key = (group, version)
        if key not in self._resources:
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                document = self._transport.get_json(path)
            except ApiError as exc:
                if exc.code != 404:
                    raise
                document = {}
            self._resources[key] = _resources(document, group, version)
        return self._resources[key]


def _groups(document: Any) -> dict[str, tuple[list[str], str]]:
    groups: dict[str, tuple[list[str], str]] = {}
    for entry in document.get("groups") or [] if isinstance(document, dict) else []:
        name = entry.get("name")
        versions = [v.get("version") for v in entry.get("versions") or [] if v.get("version")]
        preferred = (entry.get("preferredVersion") or {}).get("version") or (
            versions[0] if versions else ""
        )
        if name and versions:
            groups[str(name)] = ([str(v) for v in versions], str(preferred))
    return groups


def _resources(document: Any, group: str, version: str) -> dict[str, ApiResource]:
    found: dict[str, ApiResource] = {}
    entries = document.get("resources") or [] if isinstance(document, dict) else []
    for entry in entries:
        name = str(entry.get("name") or "")
        kind = str(entry.get("kind") or "")
        if not name or not kind or "/" in name:  # subresources such as deployments/scale
            continue
        found.setdefault(
            kind,
            ApiResource(
                group,
                version,
                kind,
                name,
                bool(entry.get("namespaced")),
                frozenset(str(v) for v in entry.get("verbs") or ()),
            ),
        )
    return found
