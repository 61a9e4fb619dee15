"""How field values, ownership and change kinds are shown to people (JSON keeps them whole)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from drift_action.compare.helm_record import RULE as HELM_RECORD
from drift_action.core.model import (
    Attribution,
    Change,
    ChangeType,
    FieldOwnership,
    Observer,
    ResourceResult,
)

ABSENT = "(absent)"
NOT_IN_GIT = "(not in Git)"


def show(value: Any, *, limit: int = 200) -> str:
    """Compact JSON, so `"3"` and `3` look different; long values are cut with a note."""
    shown = as_json(value)
    if len(shown) > limit:
        shown = f"{shown[:limit]}… ({len(shown)} chars)"
    return shown


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=False)


def show_pair(change: Change, *, limit: int = 200) -> tuple[str, str]:
    """`show_desired` and `show_live`, but two long values are cut around where they first
    differ, so the change stays in sight."""
    if change.redacted or change.type is not ChangeType.CHANGED:
        return show_desired(change, limit=limit), show_live(change, limit=limit)
    return window(as_json(change.desired), as_json(change.live), limit=limit)


def window(old: str, new: str, *, limit: int, before: int = 60) -> tuple[str, str]:
    """Two one-line texts, each longer than `limit` cut to `limit` characters from a little
    before where they first differ, with `…` where text was left out and the full length."""
    if len(old) <= limit and len(new) <= limit:
        return old, new
    same = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        same += 1
    start = max(0, min(same - before, max(len(old), len(new)) - limit))

    def cut(text: str) -> str:
        if len(text) <= limit:
            return text
        piece = text[start : start + limit]
        head = "…" if start else ""
        tail = "…" if start + limit < len(text) else ""
        return f"{head}{piece}{tail} ({len(text)} chars)"

    return cut(old), cut(new)


def literal(value: Any) -> str:
    """A value as a person reads it: a string as it is, unless it would read as a number, a
    boolean, null or JSON, is empty, or has whitespace or control characters at the edges or
    inside (then JSON shows them); other values as compact JSON."""
    if isinstance(value, str) and value and value == value.strip() and value.isprintable():
        try:
            json.loads(value)
        except ValueError:
            return value
    return as_json(value)


def show_desired(change: Change, *, limit: int = 200) -> str:
    if change.type in (ChangeType.REMOVED, ChangeType.ADDED):
        return NOT_IN_GIT
    return str(change.desired) if change.redacted else show(change.desired, limit=limit)


def show_live(change: Change, *, limit: int = 200) -> str:
    if change.type is ChangeType.MISSING:
        return ABSENT
    return str(change.live) if change.redacted else show(change.live, limit=limit)


def change_kind(change: Change) -> str:
    return {
        ChangeType.CHANGED: "changed",
        ChangeType.MISSING: "not in the cluster",
        ChangeType.REMOVED: "removed from Git, still live",
        ChangeType.ADDED: "added outside Git",
    }[change.type]


def when(time: str | None) -> str | None:
    """`2026-11-20T10:02:31Z` -> `2026-11-20 10:02 UTC`; anything unparsable as written."""
    if not time:
        return None
    try:
        parsed = datetime.fromisoformat(time.replace("Z", "+00:00"))
    except ValueError:
        return time
    if parsed.utcoffset() is None:
        return parsed.strftime("%Y-%m-%d %H:%M")
    return parsed.strftime("%Y-%m-%d %H:%M UTC") if not parsed.utcoffset() else parsed.isoformat()


def by(attribution: Attribution | None) -> str:
    """`kubectl-scale (human) at 2026-11-20 10:02 UTC`, or "" when nobody is known."""
    if attribution is None:
        return ""
    text = f"{attribution.manager} ({attribution.actor.value})"
    if attribution.subresource:
        text += f" via /{attribution.subresource}"
    stamp = when(attribution.time)
    return f"{text} at {stamp}" if stamp else text


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def seen_by(result: ResourceResult) -> str:
    """How a result's live state was seen, when not (only) by reading it: Terraform's refresh."""
    if Observer.TERRAFORM not in result.seen_by:
        return ""
    return ", Terraform saw it too" if Observer.LIVE in result.seen_by else ", as Terraform saw it"


SHOW_MANAGED_FIELDS = "kubectl get ... -o yaml --show-managed-fields"


def ownership_note(ownership: FieldOwnership) -> str | None:
    """One sentence when live objects lack managedFields, the same in every format (text and
    Markdown show it under the headline, JSON as `managed_fields.note`); else None."""
    if not ownership.without:
        return None
    if ownership.all_missing:
        which = "The live objects carry no managedFields, so"
    else:
        count = len(ownership.without)
        verb = "carries" if count == 1 else "carry"
        which = f"{count} of {ownership.compared} live objects {verb} no managedFields, so for them"
    return (
        f"{which} fields added outside Git and who changed what cannot be shown "
        f"(take snapshots with `{SHOW_MANAGED_FIELDS}`)."
    )


def ownership_hint(ownership: FieldOwnership, *, explain: bool) -> str:
    """What text and Markdown add to the note when only some objects lack managedFields."""
    return "" if explain or ownership.all_missing else " `--explain` lists them."


# Notes that say which record found a change, rather than why a difference is not drift.
EVIDENCE = frozenset({HELM_RECORD})


def note_label(rule: str) -> str:
    """How --explain introduces a note: "found by" for evidence, else "not drift"."""
    return "found by" if rule in EVIDENCE else "not drift"
