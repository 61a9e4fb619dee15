"""The live state of the desired objects, read from a cluster: discovery, then one LIST per type."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drift_action.compare.extras import labels, records
from drift_action.core.model import KubeObject, SourceLocation, Unreadable
from drift_action.core.objects import RawObject
from drift_action.core.scope import ScopeResolver
from drift_action.core.selector import Selector
from drift_action.live.applysets import applyset_members
from drift_action.live.discovery import ApiResource, Discovery, NotServed, Transport
from drift_action.live.fetch import ListTask, fetch_all
from drift_action.live.helm_records import read_records, releases_of
from drift_action.live.kube_client import ApiError, ClusterError, KubeClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveRead:
    objects: list[RawObject]
    unreadable: Unreadable
    requests: int
    bytes_read: int


class ClusterReader:
    def __init__(
        self,
        client: KubeClient,
        *,
        discovery: Discovery | None = None,
        lists: Transport | None = None,
    ) -> None:
        self.client = client
        # Both may come from a prefetch (live/prefetch.py): its discovery documents, and the
        # LIST answers it fetched while Git was parsed.
        self.discovery = discovery or Discovery(client)
        self._lists: Transport = lists or client
        self._resources: dict[tuple[str, str], ApiResource] = {}
        self._unserved: dict[tuple[str, str], str] = {}
        self.warnings: list[str] = []  # what the last read could not do, short of an error

    def learn_scopes(self, desired: Iterable[RawObject], scopes: ScopeResolver) -> None:
        """Resolve each desired kind through discovery; the cluster knows its scope best."""
        desired = list(desired)
        self.discovery.prefetch(
            {(obj.group, obj.api_version.rpartition("/")[2]) for obj in desired},
            self.client.spec.concurrency,
        )
        unanswered: ClusterError | None = None
        for obj in desired:
            key = (obj.group, obj.kind)
            if key in self._resources or key in self._unserved:
                continue
            version = obj.api_version.rpartition("/")[2]
            try:
                resource = self.discovery.resolve(obj.group, obj.kind, version)
            except NotServed as exc:
                self._unserved[key] = f"{exc}: is the CRD installed?"
                continue
            except (ApiError, ClusterError) as exc:
                # One group's document failing (an aggregated API down or hanging) fails its kinds.
                self._unserved[key] = f"discovery of {obj.api_version} failed: {exc}"
                if isinstance(exc, ClusterError):
                    unanswered = exc
                continue
            self._resources[key] = resource
            scopes.learn(obj.group, obj.kind, namespaced=resource.namespaced)
        if unanswered is not None and not self._resources:
            raise unanswered  # nothing could be discovered: the cluster itself does not answer

    def read(self, desired: Sequence[KubeObject], selector: Selector | None) -> LiveRead:
        wanted: dict[tuple[str, str], set[str]] = {}
        names = {(obj.key.namespace, obj.key.name) for obj in desired}
        spaces = {obj.key.namespace for obj in desired}
        for obj in desired:
            if (obj.key.group, obj.key.kind) in self._resources:
                wanted.setdefault((obj.key.group, obj.key.kind), set()).add(obj.key.namespace)
        tasks = [
            ListTask(self._resources[kind], tuple(sorted(ns for ns in namespaces if ns)))
            for kind, namespaces in sorted(wanted.items())
        ]
        log.info("reading %d resource types from %s", len(tasks), self.client.described)

        def keep(item: Mapping[str, Any]) -> bool:
            return _belongs(item, names, spaces, selector)

        fetched = fetch_all(
            self._lists,
            tasks,
            keep=keep,
            page_size=self.client.spec.page_size,
            concurrency=self.client.spec.concurrency,
        )
        if (
            tasks
            and len(fetched.failures) >= len(tasks)
            and all(
                "cannot reach" in f.message or "did not answer" in f.message
                for f in fetched.failures
            )
        ):
            raise ClusterError(fetched.failures[0].message)
        kinds = dict(self._unserved)
        namespaces: dict[tuple[str, str, str], str] = {}
        for failure in fetched.failures:
            kind = (failure.resource.group, failure.resource.kind)
            if failure.namespace is None:
                kinds[kind] = failure.message
            else:
                namespaces[(*kind, failure.namespace)] = failure.message
        source = SourceLocation(f"cluster {self.client.host}")
        bodies = list(fetched.objects)
        have = {_identity(body) for body in bodies}
        # Helm's record of what it applied, for the releases of the desired objects' counterparts.
        paired = [body for body in bodies if _identity(body)[1:] in names]
        records, unread_records = read_records(self.client, releases_of(paired))
        bodies += [body for body in records if _identity(body) not in have]
        # ApplySet members of kinds Git no longer declares: possible extras.
        members, self.warnings = applyset_members(
            self.client, self.discovery, bodies, set(wanted), spaces
        )
        bodies += [body for body in members if _identity(body) not in have]
        objects = [RawObject(body, source) for body in bodies]
        log.info(
            "read %d live objects in %d requests (%.1f MB)",
            len(objects),
            self.client.counters.requests,
            self.client.counters.bytes_read / 1e6,
        )
        return LiveRead(
            objects,
            Unreadable(kinds, namespaces, unread_records),
            self.client.counters.requests,
            self.client.counters.bytes_read,
        )

    def dry_run(self, obj: KubeObject) -> Mapping[str, Any]:
        """The object as a server-side apply of `obj` would leave it (nothing is written)."""
        resource = self._resources[(obj.key.group, obj.key.kind)]
        body = dict(obj.body)
        metadata = dict(body.get("metadata") or {})
        if resource.namespaced:
            metadata["namespace"] = obj.key.namespace
        body["metadata"] = metadata
        answer = self.client.apply_dry_run(
            resource.object_path(obj.key.namespace, obj.key.name), body
        )
        if not isinstance(answer, Mapping):
            raise ApiError(200, "BadResponse", "the dry run did not return an object")
        return answer


def _identity(body: Mapping[str, Any]) -> tuple[str, str, str]:
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return (
        str(body.get("kind")),
        str(metadata.get("namespace") or ""),
        str(metadata.get("name") or ""),
    )


def _belongs(
    item: Mapping[str, Any],
    names: set[tuple[str, str]],
    spaces: set[str],
    selector: Selector | None,
) -> bool:
    """Whether a listed item is a desired object's counterpart or a possible extra."""
    metadata = item.get("metadata")
    if not isinstance(metadata, Mapping):
        return False
    namespace = str(metadata.get("namespace") or "")
    if namespace not in spaces:
        return False
    if next(records(item), None) is not None:  # a tool's record may make it an extra
        return True
    if selector is not None and selector.matches(labels(item)):
        return True
    return (namespace, str(metadata.get("name") or "")) in names
