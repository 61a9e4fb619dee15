from __future__ import annotations

import pytest

from drift_action.core.errors import UsageError
from drift_action.core.selector import parse_selector

LABELS = {"app": "web", "tier": "frontend", "env": "prod"}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app=web,tier=frontend", True),
        ("app=web,tier=backend", False),
        ("env in (prod, staging)", True),
        ("env notin (prod,staging)", False),
        ("env in (prod,staging),app=web", True),
        ("tier", True),
        ("!tier", False),
        ("!legacy", True),
        ("missing!=x", True),
    ],
)
def test_selector_semantics(text: str, matches: bool) -> None:
    assert parse_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize("text", ["", " , ", "app=(x", "a b c"])
def test_bad_selectors_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="selector"):
        parse_selector(text)
