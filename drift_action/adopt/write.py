"""The entry points' adoption: `--write-adopt-patch` (a unified diff in a file, whole or not
at all) and the action's review suggestions."""

from __future__ import annotations

import os

from drift_action.adopt.choose import Choice
from drift_action.adopt.patch import unified_diff
from drift_action.adopt.plan import plan_adoption, repository_root
from drift_action.adopt.suggest import Suggestion, suggestions
from drift_action.core.files import write_atomic
from drift_action.core.model import Report

__all__ = ["Choice", "pull_request_suggestions", "write_patch"]


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
