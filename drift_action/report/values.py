"""How field values are shown to people (JSON keeps them whole)."""

from __future__ import annotations

import json
from typing import Any

from drift_action.model import Change, ChangeType

ABSENT = "(absent)"


def show(value: Any, *, limit: int = 200) -> str:
    """Compact JSON, so `"3"` and `3` look different; long values are cut with a note."""
    shown = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=False)
    if len(shown) > limit:
        shown = f"{shown[:limit]}… ({len(shown)} chars)"
    return shown


def show_desired(change: Change, *, limit: int = 200) -> str:
    return change.desired if change.redacted else show(change.desired, limit=limit)


def show_live(change: Change, *, limit: int = 200) -> str:
    if change.type is ChangeType.MISSING:
        return ABSENT
    return change.live if change.redacted else show(change.live, limit=limit)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
