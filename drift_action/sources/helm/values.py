"""The values a chart is rendered with, read as `helm` reads them: files, then `--set`, then
`--set-string`, each merged over the last. Used by the engine's own process (`worker.py`)."""

from __future__ import annotations

from typing import Any

from drift_action.core.errors import InputError, UsageError
from drift_action.core.files import display_path, read_text
from drift_action.sources.helm.chart import float_warnings
from drift_action.sources.helm.errors import values_file_error
from drift_action.sources.helm.spec import HelmSpec, merge_values

# Helm's library takes its inputs as C strings: a NUL character would end one there, and Helm
# would read the rest of the text or value as if it were not given.
_NUL = "\x00"


def user_values(spec: HelmSpec) -> tuple[dict[str, Any], list[str]]:
    """Values files then --set then --set-string, each merged over the last, as helm does.

    A NUL character is refused rather than cut off (see `_NUL`): a value cut short would be
    rendered, compared and shown as something it is not, and marks of a sensitive value would
    find nothing of it in the render."""
    from helm_python import (  # noqa: PLC0415
        HelmError,
        parse_set_string,
        parse_set_string_values,
        values_from_yaml,
    )

    merged: dict[str, Any] = {}
    for file in spec.values:
        shown = display_path(file)
        text = read_text(file)
        if _NUL in text:
            line = text.count("\n", 0, text.index(_NUL)) + 1
            raise InputError(
                "invalid YAML: character U+0000 is not allowed in YAML (binary data?)",
                file=shown,
                line=line,
            )
        try:
            loaded = values_from_yaml(text)  # Helm's own YAML reading, quirks included
        except HelmError as exc:
            raise values_file_error(str(exc), shown) from exc
        merged = merge_values(merged, loaded)
    warnings: list[str] = []
    for flag, parse, expressions in (
        ("--set", parse_set_string, spec.set),
        ("--set-string", parse_set_string_values, spec.set_string),
    ):
        for expression in expressions:
            if _NUL in expression:
                # Only the key: the value may be a password given on the command line.
                key = expression.split("=", 1)[0]
                raise UsageError(
                    f"{flag} {key!r}=... holds a NUL character, which the Helm engine cannot take"
                )
            try:
                parsed = parse(expression)
            except HelmError as exc:
                # Only the key: the value may be a password given on the command line.
                key = expression.split("=", 1)[0]
                raise UsageError(f"{flag} {key!r}=... does not parse: {exc}") from exc
            if flag == "--set":
                warnings.extend(float_warnings(parsed))
            merged = merge_values(merged, parsed)
    return merged, warnings
