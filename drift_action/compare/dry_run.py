"""Let the API server decide: compare with what a server-side apply dry run of Git would give.

The dry run (`dryRun=All`, this tool's field manager) runs the server's defaulting and the
admission webhooks on the Git object. A value that Git and the cluster spell differently but
that the server turns into the live value is not drift; a field that the dry run would change is.
Fields only the ownership rules report (removed from Git, added by hand) are kept as they are:
an apply under another field manager never removes the deployer's or a person's fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from drift_action.compare.diff import FieldDiff
from drift_action.compare.managed_fields import NOTHING, find_item
from drift_action.compare.marks import resolve
from drift_action.compare.modes import CONFIRMED_BY_VALUE, CompareMode
from drift_action.compare.normalize import comparable, is_secret
from drift_action.compare.verdicts import Settings, apply_rules, redact
from drift_action.core.model import (
    Change,
    ChangeType,
    KubeObject,
    Normalization,
    ResourceResult,
    Status,
)
from drift_action.core.paths import Path

__all__ = ["SERVER_SIDE", "CompareMode", "confirm"]  # CompareMode: defined in compare.modes

SERVER_SIDE = "server-side-dry-run"
_REASON = "a server-side apply dry run of the Git object gives the live value"


def confirm(
    result: ResourceResult,
    desired: KubeObject,
    live: KubeObject,
    predicted: Mapping[str, Any],
    settings: Settings,
) -> ResourceResult:
    """`result` re-judged against the dry run's answer (`predicted`)."""
    key = result.key
    server = _server_changes(desired, live, predicted, settings)
    server_paths = [c.path for c in server]

    kept: list[Change] = []
    notes: list[Normalization] = []
    for change in (*result.changes, *result.ignored):
        if change.type in CONFIRMED_BY_VALUE and not _overlaps(change.path, server_paths):
            notes.append(Normalization(SERVER_SIDE, change.path_text, _REASON))
        else:
            kept.append(replace(change, ignored_by=None))
    seen = [c.path for c in kept]
    for change in server:
        if not _overlaps(change.path, seen):
            kept.append(change)
    kept, _ = resolve(desired).screen(kept, redact)  # its notes are in result.normalized
    if is_secret(key):
        kept = [redact(c) if c.path[:1] == ("data",) else c for c in kept]
    drift, ignored = apply_rules(key, kept, settings)
    return replace(
        result,
        status=Status.DRIFTED if drift else Status.IN_SYNC,
        message=result.message if drift else "",  # a source's hint is for drift only
        changes=tuple(drift),
        ignored=tuple(ignored),
        normalized=(*result.normalized, *notes),
    )


def _server_changes(
    desired: KubeObject, live: KubeObject, predicted: Mapping[str, Any], settings: Settings
) -> list[Change]:
    """Fields Git sets whose value the dry run would change.

    Fields Git does not set are left out even when the dry run differs there: those are the
    webhooks' and controllers' business (Argo CD ignores webhook mutations the same way).
    """
    key = desired.key
    would_be = comparable(key, predicted, desired=False)
    now = comparable(key, live.body, desired=False)
    git = comparable(key, desired.body, desired=False)
    gained = _diff(settings, key.kind, would_be, now)
    lost = [
        replace(c, type=ChangeType.CHANGED, desired=c.live, live=c.desired)
        for c in _diff(settings, key.kind, now, would_be)
    ]
    seen: list[Path] = []
    changes = []
    for change in (*gained, *lost):
        if _set_in_git(git, change.path) and not _overlaps(change.path, seen):
            seen.append(change.path)
            changes.append(change)
    return changes


def _set_in_git(git: Any, path: Path) -> bool:
    """Whether Git sets the field at `path` (or, for an atomic value, the field above it)."""
    value = git
    for segment in path:
        if isinstance(segment, str) and isinstance(value, Mapping):
            if segment not in value:
                return False
            value = value[segment]
        elif not isinstance(segment, str) and isinstance(value, list):
            value = find_item(value, segment)
            if value is NOTHING:
                return False
        else:
            return True  # Git sets a scalar or an atomic list here, as a whole
    return True


def _diff(
    settings: Settings, kind: str, want: Mapping[str, Any], have: Mapping[str, Any]
) -> list[Change]:
    return FieldDiff(kind, settings.parse_quantity).changes(want, have)


def _overlaps(path: Path, others: list[Path]) -> bool:
    return any(path[: len(o)] == o or o[: len(path)] == path for o in others)
