"""Placing adopt suggestions on a pull request's diff: only within one hunk of the head's side,
none twice, the others counted for the job summary."""

from __future__ import annotations

from drift_action.adopt.present import Suggestion
from drift_action.github.api import Author, PullFile, ReviewComment
from drift_action.github.review import body, hunks, plan_review

PATCH = "@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n@@ -20,2 +21,3 @@ kind: x\n e\n+f\n g\n"


def test_hunks_are_the_heads_lines() -> None:
    assert hunks(PATCH) == [range(1, 5), range(21, 24)]
    assert hunks("@@ -0,0 +1 @@\n+x\n") == [range(1, 2)]
    assert hunks(None) == []


def test_only_suggestions_within_one_hunk_are_posted_and_none_twice() -> None:
    inside = Suggestion("k.yaml", 2, 3, "B\nC\n", "b\nc\n")
    spans = Suggestion("k.yaml", 4, 21, "x\n", "d\n")  # from one hunk into the next
    elsewhere = Suggestion("k.yaml", 10, 10, "y\n", "z\n")
    other_file = Suggestion("o.yaml", 1, 1, "y\n", "z\n")
    posted = ReviewComment(1, "k.yaml", 21, body(Suggestion("k.yaml", 21, 21, "F\n", "e\n"), "r"),
                           Author("github-actions[bot]", "Bot"))  # fmt: skip
    again = Suggestion("k.yaml", 21, 21, "F\n", "e\n")
    plan = plan_review(
        [inside, spans, elsewhere, other_file, again], [PullFile("k.yaml", PATCH)], [posted], "r"
    )
    assert [(c.path, c.start_line, c.line) for c in plan.comments] == [("k.yaml", 2, 3)]
    assert plan.outside == (spans, elsewhere, other_file)
    assert plan.already == 1
    # Another report's identical suggestion is not ours: posted for this report too.
    assert len(plan_review([again], [PullFile("k.yaml", PATCH)], [posted], "s").comments) == 1
