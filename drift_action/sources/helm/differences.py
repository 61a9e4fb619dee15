"""Where two renders of the same chart differ: fed by a sensitive value (Terraform's
helm_release probe) or by a template that never renders the same twice (nondeterministic)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from drift_action.core.model import IndexPath


def differences(value: Any, other: Any, path: IndexPath) -> Iterator[IndexPath]:
    """Paths where two renders differ: a field whose value differs, a mapping whose keys
    differ, a list of another length (the whole mapping or list: its shape varies)."""
    if isinstance(value, Mapping) and isinstance(other, Mapping):
        if value.keys() != other.keys():
            yield path
            return
        for key, item in value.items():
            yield from differences(item, other[key], (*path, key))
    elif isinstance(value, list) and isinstance(other, list):
        if len(value) != len(other):
            yield path
            return
        for index, (item, twin) in enumerate(zip(value, other, strict=True)):
            yield from differences(item, twin, (*path, index))
    elif value != other or type(value) is not type(other):
        yield path
