"""Which resource (plural, scope, verbs) serves each desired kind, from the API's discovery.

Documents are fetched when needed and cached for the run: /api/v1 only when a core kind is
wanted, /apis once, and one /apis/{group}/{version} per group that a desired object uses; the
reader prefetches them in one concurrent round (two when Git names a version not served).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from drift_action.live.kube_client import ApiError, ClusterError


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


_GROUP = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_VERSION = re.compile(r"v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?")
_MAX_GUESSES = 32


class NotServed(Exception):
    """The cluster does not serve this kind (at any version)."""


class Discovery:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._flight_lock = threading.Lock()
        self._in_flight: dict[str, threading.Event] = {}
        self._documents: dict[
            str, Any
        ] = {}  # path -> document, or the error that fetching it raised
        self._groups: dict[str, tuple[list[str], str]] | None = None  # group -> versions, preferred
        self._resources: dict[tuple[str, str], dict[str, ApiResource]] = {}

    def prefetch(self, wanted: Iterable[tuple[str, str]], concurrency: int) -> None:
        """Fetch the documents that resolving these (group, version)s needs, at the same time.

        One round of concurrent requests instead of one round trip per document; on a distant
        API server that is most of discovery. The group versions Git names are fetched in that
        round too, before /apis says they are served (they almost always are); a second round
        fetches the preferred version where one was not.
        """
        wanted = set(wanted)
        first = ["/apis"] if any(group for group, _ in wanted) else []
        first += ["/api/v1"] if any(not group for group, _ in wanted) else []
        # Capped and well-formed only: manifests must not make the tool flood the API server.
        guesses = sorted(
            _path(g, v) for g, v in wanted if g and _GROUP.fullmatch(g) and _VERSION.fullmatch(v)
        )
        if isinstance(self._documents.get("/apis"), dict):  # known: no guess needed
            guesses = []
        self._fetch_all(first + guesses[:_MAX_GUESSES], concurrency)
        second = []
        for group, version in wanted:
            if not group:
                continue
            try:
                versions, preferred = self._versions(group)
            except (NotServed, ApiError, ClusterError):
                continue  # resolve() reports it
            second.append(_path(group, version if version in versions else preferred))
        self._fetch_all(second, concurrency)

    def _fetch_all(self, paths: list[str], concurrency: int) -> None:
        paths = [path for path in dict.fromkeys(paths) if path not in self._documents]
        if len(paths) <= 1 or concurrency <= 1:
            for path in paths:
                self._fetch(path)
            return
        with ThreadPoolExecutor(max_workers=min(concurrency, len(paths))) as pool:
            list(pool.map(self._fetch, paths))

    def _fetch(self, path: str) -> None:
        # A prefetch (live/prefetch.py) fetches from several threads: a document already being
        # fetched is waited for, not asked for twice.
        with self._flight_lock:
            if path in self._documents:
                return
            flight = self._in_flight.get(path)
            if flight is None:
                flight = self._in_flight[path] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            flight.wait()
            if path not in self._documents:  # the other fetch failed outright: try here
                self._fetch(path)
            return
        try:
            self._documents[path] = self._transport.get_json(path)
        except (ApiError, ClusterError) as exc:
            self._documents[path] = exc  # raised again where the document is needed
        finally:
            with self._flight_lock:
                del self._in_flight[path]
            flight.set()

    def _document(self, path: str) -> Any:
        if path not in self._documents:
            self._fetch(path)
        found = self._documents[path]
        if isinstance(found, Exception):
            raise found
        return found

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
            self._groups = _groups(self._document("/apis"))
        if group not in self._groups:
            raise NotServed(f"API group {group} is not served by the cluster")
        return self._groups[group]

    def _resources_of(self, group: str, version: str) -> dict[str, ApiResource]:
        key = (group, version)
        if key not in self._resources:
            try:
                document = self._document(_path(group, version))
            except ApiError as exc:
                if exc.code != 404:
                    raise
                document = {}
            self._resources[key] = _resources(document, group, version)
        return self._resources[key]


def _path(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


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
