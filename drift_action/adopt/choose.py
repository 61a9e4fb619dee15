"""Which differences of a report to adopt into Git, and which are left alone (and why).

Only drift is adopted: a pull request's planned changes are the PR's own. Secret values are
never adopted (a suggestion would show them), nor values a controller wrote (the cluster's own
bookkeeping, not a hotfix) unless asked. Helm and Terraform objects are rendered from values
in Git that drift-action does not edit: for those the note names where to look instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from drift_action.adopt.helm_values import ValuesFiles, values_hint
from drift_action.adopt.model import Action, Edit, Target
from drift_action.core.model import (
    Actor,
    Change,
    ChangeClass,
    ChangeType,
    Report,
    ResourceResult,
    Status,
)

_SECRET_FIELDS = frozenset({"data", "stringData"})


@dataclass(frozen=True)
class Choice:
    """What the user asked to adopt."""

    fields: tuple[str, ...] = ()  # globs over field paths (`spec.replicas`, `*.image`); none: all
    controllers: bool = False  # also adopt values a controller wrote
    helm_charts: tuple[str, ...] = ()  # chart folders: objects rendered from them are not edited
    helm_values_files: tuple[str, ...] = ()  # the values files given (helm -f)
    # The charts' values.yaml and those files, as read (`plan` loads them), to name the key
    # behind a value.
    helm_values: ValuesFiles = ()


def choose(report: Report, choice: Choice) -> tuple[list[Target], list[str]]:
    targets: list[Target] = []
    notes: list[str] = []
    for result in report.sorted_resources():
        if result.status is not Status.DRIFTED or result.source is None:
            continue
        wanted = [c for c in result.changes if c.change_class is ChangeClass.DRIFT]
        wanted = [c for c in wanted if _asked(c, choice)]
        if not wanted:
            continue
        refused = _not_editable(result, choice)
        if refused is not None:
            notes.append(f"{result.key}: {refused}")
            notes.extend(_values_hints(result, wanted, choice))
            continue
        edits: list[Edit] = []
        for change in wanted:
            why = _skip(result, change, choice)
            if why is not None:
                notes.append(f"{result.key} {change.path_text}: {why}")
                continue
            edits.append(_edit(change))
        if edits:
            source = result.source
            targets.append(
                Target(source.file, result.key, result.api_version, source.line, tuple(edits))
            )
    return targets, notes


def _asked(change: Change, choice: Choice) -> bool:
    return not choice.fields or any(fnmatchcase(change.path_text, g) for g in choice.fields)


def _not_editable(result: ResourceResult, choice: Choice) -> str | None:
    source = result.source
    assert source is not None
    if source.address is not None:
        return (
            f"not adopted: declared by Terraform ({source.address}); change the variables or "
            "the resource's arguments there, not the plan"
        )
    for chart in choice.helm_charts:
        # Helm names a template by the chart's name (`# Source: web/templates/...`), which is
        # most often its folder's name; a chart under the path given counts too.
        name = os.path.basename(chart.replace("\\", "/").rstrip("/"))
        if _under(source.file, chart) or _under(source.file, name):
            return (
                f"not adopted: rendered by the Helm chart {chart}; change the chart's values "
                f"(the template is {source.file}), not the rendered manifest"
            )
    return None


def _values_hints(result: ResourceResult, changes: Sequence[Change], choice: Choice) -> list[str]:
    """For a Helm object: the values key that holds Git's value, where exactly one does."""
    source = result.source
    if source is None or source.address is not None or not choice.helm_values:
        return []
    hints = []
    for change in changes:
        found = None if change.redacted else values_hint(choice.helm_values, change.desired)
        if found is not None:
            hints.append(
                f"{result.key} {change.path_text}: Git's value is in {found} (live: "
                f"{json.dumps(change.live, default=str)})"
            )
    return hints


def _skip(result: ResourceResult, change: Change, choice: Choice) -> str | None:
    if change.redacted or (
        result.key.kind == "Secret"
        and result.key.group == ""
        and change.path[:1]
        and change.path[0] in _SECRET_FIELDS
    ):
        return "not adopted: a Secret's value is never written into a suggestion"
    actor = change.attribution.actor if change.attribution is not None else None
    if actor is Actor.CONTROLLER and not choice.controllers:
        manager = change.attribution.manager if change.attribution is not None else ""
        return f"not adopted: the live value was written by the controller {manager}"
    return None


def _edit(change: Change) -> Edit:
    if change.type is ChangeType.MISSING:
        return Edit(change.path, Action.DELETE, None, change.desired, True)
    present = change.type is ChangeType.CHANGED
    return Edit(change.path, Action.SET, change.live, change.desired if present else None, present)


def _under(file: str, folder: str) -> bool:
    file, folder = file.replace("\\", "/"), folder.replace("\\", "/").rstrip("/")
    return file == folder or file.startswith(folder + "/")


def targets_by_file(targets: Sequence[Target]) -> dict[str, list[Target]]:
    out: dict[str, list[Target]] = {}
    for target in targets:
        out.setdefault(target.file, []).append(target)
    return out
