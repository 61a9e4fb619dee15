"""Start reading the cluster while Git's manifests are still being parsed.

Parsing is CPU work; the cluster read is mostly waiting on a distant server. So a worker thread
builds the client, fetches discovery for each kind as the parser meets it, and sends the LISTs
the read is sure to send; their answers wait, by path and query, until the read asks for them.
The read takes each answer once and sends anything else itself, so it makes the decisions and
gets the results of the serial read. Only requests the serial read would make are sent early:

- a cluster-scoped kind: its cluster-wide list, every page;
- a namespaced kind seen in two namespaces or more: the first cluster-wide page (the read asks
  for it whenever a kind is wanted in several namespaces), and the further pages only when that
  page says listing cluster-wide already costs no more requests than one list per namespace
  seen so far (more namespaces can only keep it so). A kind seen in one namespace waits for the
  read: it may be listed there alone.

Any failure here is left for the read to meet again: a client that cannot be built is built
again (and its error said) after the manifests, so a bad YAML file is still the first error.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from drift_action.core.identity import canonical_group
from drift_action.core.model import Document
from drift_action.live.discovery import ApiResource, Discovery
from drift_action.live.kube_client import KubeClient

log = logging.getLogger(__name__)

_MAX_GROUP_VERSIONS = 32  # as Discovery.prefetch's guesses: Git must not flood the server
Key = tuple[str, tuple[tuple[str, str], ...]]
_Seen = tuple[str, str, str]  # apiVersion, kind, namespace (or "")


@dataclass
class _Kind:
    resource: ApiResource | None = None  # None: not discovered (yet)
    namespaces: set[str] = field(default_factory=set)
    started: bool = False


class Prefetch:
    """The cluster read's first requests, sent from a thread of its own (see the module doc)."""

    def __init__(self, connect: Callable[[], KubeClient]) -> None:
        self._connect = connect
        self._events: queue.SimpleQueue[_Seen | None] = queue.SimpleQueue()
        self._noted: set[_Seen] = set()  # the parsing thread's own
        self._lock = threading.Lock()
        self._answers: dict[Key, Future[Any]] = {}
        self._taken: set[Key] = set()  # asked for by the read before they were sent here
        self._used = 0
        self._closed = False
        self._handed = False
        self._pool: ThreadPoolExecutor | None = None
        self._kinds_lock = threading.Lock()  # _kinds and _versions, for the worker and the pool
        self._kinds: dict[tuple[str, str], _Kind] = {}
        self._versions: set[tuple[str, str]] = set()
        self.client: KubeClient | None = None
        self.discovery: Discovery | None = None
        self._thread = threading.Thread(target=self._work, name="drift-action-prefetch")
        self._thread.start()

    # -- the parsing thread ----------------------------------------------------------------------

    def documents(self, documents: Sequence[Document], namespace: str) -> None:
        """Note the kinds of a file's documents as soon as it is parsed (cheap: no I/O here)."""
        for document in documents:
            if isinstance(document.data, Mapping):
                self.saw(document.data, namespace)

    def saw(self, body: Mapping[str, Any], namespace: str) -> None:
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return
        if kind.endswith("List") and "items" in body:  # its items are noted after the source
            return
        metadata = body.get("metadata")
        own = metadata.get("namespace") if isinstance(metadata, Mapping) else None
        seen = (api_version, kind, str(own or namespace or ""))
        if seen not in self._noted:
            self._noted.add(seen)
            self._events.put(seen)

    def handoff(self) -> tuple[KubeClient | None, Discovery | None]:
        """The client and discovery, once every kind noted is discovered; the caller owns the
        client from here (None: it could not be built here, build it again to say why)."""
        self._events.put(None)
        self._thread.join()
        self._handed = True
        return self.client, self.discovery

    def get_json(self, path: str, query: Mapping[str, str] | None = None) -> Any:
        """The read's transport: an answer fetched early, else the request sent now."""
        key = _key(path, query)
        with self._lock:
            answer = self._answers.pop(key, None)
            if answer is None:
                self._taken.add(key)
            else:
                self._used += 1
        if answer is not None:
            return answer.result()
        assert self.client is not None  # the read runs after a successful handoff
        return self.client.get_json(path, query)

    def close(self) -> None:
        """Stop: nothing more is sent, and no thread of this run is left running."""
        with self._lock:
            self._closed = True
            unused, self._answers = self._answers, {}
        for answer in unused.values():
            answer.cancel()
        self._events.put(None)
        self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None and not self._handed:
            self.client.close()
        log.debug(
            "prefetch: the read took %d answers fetched early, sent %d requests itself; %d "
            "answers were not asked for",
            self._used,
            len(self._taken),
            len(unused),
        )

    # -- the worker ------------------------------------------------------------------------------

    def _work(self) -> None:
        try:
            client = self._connect()
        except Exception as exc:  # the read builds it again and says why
            log.debug("prefetch: no client yet (%s)", exc)
            return
        self.client = client
        self.discovery = Discovery(client)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, client.spec.concurrency), thread_name_prefix="drift-action-list"
        )
        resolving: list[Future[None]] = []
        while (seen := self._events.get()) is not None and not self._closed:
            api_version, kind, namespace = seen
            group = canonical_group(api_version, kind)
            with self._kinds_lock:
                state = self._kinds.get((group, kind))
                if state is None:
                    state = self._kinds[(group, kind)] = _Kind()
                    version = api_version.rpartition("/")[2]
                    # Discovered off this thread: a slow group's document holds up no other.
                    resolving.append(self._pool.submit(self._resolve, state, group, kind, version))
                if namespace:
                    state.namespaces.add(namespace)
                self._consider(state)
        for done in resolving:  # the read uses discovery next: none of it is left running
            done.exception()

    def _resolve(self, state: _Kind, group: str, kind: str, version: str) -> None:
        assert self.discovery is not None and self.client is not None
        try:
            with self._kinds_lock:
                if (group, version) not in self._versions:
                    if len(self._versions) >= _MAX_GROUP_VERSIONS:
                        return
                    self._versions.add((group, version))
                    fetch = True
                else:
                    fetch = False
            if fetch:
                self.discovery.prefetch({(group, version)}, self.client.spec.concurrency)
            # As ClusterReader.learn_scopes: a kind is resolved at its first object's version.
            resource = self.discovery.resolve(group, kind, version)
        except Exception as exc:  # the read meets it again and reports it
            log.debug("prefetch: %s %s: %s", group, kind, exc)
            return
        with self._kinds_lock:
            state.resource = resource
            self._consider(state)

    def _consider(self, state: _Kind) -> None:
        """Send the kind's LISTs the read is sure to send (under _kinds_lock)."""
        resource = state.resource
        if resource is None or state.started or ("list" not in resource.verbs and resource.verbs):
            return
        assert self.client is not None
        page_size = str(self.client.spec.page_size)
        path = resource.list_path(None)
        if not resource.namespaced:
            state.started = True
            self._send(path, {"limit": page_size}, self._rest_of(path))
            return
        if len(state.namespaces) < 2:
            return
        state.started = True
        seen = len(state.namespaces)  # the read's count can only be larger
        rest = self._rest_of(path)

        def first(page: Any) -> None:
            remaining = (page.get("metadata") or {}).get("remainingItemCount")
            pages = 1 + math.ceil(remaining / int(page_size)) if isinstance(remaining, int) else 0
            if pages <= seen:  # the read lists it cluster-wide too (fetch._try_cluster_wide)
                rest(page)

        self._send(path, {"limit": page_size}, first)

    def _rest_of(self, path: str) -> Callable[[Any], None]:
        def rest(page: Any) -> None:
            token = str((page.get("metadata") or {}).get("continue") or "")
            if token:
                query = {"limit": str(self.client.spec.page_size if self.client else 0)}
                self._send(path, query | {"continue": token}, rest)

        return rest

    def _send(self, path: str, query: dict[str, str], then: Callable[[Any], None]) -> None:
        key = _key(path, query)
        with self._lock:
            if self._closed or key in self._taken or key in self._answers or self._pool is None:
                return
            # Registered before it is sent: the read finds it or waits for it, never resends it.
            self._answers[key] = self._pool.submit(self._get, path, query, then)

    def _get(self, path: str, query: dict[str, str], then: Callable[[Any], None]) -> Any:
        assert self.client is not None
        page = self.client.get_json(path, query)
        if isinstance(page, dict):
            try:
                then(page)  # the next page is registered before this one is answered
            except Exception as exc:  # only a page the read will send itself
                log.debug("prefetch: after %s: %s", path, exc)
        return page


def _key(path: str, query: Mapping[str, str] | None) -> Key:
    return path, tuple(sorted((query or {}).items()))
