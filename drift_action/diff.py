"""Field-by-field comparison of one desired object with its live counterpart.

Every field the desired object sets must have the same value in the live object; fields only
the live object has (server defaults, controller bookkeeping) are not drift. Lists with a merge
key are matched item by item, so order and server-added items do not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dictdiffer

from drift_action.merge_keys import index_by_key, key_fields
from drift_action.model import Change, ChangeType, KubeObject
from drift_action.normalize import comparable, is_secret
from drift_action.paths import ListKey, Path

REDACTED = "(hidden)"


def diff_objects(desired: KubeObject, live: KubeObject) -> tuple[Change, ...]:
    kind = desired.key.kind
    want = comparable(desired.key, desired.body, desired=True)
    have = comparable(live.key, live.body, desired=False)
    aligned_want, aligned_have = _align(kind, (), want, have)
    changes: list[Change] = []
    for event, raw_path, payload in dictdiffer.diff(aligned_want, aligned_have, dot_notation=False):
        path: Path = tuple(raw_path)
        if event == "change":
            old, new = payload
            if not (_is_empty(old) and _is_empty(new)):
                changes.append(Change(path, ChangeType.CHANGED, _plain(old), _plain(new)))
        elif event == "remove":
            for field, old in payload:
                if not _is_empty(old):
                    changes.append(Change((*path, field), ChangeType.MISSING, _plain(old), None))
        # "add" events are fields only the live object has: defaults, not drift.
    if is_secret(desired.key):
        changes = [_redact(c) if c.path[:1] in (("data",), ("stringData",)) else c for c in changes]
    return tuple(changes)


def _align(kind: str, path: Path, want: Any, have: Any) -> tuple[Any, Any]:
    """Reshape both sides so that dictdiffer walks keyed lists by key and other lists whole."""
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        out_want: dict[Any, Any] = {}
        out_have: dict[Any, Any] = dict(have)
        for field, value in want.items():
            if field in have:
                out_want[field], out_have[field] = _align(kind, (*path, field), value, have[field])
            else:
                out_want[field] = value
        return out_want, out_have
    if isinstance(want, list) and isinstance(have, list):
        return _align_lists(kind, path, want, have)
    return want, have


def _align_lists(kind: str, path: Path, want: list[Any], have: list[Any]) -> tuple[Any, Any]:
    fields = key_fields(kind, path)
    if fields is not None:
        want_items = index_by_key(want, fields)
        have_items = index_by_key(have, fields)
        if want_items is not None and have_items is not None:
            return _align(kind, path, want_items, have_items)
    if len(want) == len(have) and all(isinstance(item, Mapping) for item in want):
        # Same length: compare item by item so defaults inside items do not count.
        return _align(kind, path, dict(enumerate(want)), dict(enumerate(have)))
    # Atomic: a tuple is compared by value, never walked.
    return tuple(want), tuple(have)


def _plain(value: Any) -> Any:
    """Undo the alignment: keyed dicts and tuples back to lists."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        if value and all(isinstance(k, ListKey | int) for k in value):
            return [_plain(v) for v in value.values()]
        return {k: _plain(v) for k, v in value.items()}
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, Mapping | list | tuple | str) and len(value) == 0)


def _redact(change: Change) -> Change:
    return Change(
        change.path,
        change.type,
        REDACTED if change.desired is not None else None,
        REDACTED if change.live is not None else None,
        redacted=True,
    )
