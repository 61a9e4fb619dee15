"""An adoption as text: a unified diff that `git apply` takes (`a/` and `b/` paths from the
repository root), and pull request review suggestions: each run of changed lines becomes one
comment on the head's lines it replaces, with a ```suggestion block holding the new lines.

A suggestion replaces whole lines; pure insertions are anchored on the line before them (which
the suggestion repeats), pure deletions suggest the empty replacement.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from drift_action.adopt.model import AdoptPlan


@dataclass(frozen=True)
class Suggestion:
    path: str  # from the repository root
    start_line: int  # first line replaced (1-based, the head's file)
    line: int  # last line replaced
    replacement: str  # the new lines, with line ends
    original: str  # the lines replaced, with line ends

    @property
    def block(self) -> str:
        """The ```suggestion block GitHub offers to commit."""
        fence = "````" if "```" in self.replacement else "```"
        return f"{fence}suggestion\n{self.replacement}{fence}\n"

    @property
    def as_diff(self) -> str:
        """The same change as a ```diff block, for where a suggestion cannot go."""
        old = [f"-{line}" for line in self.original.splitlines()]
        new = [f"+{line}" for line in self.replacement.splitlines()]
        fence = "````" if "```" in self.original + self.replacement else "```"
        where = f"{self.path}, line {self.start_line}" + (
            f" to {self.line}" if self.line != self.start_line else ""
        )
        return f"{where}:\n\n{fence}diff\n" + "\n".join([*old, *new]) + f"\n{fence}\n"

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
                anchor = max(i1 - 1, 0)
                new = [*after[j1:j2], before[0]] if i1 == 0 else [before[i1 - 1], *after[j1:j2]]
                out.append(
                    Suggestion(change.path, anchor + 1, anchor + 1, "".join(new), before[anchor])
                )
                continue
            old = "".join(before[i1:i2])
            out.append(Suggestion(change.path, i1 + 1, i2, "".join(after[j1:j2]), old))
    # Bottom up within a file, so applying them in order keeps the earlier line numbers right.
    return tuple(sorted(out, key=lambda s: (s.path, -s.start_line)))


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
