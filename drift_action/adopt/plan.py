"""An adoption planned from a report: the files read, edited in memory, nothing written."""

from __future__ import annotations

import os

from drift_action.adopt.choose import Choice, choose, targets_by_file
from drift_action.adopt.file_edit import edit_file
from drift_action.adopt.model import AdoptPlan, FileChange
from drift_action.core.errors import DriftActionError
from drift_action.core.files import read_text
from drift_action.core.model import Report


def plan_adoption(report: Report, choice: Choice, root: str) -> AdoptPlan:
    """The edits that make Git equal the live values chosen; `root` is the repository's top
    folder, which the paths of the changes are relative to."""
    targets, notes = choose(report, choice)
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
