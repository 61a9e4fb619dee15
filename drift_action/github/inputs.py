"""The action's `with:` inputs as the runner passes them: INPUT_<NAME> environment variables."""

from __future__ import annotations

import re
from collections.abc import Mapping

from drift_action.core.errors import UsageError

TRUE = frozenset({"true", "yes", "1", "on"})
FALSE = frozenset({"false", "no", "0", "off"})


def input_value(env: Mapping[str, str], name: str) -> str:
    # The runner passes `with:` inputs as INPUT_<NAME>, upper-cased.
    return env.get(f"INPUT_{name.upper()}", "").strip()


def list_input(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Items separated by newlines or commas."""
    return tuple(
        item.strip() for item in re.split(r"[\n,]", input_value(env, name)) if item.strip()
    )


def bool_input(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = input_value(env, name).lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise UsageError(f"input {name}: expected true or false, got {value!r}")
