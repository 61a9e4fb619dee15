"""Base, head and live: tell a pull request's own changes apart from drift already in the cluster.

Both desired states are compared with the same live objects through the same normalization
(`compare`), which gives two reports: head vs live and base vs live. Base and head are also
compared with each other, field by field. A field's class then follows from which of the three
agree (the table in the README):

    base == live, head != base        planned   the PR changes it on merge
    base != live, head == base        drift     merging re-applies Git, reverting the live value
    base != live, head == live        adopted   the PR writes the live value into Git
    base != live, head != either      conflict  the PR and the cluster moved apart

Paths are compared by prefix: one side may name a whole subtree where another names a leaf in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from drift_action.compare.diff import FieldDiff
from drift_action.compare.normalize import comparable
from drift_action.compare.verdicts import Settings
from drift_action.core.model import (
    Change,
    ChangeClass,
    KubeObject,
    Report,
    ResourceResult,
    Status,
)
from drift_action.core.paths import Path

_LIVE = (Status.DRIFTED, Status.IN_SYNC)  # results whose live object was read and compared


def against_base(
    head: Report,
    base: Report,
    head_desired: Sequence[KubeObject],
    base_desired: Sequence[KubeObject],
    *,
    description: str,
    settings: Settings,
) -> Report:
    """`head` (head vs live) with every difference classed, and the objects the PR deletes."""
    base_objects = {obj.key: obj for obj in base_desired}
    head_objects = {obj.key: obj for obj in head_desired}
    base_results = {r.key: r for r in base.resources}
    resources: list[ResourceResult] = []
    for result in head.resources:
        if result.status is Status.EXTRA:
            resources.append(_extra(result, base_objects.get(result.key)))
            continue
        base_obj = base_objects.get(result.key)
        head_obj = head_objects.get(result.key)
        found = base_results.get(result.key)
        if base_obj is None or head_obj is None or found is None:
            resources.append(_new_in_pr(result))
        else:
            planned = planned_paths(base_obj, head_obj, settings)
            resources.append(_classed(result, found, planned))
    seen = {r.key for r in head.resources}
    resources.extend(
        _deleted(result)
        for result in base.resources
        if result.key not in head_objects and result.key not in seen and result.status in _LIVE
    )
    return replace(head, resources=tuple(resources), base=description)


def planned_paths(base: KubeObject, head: KubeObject, settings: Settings) -> frozenset[Path]:
    """Where the PR changes the object: fields head sets differently, or base sets and head
    no longer does (or the other way round)."""
    if base.body == head.body:
        return frozenset()  # the usual case: most objects are not touched by a PR
    old = comparable(base.key, base.body, desired=True)
    new = comparable(head.key, head.body, desired=True)
    fields = FieldDiff(head.key.kind, settings.parse_quantity)
    found: set[Path] = set()
    for change in (*fields.changes(new, old), *fields.changes(old, new)):
        found.update(_leaves(change.path, change.desired))
    return frozenset(found)


def _leaves(path: Path, value: Any) -> Iterator[Path]:
    """A mapping one side lacks, as the fields in it: the PR adding `labels.tier` where base
    had no labels must not claim a `labels.debug` someone added by hand."""
    if isinstance(value, Mapping) and value:
        for name, inner in value.items():
            yield from _leaves((*path, name), inner)
    else:
        yield path


def overlaps(path: Path, paths: Iterable[Path]) -> bool:
    """Whether `path` is, contains or lies inside one of `paths`."""
    for other in paths:
        shorter = min(len(path), len(other))
        if path[:shorter] == other[:shorter]:
            return True
    return False


def _classed(
    result: ResourceResult, base: ResourceResult, planned: frozenset[Path]
) -> ResourceResult:
    if result.status is Status.MISSING:
        # Declared at base too and gone from the cluster: drift. (A new object is not here.)
        return result
    if result.status not in _LIVE or base.status not in _LIVE:
        return result  # errors stay errors, unclassed
    base_changes = {c.path: c for c in (*base.changes, *base.ignored)}
    changes = [_class_of(c, planned, base_changes) for c in result.changes]
    head_paths = [c.path for c in (*result.changes, *result.ignored)]
    changes.extend(
        _adopted(c)
        for c in base.changes
        if overlaps(c.path, planned) and not overlaps(c.path, head_paths)
    )
    changes.sort(key=lambda c: (c.change_class.rank, c.severity.rank))
    return replace(result, changes=tuple(changes))


def _class_of(change: Change, planned: frozenset[Path], base: Mapping[Path, Change]) -> Change:
    if not overlaps(change.path, planned):  # the PR leaves the field as it was
        return replace(change, change_class=ChangeClass.DRIFT, base=change.desired)
    if not overlaps(change.path, base):  # base matched the cluster: the PR moves it
        return replace(change, change_class=ChangeClass.PLANNED, base=change.live)
    at_base = base.get(change.path)
    old = at_base.desired if at_base is not None else None
    return replace(change, change_class=ChangeClass.CONFLICT, base=old)


def _adopted(change: Change) -> Change:
    """A field that differed at base and matches the cluster at head: `change` compared base
    with live, so its `desired` is the old Git value."""
    return replace(
        change, desired=change.live, base=change.desired, change_class=ChangeClass.ADOPTED
    )


def _new_in_pr(result: ResourceResult) -> ResourceResult:
    """An object the PR adds: a planned creation, or one someone already made by hand."""
    if result.status is Status.MISSING:
        return replace(result, object_class=ChangeClass.PLANNED)
    if result.status is Status.IN_SYNC and not result.changes:
        return replace(result, object_class=ChangeClass.ADOPTED)
    if result.status is Status.DRIFTED:
        changes = tuple(replace(c, change_class=ChangeClass.CONFLICT) for c in result.changes)
        return replace(result, changes=changes)
    return result


def _extra(result: ResourceResult, at_base: KubeObject | None) -> ResourceResult:
    """A live object Git does not declare: one the PR deletes, or one made outside Git."""
    if at_base is None:
        return result
    return replace(result, object_class=ChangeClass.PLANNED, source=at_base.source)


def _deleted(at_base: ResourceResult) -> ResourceResult:
    """Declared at base, not at head, still live: a planned deletion (if the deployer prunes;
    otherwise it stays, orphaned)."""
    return ResourceResult(
        at_base.key,
        at_base.api_version,
        Status.EXTRA,
        at_base.source,
        message="the PR removes it from Git: deleted on merge if the deployer prunes, "
        "otherwise left in the cluster",
        object_class=ChangeClass.PLANNED,
    )
