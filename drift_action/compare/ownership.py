"""Field ownership: who last wrote a live value, what Git dropped, and what people added by hand.

Plain "every desired field matches" misses two kinds of drift that managedFields (and kubectl's
last-applied annotation) reveal: a field the deployer set that Git no longer sets but that is
still live, and a field a person added with kubectl edit/patch/scale that Git never set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.compare.defaults import never_a_default
from drift_action.compare.managed_fields import (
    NOTHING,
    Claim,
    ManagerEntry,
    decode_key,
    find_item,
    item_owned,
    ownership,
)
from drift_action.compare.managers import ManagerClasses
from drift_action.compare.merge_keys import index_by_key, item_key, key_fields
from drift_action.core.model import Actor, Attribution, Change, ChangeType
from drift_action.core.paths import ListKey, Path

# Client-side `kubectl apply` keeps its own exact record, the last-applied annotation; its Update
# entry owns the same fields and the server's defaults, and may be a person's one-off apply.
ANNOTATED_APPLIERS = frozenset({"kubectl-client-side-apply"})


@dataclass(frozen=True)
class Owners:
    """The managedFields of one live object, read against that object."""

    kind: str
    entries: tuple[ManagerEntry, ...]
    live: Mapping[str, Any]  # the live object, as compared (normalized)
    managers: ManagerClasses

    def claimants(self, path: Path) -> list[ManagerEntry]:
        """Entries that record the field itself, else those that own it as part of a leaf above."""
        for claim in (Claim.EXACT, Claim.ATOMIC):
            found = [e for e in self.entries if ownership(e, self.live, path) is claim]
            if found:
                return found
        return []

    def attribution(self, path: Path) -> Attribution | None:
        """The manager that owns the live value at `path`; the most recent writer on a tie."""
        claimants = self.claimants(path)
        if claimants:
            return self._attribution(max(claimants, key=_recency(self.entries)))
        by_item = [(item_owned(e, self.live, path), e) for e in self.entries]
        by_item = [(depth, e) for depth, e in by_item if depth > 0]
        if by_item:
            deepest = max(depth for depth, _ in by_item)
            owners = [e for depth, e in by_item if depth == deepest]
            return self._attribution(max(owners, key=_recency(self.entries)))
        return None

    def _attribution(self, entry: ManagerEntry) -> Attribution:
        return Attribution(
            entry.manager,
            entry.operation,
            entry.time,
            self.managers.classify(entry.manager),
            entry.subresource,
        )

    def out_of_git(self, desired: Mapping[str, Any]) -> list[Change]:
        """Live fields that a deployer applied or a person wrote, and that Git does not set.

        Server-side *Apply* entries say what a deployer meant. An Update entry (Helm,
        client-side kubectl apply) also owns the defaults the server filled in when it created
        the object, so from it only what cannot be a default counts (`never_a_default`); its
        scalars are read from kubectl's annotation or Helm's release record instead.
        """
        found: dict[Path, tuple[Any, ChangeType]] = {}
        for entry in self.entries:
            actor = self.managers.classify(entry.manager)
            update = actor is Actor.DEPLOYER and entry.operation != "Apply"
            if update and entry.manager in ANNOTATED_APPLIERS:
                continue  # its annotation records exactly what it applied: read that instead
            if actor is Actor.DEPLOYER:
                kind = ChangeType.REMOVED
            elif actor is Actor.HUMAN:
                kind = ChangeType.ADDED
            else:
                continue
            for path, value in _not_in_desired(
                self.kind, entry.fields, self.live, desired, (), out=[]
            ):
                if update and not never_a_default(self.kind, path):
                    continue
                if found.get(path, (None, None))[1] is not ChangeType.REMOVED:
                    found[path] = (value, kind)
        return [
            Change(path, kind, None, value, attribution=self.attribution(path))
            for path, (value, kind) in found.items()
        ]


def _recency(entries: tuple[ManagerEntry, ...]) -> Any:
    order = {id(e): i for i, e in enumerate(entries)}
    return lambda e: (e.time or "", order[id(e)])


_NOT_MAPS = frozenset({str, int, float, bool, list, type(None)})


def _is_map(value: Any) -> bool:
    # Parsed JSON holds plain dicts and these: exact type checks first, the slow ABC one for
    # anything else.
    kind = type(value)
    return kind is dict or (kind not in _NOT_MAPS and isinstance(value, Mapping))


# The walks below append to one list rather than yield: the fieldsV1 tree of every compared
# object is walked, and a generator per node costs more than the walk itself.
Found = list[tuple[Path, Any]]


def _not_in_desired(
    kind: str, fields: Mapping[str, Any], live: Any, desired: Any, path: Path, *, out: Found
) -> Found:
    live_map = _is_map(live)
    desired_map = _is_map(desired)
    for raw_key, node in fields.items():
        if type(node) is not dict and not _is_map(node):
            continue
        if raw_key[:2] == "f:":  # most keys: decode_key's answer without its call
            if not live_map or (value := raw_key[2:]) not in live:
                continue  # gone from the live object: nothing to report
            step: Path = (*path, value)
            want = desired.get(value) if desired_map else None
            if want is None and len(node) <= ("." in node):  # a leaf (no key but ".")
                out.append((step, live[value]))
            else:
                # Descend even when Git dropped the whole map: report only the owned leaves.
                _not_in_desired(kind, node, live[value], want, step, out=out)
            continue
        decoded = decode_key(raw_key)
        if decoded is not None and isinstance(live, list):
            _list_item(kind, decoded, node, live=live, desired=desired, path=path, out=out)
    return out


def _list_item(
    kind: str,
    decoded: tuple[str, Any],
    node: Mapping[str, Any],
    *,
    live: list[Any],
    desired: Any,
    path: Path,
    out: Found,
) -> None:
    prefix, value = decoded
    wanted = desired if isinstance(desired, list) else []
    if prefix == "v":
        if value in live and value not in wanted:
            out.append(((*path, live.index(value)), value))
        return
    if prefix == "i":
        if isinstance(value, int) and 0 <= value < len(live):
            want = wanted[value] if value < len(wanted) else None
            if want is None:
                out.append(((*path, value), live[value]))
            else:
                _not_in_desired(kind, node, live[value], want, (*path, value), out=out)
        return
    if prefix != "k" or not isinstance(value, Mapping):
        return
    segment = _segment(kind, path, value)
    item = find_item(live, segment)
    if item is NOTHING:
        return
    want = find_item(wanted, segment)
    if want is NOTHING:
        out.append(((*path, segment), item))
    else:
        _not_in_desired(kind, node, item, want, (*path, segment), out=out)


def _segment(kind: str, path: Path, key: Mapping[str, Any]) -> ListKey:
    """The same ListKey the diff uses for this item, so both name it alike."""
    fields = key_fields(kind, path)
    ordered = list(fields) if fields is not None and set(fields) == set(key) else list(key)
    return ListKey(tuple((name, str(key[name])) for name in ordered))


def applied_not_in_desired(
    kind: str, applied: Mapping[str, Any], live: Mapping[str, Any], desired: Mapping[str, Any]
) -> list[tuple[Path, Any]]:
    """Fields the last `kubectl apply` set that Git no longer sets, where they are still live."""
    return list(_data_not_in_desired(kind, applied, live, desired, ()))


def _data_not_in_desired(
    kind: str, applied: Any, live: Any, desired: Any, path: Path
) -> Iterator[tuple[Path, Any]]:
    # All three come from comparable(): plain dicts, so the exact checks (cheap) suffice.
    if isinstance(applied, dict) and isinstance(live, dict):
        for field, value in applied.items():
            if field not in live:
                continue
            want = desired.get(field) if isinstance(desired, dict) else None
            if isinstance(value, dict | list) and not value:
                continue  # `annotations: {}` applied nothing
            if want is None and not isinstance(value, dict):
                yield (*path, field), live[field]
            else:
                yield from _data_not_in_desired(kind, value, live[field], want, (*path, field))
        return
    fields = key_fields(kind, path)
    if fields is None or not isinstance(applied, list) or not isinstance(live, list):
        return  # atomic values: the diff compares what Git sets
    live_items = index_by_key(live, fields) or {}
    wanted = index_by_key(desired, fields) if isinstance(desired, list) else {}
    for item in applied:
        key = item_key(item, fields)
        if key is None or key not in live_items:
            continue
        if wanted is None or key not in wanted:
            yield (*path, key), live_items[key]
        else:
            yield from _data_not_in_desired(kind, item, live_items[key], wanted[key], (*path, key))
