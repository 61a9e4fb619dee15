"""`--write-adopt-patch`: the adoption as a unified diff in a file, whole or not at all."""

from __future__ import annotations

import os

from drift_action.adopt.choose import Choice
from drift_action.adopt.patch import unified_diff
from drift_action.adopt.plan import plan_adoption, repository_root
from drift_action.core.files import write_atomic
from drift_action.core.model import Report

__all__ = ["Choice", "write_patch"]


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
