"""Objects per (group, kind), pre-serialized, kept sorted by (namespace, name) for paging."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects


def _json_default(value: Any) -> str:
    # YAML loaders turn unquoted timestamps into datetimes; the API speaks RFC 3339 strings.
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo is not None else value
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(obj: Any) -> bytes:
    return json.dumps(
        obj, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode()


@dataclass(frozen=True)
class Entry:
    """One stored object: its JSON without apiVersion/kind (as list items are sent) plus
    the few fields requests look at. Only bytes and strings are kept, not the parsed
    object: with 10,000 objects, parsed dicts would make every garbage collection (in the
    test process that also runs the client) walk millions of containers."""

    item: bytes
    labels: Mapping[str, str]
    namespace: str
    name: str
    created: str
    api_version: str  # as loaded; requests may ask for another served version

    def load(self) -> dict[str, Any]:
        """A fresh parsed copy (callers may mutate it), without apiVersion/kind."""
        obj: dict[str, Any] = json.loads(self.item)
        return obj

    def with_type(self, api_version: str, kind: str) -> bytes:
        # Splice apiVersion/kind in front of the pre-serialized body: no re-encoding per GET.
        head = dumps({"apiVersion": api_version, "kind": kind})
        return head[:-1] + b"," + self.item[1:]


def make_entry(obj: Mapping[str, Any]) -> Entry:
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    created = meta.get("creationTimestamp")
    return Entry(
        item=dumps(body),
        labels={str(k): str(v) for k, v in labels.items()},
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        created=_json_default(created) if isinstance(created, date) else str(created or ""),
        api_version=str(obj.get("apiVersion") or ""),
    )


def flatten(objects: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Objects to load: Lists flattened, each a copy whose top level and metadata (what
    loading stamps) may be changed without touching the caller's object."""
    for obj in objects:
        kind = str(obj.get("kind") or "")
        if kind.endswith("List") and isinstance(obj.get("items"), list):
            # Items of a raw API list ("ConfigMapList") have no apiVersion/kind of their own.
            typed = {"apiVersion": obj.get("apiVersion"), "kind": kind[: -len("List")]}
            items = obj["items"] if kind == "List" else [{**typed, **i} for i in obj["items"]]
            yield from flatten(items)
        else:
            # Shallow copies: deep-copying 10,000 objects would dominate loading.
            yield {**obj, "metadata": dict(obj.get("metadata") or {})}


class ContinueError(ValueError):
    """A malformed continue token (400)."""


class ExpiredError(ValueError):
    """A continue token older than the last compaction (410 Expired). `inconsistent` is a
    token for the rest of the list at the current resourceVersion, as etcd3 storage offers."""

    def __init__(self, inconsistent: str) -> None:
        super().__init__("continue token expired")
        self.inconsistent = inconsistent


@dataclass
class Page:
    entries: list[tuple[Key, Entry]]
    resource_version: int
    continue_token: str | None
    remaining: int | None


def encode_continue(resource_version: int, last: Key) -> str:
    raw = dumps({"v": "meta.k8s.io/v1", "rv": resource_version, "start": list(last)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, Key]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        namespace, name = data["start"]
        return int(data["rv"]), (str(namespace), str(name))
    except (binascii.Error, ValueError, KeyError, TypeError) as err:
        raise ContinueError(f"continue key is not valid: {err}") from err


class Bucket:
    """The objects of one group/kind. Writers replace `keys` wholesale (copy-on-write) so
    readers can slice it without a lock while another thread adds objects."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.entries: dict[Key, Entry] = {}

    def bulk_load(self, items: dict[Key, Entry]) -> None:
        self.entries.update(items)
        self.keys = sorted(self.entries)

    def put(self, items: Mapping[Key, Entry]) -> None:
        """Add or replace; new keys cost one copy of the key list, not one per object."""
        new_keys = [k for k in items if k not in self.entries]
        self.entries.update(items)
        if len(new_keys) == 1:
            keys = list(self.keys)
            bisect.insort(keys, new_keys[0])
            self.keys = keys
        elif new_keys:
            self.keys = sorted([*self.keys, *new_keys])

    def remove(self, key: Key) -> bool:
        if self.entries.pop(key, None) is None:
            return False
        self.keys = [k for k in self.keys if k != key]
        return True


class Store:
    """All buckets plus the cluster-wide resourceVersion counter."""

    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.resource_version = 1000
        self.compacted = 0  # continue tokens issued at or below this rv are expired
        self.lock = threading.Lock()

    def bucket(self, group_kind: tuple[str, str]) -> Bucket:
        return self.buckets.setdefault(group_kind, Bucket())

    def stamp(self, obj: dict[str, Any], namespaced: bool) -> Key:
        """Fill in what a real server always sets, and return the object's key."""
        meta = obj.setdefault("metadata", {})
        if not namespaced:
            meta.pop("namespace", None)
        elif not meta.get("namespace"):
            meta["namespace"] = "default"
        rv = str(meta.get("resourceVersion") or "")
        if rv.isdigit():
            self.resource_version = max(self.resource_version, int(rv))
        else:
            self.resource_version += 1
            meta["resourceVersion"] = str(self.resource_version)
        key = (meta.get("namespace", ""), meta["name"])
        if not meta.get("uid"):
            meta["uid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{obj.get('kind')}/{key}"))
        meta.setdefault("creationTimestamp", "2024-01-01T00:00:00Z")
        return key

    def expire_continue_tokens(self) -> None:
        with self.lock:
            self.compacted = self.resource_version
            self.resource_version += 1

    def get(self, group_kind: tuple[str, str], key: Key) -> Entry | None:
        bucket = self.buckets.get(group_kind)
        return bucket.entries.get(key) if bucket else None

    def list_page(
        self,
        group_kind: tuple[str, str],
        namespace: str | None,
        *,
        limit: int | None,
        continue_token: str | None,
        predicate: Callable[[Key, Entry], bool] | None,
    ) -> Page:
        """One page: cost is O(log n + page) without selectors, O(scanned) with them."""
        bucket = self.buckets.get(group_kind) or Bucket()
        keys, entries = bucket.keys, bucket.entries
        lo, hi = 0, len(keys)
        if namespace is not None:
            lo = bisect.bisect_left(keys, (namespace, ""))
            hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
        rv = self.resource_version
        if continue_token:
            rv, last = decode_continue(continue_token)
            if rv <= self.compacted:
                raise ExpiredError(encode_continue(self.resource_version, last))
            lo = max(lo, bisect.bisect_right(keys, last))
        selected: list[tuple[Key, Entry]] = []
        index = lo
        if predicate is None:
            index = hi if limit is None else min(hi, lo + limit)
            selected = [(k, entries[k]) for k in keys[lo:index] if k in entries]
        else:
            while index < hi and (limit is None or len(selected) < limit):
                key = keys[index]
                index += 1
                entry = entries.get(key)
                if entry is not None and predicate(key, entry):
                    selected.append((key, entry))
        more = index < hi
        token = encode_continue(rv, keys[index - 1]) if more else None
        # Like the real server, remainingItemCount is only known without selectors.
        remaining = hi - index if more and predicate is None else None
        return Page(selected, rv, token, remaining)

    def snapshot(self, group_kind: tuple[str, str]) -> list[dict[str, Any]]:
        bucket = self.buckets.get(group_kind)
        if bucket is None:
            return []
        entries = [bucket.entries[k] for k in bucket.keys if k in bucket.entries]
        return [{"apiVersion": e.api_version, "kind": group_kind[1], **e.load()} for e in entries]
