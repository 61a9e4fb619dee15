"""A unified diff of an adoption that `git apply` takes: `a/` and `b/` paths from the
repository root, every file whole."""

from __future__ import annotations

import difflib

from drift_action.adopt.model import AdoptPlan


def unified_diff(plan: AdoptPlan) -> str:
    out: list[str] = []
    for change in plan.files:
        before = change.before.splitlines(keepends=True)
        after = change.after.splitlines(keepends=True)
        lines = list(
            difflib.unified_diff(before, after, f"a/{change.path}", f"b/{change.path}", n=3)
        )
        if not lines:
            continue
        out.append(f"diff --git a/{change.path} b/{change.path}\n")
        for line in lines:
            if line.endswith("\n"):
                out.append(line)
            else:  # a last line with no line end, as diff marks it
                out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
