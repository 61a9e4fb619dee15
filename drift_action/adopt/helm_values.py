"""Where a Helm-rendered value may come from: the values key that holds it verbatim.

drift-action does not edit a chart's values (a template may transform them), so a drifted field
of a Helm object is only named. When exactly one key of the values files holds the value Git
renders (a string, or a number of the same type), the note names that file and key; values
common enough to match several keys (`1`, `true`) name none, rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from drift_action.core.paths import format_path

ValuesFiles = Sequence[tuple[str, Any]]  # (file, parsed values), later files win, as helm -f


def values_hint(values: ValuesFiles, rendered: Any) -> str | None:
    """`values.yaml key image.tag` when one key holds `rendered` as it is; None otherwise."""
    if not _distinct(rendered):
        return None
    found = {
        (file, format_path(path))
        for file, data in values
        for path, value in _leaves(data, ())
        if type(value) is type(rendered) and value == rendered
    }
    if len(found) != 1:
        return None
    ((file, key),) = found
    return f"{file} key {key}"


def _distinct(value: Any) -> bool:
    """A value specific enough that a match is likely its source."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return len(value) >= 3
    return isinstance(value, int | float)


def _leaves(data: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))
    else:
        yield path, data
