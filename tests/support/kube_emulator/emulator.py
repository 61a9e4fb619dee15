"""KubeEmulator: the object store, the served types and the server's lifecycle."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import Any

from .apply import MutationHook
from .discovery import Discovery
from .faults import Fault, Faults
from .kubeconfig import write_kubeconfig
from .resources import (
    BUILTIN_TYPES,
    Registry,
    ResourceType,
    from_crd,
    select_types,
    split_api_version,
)
from .server import EmulatorServer
from .status import ApiError
from .store import Entry, Store, flatten, make_entry
from .tls import Certificates, make_certificates


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0  # the code sent; 0 when a fault dropped or cut the connection
    at: float = field(default=0.0, compare=False)  # time.monotonic() when the request arrived


class KubeEmulator:
    """A Kubernetes API server on 127.0.0.1 for tests and benchmarks: reads, and writes by PATCH.

    `objects`: live objects (`kind: List` flattened); CRDs among them serve their kinds,
    objects of unknown kinds raise ValueError. `token`: require "Authorization: Bearer".
    `tls`: serve https with a fresh CA (`ca_file`). `latency`: seconds added to every
    request (settable later). `served_kinds`: "Kind" / "Kind.group" entries restrict what
    is served (objects of other kinds load but stay invisible, like a CRD that is not
    installed); ResourceType entries add types. `max_limit`: list `limit` cap.
    """

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        token: str | None = None,
        tls: bool = False,
        latency: float = 0.0,
        served_kinds: Iterable[str | ResourceType] | None = None,
        max_limit: int | None = None,
    ) -> None:
        self.token = token
        self.tls = tls
        self.latency = latency
        self.max_limit = max_limit
        self.faults = Faults()
        self.apply_hooks: list[MutationHook] = []
        self.store = Store()
        self._served_kinds = list(served_kinds) if served_kinds is not None else None
        self._known: dict[tuple[str, str], ResourceType] = {t.group_kind: t for t in BUILTIN_TYPES}
        self._records: list[RequestRecord] = []
        self._records_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp: Path | None = None
        self._certs: Certificates | None = None
        flat = list(flatten(objects))
        for obj in flat:
            if obj.get("kind") == "CustomResourceDefinition":
                self._learn_crd(obj)
        self._rebuild_registry()
        self._load(flat)

    # -- objects -----------------------------------------------------------------------

    def _learn_crd(self, crd: Mapping[str, Any]) -> None:
        rtype = from_crd(crd)
        self._known[rtype.group_kind] = rtype

    def _rebuild_registry(self) -> None:
        types: Iterable[ResourceType] = self._known.values()
        if self._served_kinds is not None:
            types = select_types(self._known, self._served_kinds)
            for rtype in types:
                self._known.setdefault(rtype.group_kind, rtype)
        # Swapped in whole, so request threads always see a consistent pair.
        self.registry = Registry(types)
        self.discovery = Discovery(self.registry, f"127.0.0.1:{self.port}")

    def _type_of(self, obj: Mapping[str, Any]) -> ResourceType:
        kind = str(obj.get("kind") or "")
        group, _ = split_api_version(str(obj.get("apiVersion") or ""))
        rtype = self._known.get((group, kind))
        if rtype is None:
            raise ValueError(
                f"kube emulator: unknown kind {kind!r} (apiVersion {obj.get('apiVersion')!r}): "
                "not built in and no CustomResourceDefinition for it among the objects"
            )
        if not (obj.get("metadata") or {}).get("name"):
            raise ValueError(f"kube emulator: a {kind} without metadata.name")
        return rtype

    def _load(self, objects: list[dict[str, Any]]) -> None:
        grouped: dict[tuple[str, str], dict[tuple[str, str], Entry]] = {}
        with self.store.lock:
            for obj in objects:
                rtype = self._type_of(obj)
                key = self.store.stamp(obj, rtype.namespaced)
                grouped.setdefault(rtype.group_kind, {})[key] = make_entry(obj)
            for group_kind, entries in grouped.items():
                self.store.bucket(group_kind).bulk_load(entries)

    def add(self, obj: Mapping[str, Any]) -> None:
        """Add or replace objects (a List is flattened); a CRD starts serving its kind."""
        flat = list(flatten([obj]))
        if any(o.get("kind") == "CustomResourceDefinition" for o in flat):
            for crd in (o for o in flat if o.get("kind") == "CustomResourceDefinition"):
                self._learn_crd(crd)
            self._rebuild_registry()
        grouped: dict[tuple[str, str], dict[tuple[str, str], Entry]] = {}
        with self.store.lock:
            for item in flat:
                rtype = self._type_of(item)
                # A write gets a new resourceVersion, as it would in etcd.
                self.store.resource_version += 1
                item["metadata"]["resourceVersion"] = str(self.store.resource_version)
                key = self.store.stamp(item, rtype.namespaced)
                grouped.setdefault(rtype.group_kind, {})[key] = make_entry(item)
            for group_kind, entries in grouped.items():
                self.store.bucket(group_kind).put(entries)

    def remove(self, group: str, kind: str, name: str, namespace: str = "") -> bool:
        with self.store.lock:
            self.store.resource_version += 1
            return self.store.bucket((group, kind)).remove((namespace, name))

    def objects(self, group: str, kind: str) -> list[dict[str, Any]]:
        """Copies of the stored objects of one kind, sorted by namespace and name."""
        return self.store.snapshot((group, kind))

    def expire_continue_tokens(self) -> None:
        """Simulate etcd compaction: continue tokens issued so far answer 410 Expired."""
        self.store.expire_continue_tokens()

    def on_apply(self, hook: MutationHook) -> MutationHook:
        """Register a mutating-webhook stand-in run on every dry-run apply result."""
        self.apply_hooks.append(hook)
        return hook

    # -- faults, auth and request log -----------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def authorize(self, header: str) -> None:
        if self.token is not None and header != f"Bearer {self.token}":
            raise ApiError(401, "Unauthorized")

    def record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        status: int,
        at: float | None = None,
    ) -> None:
        at = time.monotonic() if at is None else at
        with self._records_lock:
            self._records.append(RequestRecord(method, path, query, status, at))

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the requests served so far, oldest first."""
        with self._records_lock:
            return list(self._records)

    def reset_requests(self) -> None:
        with self._records_lock:
            self._records.clear()

    def sleep(self, seconds: float) -> None:
        """Sleep that ends early when the server stops, so hung requests never block exit."""
        if seconds > 0:
            self._stopping.wait(seconds)

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else 0

    @property
    def url(self) -> str:
        self._require_running()
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> str | None:
        return str(self._certs.ca_file) if self._certs else None

    def _require_running(self) -> None:
        if self._server is None:
            raise RuntimeError("kube emulator is not running; use it as a context manager")

    def start(self) -> KubeEmulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._tmp = Path(tempfile.mkdtemp(prefix="kube-emulator-"))
        context = None
        if self.tls:
            self._certs = make_certificates(self._tmp)
            context = self._certs.server_context()
        self._server = EmulatorServer(self, context)
        self._rebuild_registry()  # discovery names the real port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="kube-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp, self._certs = None, None

    def __enter__(self) -> KubeEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def write_kubeconfig(
        self,
        path: str | Path,
        context: str = "emulator",
        token: str | EllipsisType | None = ...,
        namespace: str | None = None,
        *,
        certificate_authority: bool = True,
        insecure: bool = False,
    ) -> Path:
        """A kubeconfig for this server. `token` defaults to the emulator's own (None: no
        credentials); `certificate_authority=False` leaves the CA out, so TLS verification
        fails; `insecure=True` skips verification instead."""
        self._require_running()
        return write_kubeconfig(
            path,
            server=self.url,
            context=context,
            token=self.token if token is ... else token,
            namespace=namespace,
            ca_file=self.ca_file if certificate_authority else None,
            insecure=insecure,
        )
