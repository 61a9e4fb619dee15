"""How the deployer applied an object, read from the live object: kubectl's client-side apply,
or a server-side apply under a field manager of its own.

The fix must apply the same way. Server-side apply removes a field only when the manager that
applies no longer sets it and nobody else owns it, so applying under another manager's name
would leave the fields Git dropped in place; a client-side apply computes what to remove from
the last-applied annotation, which only client-side applies keep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.compare.managed_fields import parse_entries
from drift_action.compare.managers import ManagerClasses
from drift_action.compare.normalize import LAST_APPLIED
from drift_action.core.model import Actor

CLIENT_SIDE_MANAGER = "kubectl-client-side-apply"  # kubectl's name for its client-side applies
DEFAULT_MANAGER = "kubectl"  # what `kubectl apply --server-side` calls itself by default


@dataclass(frozen=True)
class Method:
    server_side: bool
    manager: str = ""  # the field manager of a server-side apply


CLIENT_SIDE = Method(server_side=False)
DEFAULT = Method(server_side=True, manager=DEFAULT_MANAGER)


def method_of(live: Mapping[str, Any], managers: ManagerClasses) -> Method | None:
    """How the object was applied, or None when the live object does not say.

    A deployer's server-side *Apply* entry wins over a client-side apply that is not newer: a
    deployer that moved to server-side apply keeps the old annotation (kubectl updates it).
    """
    entries, _ = parse_entries(live)
    applied = [
        e
        for e in entries
        if e.operation == "Apply"
        and e.subresource is None
        and managers.classify(e.manager) is Actor.DEPLOYER
    ]
    client = [e for e in entries if e.manager == CLIENT_SIDE_MANAGER and e.subresource is None]
    latest = max((e.time or "" for e in applied), default=None)
    tied = [e for e in applied if (e.time or "") == latest]
    # Counting an entry's fields walks its whole tree: only done between entries as new.
    newest = tied[0] if len(tied) == 1 else max(tied, key=lambda e: _size(e.fields), default=None)
    newest_client = max((e.time or "" for e in client), default=None)
    if newest is not None and (newest_client is None or (newest.time or "") >= newest_client):
        return Method(server_side=True, manager=newest.manager)
    if client or has_last_applied(live):
        return CLIENT_SIDE
    return None


def has_last_applied(live: Mapping[str, Any]) -> bool:
    metadata = live.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return isinstance(annotations, Mapping) and isinstance(annotations.get(LAST_APPLIED), str)


def usual(methods: Iterable[Method]) -> Method:
    """How the objects deployed with one that is not live yet were applied: the most common
    way (a tie goes to the first seen), else kubectl's own server-side apply."""
    counted = Counter(methods)
    if not counted:
        return DEFAULT
    return counted.most_common(1)[0][0]


def _size(fields: Mapping[str, Any]) -> int:
    """How many fields an entry owns: of two entries as new, the bigger one is the deployer's."""
    return sum(1 + _size(child) for child in fields.values() if isinstance(child, Mapping))


__all__ = ["CLIENT_SIDE", "DEFAULT", "Method", "has_last_applied", "method_of", "usual"]
