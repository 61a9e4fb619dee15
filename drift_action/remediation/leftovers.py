"""Commands for what applying Git leaves in place: fields set outside Git.

Neither kind of apply removes a field the deployer never set: a server-side apply only removes
fields its own manager set before, and a client-side apply only what the last-applied annotation
held. So an annotation someone added with `kubectl annotate` stays after the apply, and its own
command takes it off: `kubectl annotate ... KEY-`, `kubectl label ... KEY-`, or a JSON patch
that removes the field. A list item named by its merge key is removed by position, with `test`
operations first, so the patch fails rather than removing another item if the list changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from drift_action.compare.merge_keys import item_key
from drift_action.core.fixes import Command
from drift_action.core.model import Change, ChangeType, ResourceKey
from drift_action.core.paths import ListKey, Path
from drift_action.remediation.kubectl import in_namespace, resource

_MARKS = {"annotations": "annotate", "labels": "label"}  # kubectl's command for each


def leftover_commands(
    key: ResourceKey,
    changes: Sequence[Change],
    live: Mapping[str, Any],
    cleared: Callable[[Change], bool],
) -> tuple[Command, ...]:
    """Commands that remove the live fields Git does not set and the fix leaves in place:
    those added outside Git, and those Git dropped that `cleared` says the fix does not remove.
    A field that cannot be found in the live object is left alone: never guess what to delete.
    """
    marks: dict[str, list[str]] = {}
    patches: list[tuple[Any, list[dict[str, Any]]]] = []
    for change in changes:
        if change.type is ChangeType.ADDED or (
            change.type is ChangeType.REMOVED and not cleared(change)
        ):
            _collect(change, live, marks, patches)
    target = resource(key)
    where = in_namespace(key.namespace)
    commands: list[Command] = [
        ("kubectl", verb, target, *where, *(f"{name}-" for name in names))
        for verb, names in sorted(marks.items())
    ]
    # Later list positions first: removing one shifts those after it.
    for _, ops in sorted(patches, key=lambda p: p[0]):
        text = json.dumps(ops, separators=(",", ":"))
        commands.append(("kubectl", "patch", target, *where, "--type=json", "-p", text))
    return tuple(commands)


def _collect(
    change: Change,
    live: Mapping[str, Any],
    marks: dict[str, list[str]],
    patches: list[tuple[Any, list[dict[str, Any]]]],
) -> None:
    path = change.path
    if len(path) == 3 and path[0] == "metadata" and path[1] in _MARKS:
        marks.setdefault(_MARKS[str(path[1])], []).append(str(path[2]))
        return
    if len(path) == 2 and path[0] == "metadata" and path[1] in _MARKS:
        # The whole map came from outside Git: each of its keys, never the map itself (the
        # server's own annotations live there too).
        value = change.live
        if isinstance(value, Mapping) and not change.redacted:
            marks.setdefault(_MARKS[str(path[1])], []).extend(str(k) for k in value)
        return
    found = _pointer(live, path)
    if found is not None:
        pointer, tests, order = found
        patches.append((order, [*tests, {"op": "remove", "path": pointer}]))


def _pointer(live: Any, path: Path) -> tuple[str, list[dict[str, Any]], Any] | None:
    """The field's JSON pointer in the live object, the `test` operations that pin the list
    items on the way, and a sort key that puts later list positions first; None when the
    path does not lead to a live value."""
    parts: list[str] = []
    tests: list[dict[str, Any]] = []
    order: list[tuple[int, int, str]] = []
    value = live
    for segment in path:
        if isinstance(segment, ListKey | int):
            if not isinstance(value, list):
                return None
            index = _index(value, segment)
            if index is None:
                return None
            parts.append(str(index))
            if isinstance(segment, ListKey):
                for name, _ in segment.fields:
                    if name in value[index]:
                        pointer = _join([*parts, name])
                        tests.append({"op": "test", "path": pointer, "value": value[index][name]})
            order.append((1, -index, ""))
            value = value[index]
        else:
            if not isinstance(value, Mapping) or segment not in value:
                return None
            parts.append(segment)
            order.append((0, 0, segment))
            value = value[segment]
    return (_join(parts), tests, tuple(order)) if parts else None


def _index(items: list[Any], segment: ListKey | int) -> int | None:
    if isinstance(segment, int):
        return segment if 0 <= segment < len(items) else None
    fields = [name for name, _ in segment.fields]
    return next((i for i, item in enumerate(items) if item_key(item, fields) == segment), None)


def _join(parts: Sequence[str]) -> str:
    """RFC 6901: `~` and `/` in a key are escaped."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
