"""An adoption planned from a report (the files read, edited in memory), and what the entry
points make of it: `--write-adopt-patch` (a unified diff in a file, whole or not at all) and the
action's review suggestions."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import yaml

from drift_action.adopt.choose import Choice, choose, targets_by_file
from drift_action.adopt.file_edit import edit_file
from drift_action.adopt.model import AdoptPlan, FileChange
from drift_action.adopt.present import Suggestion, suggestions, unified_diff
from drift_action.core.errors import DriftActionError
from drift_action.core.files import read_text, write_atomic
from drift_action.core.model import Report

__all__ = ["Choice", "plan_adoption", "pull_request_suggestions", "repository_root", "write_patch"]


def plan_adoption(report: Report, choice: Choice, root: str) -> AdoptPlan:
    """The edits that make Git equal the live values chosen; `root` is the repository's top
    folder, which the paths of the changes are relative to."""
    targets, notes = choose(report, replace(choice, helm_values=_values_files(choice)))
    files: list[FileChange] = []
    top = os.path.realpath(root)
    for file, group in sorted(targets_by_file(targets).items()):
        names = ", ".join(sorted({str(t.key) for t in group}))
        if not os.path.isfile(file):
            notes.append(
                f"{names}: not adopted: {file} is not a file to edit (a chart's template, or a "
                "kustomization built without `buildMetadata: [originAnnotations]`, which names "
                "each object's file)"
            )
            continue
        real = os.path.realpath(file)
        if os.path.commonpath([top, real]) != top:
            notes.append(f"{names}: not adopted: {file} is outside the repository")
            continue
        try:
            before = read_text(file)
        except DriftActionError as exc:
            notes.append(f"{names}: not adopted: {exc}")
            continue
        after, more = edit_file(before, group)
        notes.extend(more)
        if after != before:
            relative = os.path.relpath(real, top).replace(os.sep, "/")
            files.append(FileChange(relative, before, after))
    return AdoptPlan(tuple(files), tuple(notes))


def _values_files(choice: Choice) -> list[tuple[str, Any]]:
    """Each chart's values.yaml, then the values files given; those that cannot be read are
    left out (the render already said what was wrong with them)."""
    files = [os.path.join(chart, "values.yaml") for chart in choice.helm_charts]
    loaded: list[tuple[str, Any]] = []
    for file in [*files, *choice.helm_values_files]:
        if not os.path.isfile(file):
            continue
        try:
            loaded.append((file, yaml.safe_load(read_text(file))))
        except (DriftActionError, yaml.YAMLError):
            continue
    return loaded


def repository_root(start: str) -> str:
    """The nearest folder up from `start` holding `.git` (a folder, or a worktree's file);
    `start` itself when there is none."""
    here = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.realpath(start)
        here = parent


def write_patch(report: Report, choice: Choice, path: str) -> list[str]:
    """Writes the patch (empty when nothing is adopted); returns what to tell the user."""
    plan = plan_adoption(report, choice, repository_root(os.getcwd()))
    write_atomic(path, unified_diff(plan))
    lines = [f"warning: {' '.join(note.split())}" for note in plan.notes]
    count = len(plan.files)
    lines.append(
        f"adopt patch written to {path} ({count} file{'s' if count != 1 else ''}; apply it "
        "from the repository root with git apply)"
    )
    return lines


def pull_request_suggestions(
    report: Report, choice: Choice, workspace: str
) -> tuple[tuple[Suggestion, ...], tuple[str, ...]]:
    """The review suggestions that adopt the chosen live values, and the notes on the rest."""
    plan = plan_adoption(report, choice, repository_root(workspace))
    return suggestions(plan), plan.notes
