"""An adoption as pull request review suggestions: each run of changed lines becomes one
comment on the head's lines it replaces, with a ```suggestion block holding the new lines.

A suggestion replaces whole lines; pure insertions are anchored on the line before them (which
the suggestion repeats), pure deletions suggest the empty replacement.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from drift_action.adopt.model import AdoptPlan

MARKER = "<!-- drift-action:adopt -->"


@dataclass(frozen=True)
class Suggestion:
    path: str  # from the repository root
    start_line: int  # first line replaced (1-based, the head's file)
    line: int  # last line replaced
    replacement: str  # the new lines, with line ends

    @property
    def body(self) -> str:
        fence = "````" if "```" in self.replacement else "```"
        return (
            f"{MARKER}\nThe live cluster differs from Git here: accept this suggestion to "
            f"adopt the live value into Git.\n\n{fence}suggestion\n{self.replacement}{fence}\n"
        )

    def apply(self, text: str) -> str:
        """The file's text with this suggestion applied, as GitHub applies it."""
        lines = text.splitlines(keepends=True)
        new = [*lines[: self.start_line - 1], self.replacement, *lines[self.line :]]
        return "".join(new)


def suggestions(plan: AdoptPlan) -> tuple[Suggestion, ...]:
    out: list[Suggestion] = []
    for change in plan.files:
        before = change.before.splitlines(keepends=True)
        after = change.after.splitlines(keepends=True)
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if i1 == i2:  # an insertion: replace the line before with itself and the new ones
                if i1 == 0:
                    out.append(Suggestion(change.path, 1, 1, "".join(after[j1:j2] + before[:1])))
                    continue
                out.append(
                    Suggestion(change.path, i1, i1, "".join([before[i1 - 1], *after[j1:j2]]))
                )
                continue
            out.append(Suggestion(change.path, i1 + 1, i2, "".join(after[j1:j2])))
    # Bottom up within a file, so applying them in order keeps the earlier line numbers right.
    return tuple(sorted(out, key=lambda s: (s.path, -s.start_line)))
