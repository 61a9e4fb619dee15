"""What to post as review suggestions on a pull request, decided without talking to GitHub.

GitHub takes a review comment only on a line of the pull request's diff (a hunk's line on the
head's side), and a multi-line one only within one hunk; elsewhere it answers 422. So each
suggestion is placed only when all its lines fall in one hunk of its file; the others are
counted, and the run says where to find them (the adopt patch in the job summary). A rerun
posts no suggestion twice: ours carry a marker with the report's id, and one already on the same
lines with the same text is left alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from drift_action.adopt.present import Suggestion
from drift_action.github.api import PullFile, ReviewComment, ReviewLine

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@", re.MULTILINE)


@dataclass(frozen=True)
class ReviewPlan:
    comments: tuple[ReviewLine, ...] = ()  # to post, in one review
    outside: tuple[Suggestion, ...] = ()  # on lines the pull request's diff does not show
    already: int = 0  # posted by an earlier run, left as they are


def marker(report_id: str) -> str:
    digest = hashlib.sha256(report_id.encode("utf-8")).hexdigest()[:12]
    return f"<!-- drift-action:adopt {digest} -->"


def body(suggestion: Suggestion, report_id: str) -> str:
    return (
        f"{marker(report_id)}\nThe live cluster differs from Git here (drift-action). Commit "
        f"this suggestion to adopt the live value into Git:\n\n{suggestion.block}"
    )


def hunks(patch: str | None) -> list[range]:
    """The head's line numbers each hunk of a file's patch shows."""
    if not patch:
        return []
    found = []
    for match in _HUNK.finditer(patch):
        start = int(match["start"])
        count = 1 if match["count"] is None else int(match["count"])
        found.append(range(start, start + count))
    return found


def plan_review(
    suggestions: Sequence[Suggestion],
    files: Sequence[PullFile],
    existing: Sequence[ReviewComment],
    report_id: str,
) -> ReviewPlan:
    shown: Mapping[str, list[range]] = {f.path: hunks(f.patch) for f in files}
    ours = {(c.path, c.line, c.body) for c in existing if c.body.startswith(marker(report_id))}
    comments: list[ReviewLine] = []
    outside: list[Suggestion] = []
    already = 0
    for suggestion in suggestions:
        in_one = any(
            suggestion.start_line in hunk and suggestion.line in hunk
            for hunk in shown.get(suggestion.path, ())
        )
        if not in_one:
            outside.append(suggestion)
            continue
        text = body(suggestion, report_id)
        if (suggestion.path, suggestion.line, text) in ours:
            already += 1
            continue
        start = suggestion.start_line if suggestion.start_line != suggestion.line else None
        comments.append(ReviewLine(suggestion.path, suggestion.line, text, start))
    return ReviewPlan(tuple(comments), tuple(outside), already)


def review_body(plan: ReviewPlan) -> str:
    count = len(plan.comments)
    text = (
        f"drift-action found live values that differ from Git: {count} suggestion"
        f"{'s' if count != 1 else ''} below adopt them into Git (a hotfix kept), one click each."
    )
    if plan.outside:
        text += (
            f" {len(plan.outside)} more fall on lines this pull request does not change, where "
            "GitHub takes no suggestion: they are in the job summary's adopt patch."
        )
    return text


def summary_patch(suggestions: Sequence[Suggestion]) -> str:
    """The adopt patch for the job summary: every suggestion as a diff block."""
    if not suggestions:
        return ""
    parts = ["## Adopt the live values into Git\n"]
    parts.extend(s.as_diff for s in sorted(suggestions, key=lambda s: (s.path, s.start_line)))
    return "\n".join(parts)
