"""Helm's failures as one-line errors naming the template, values file or chart; its log."""

from __future__ import annotations

import re

from drift_action.core.errors import DriftActionError, InputError, UsageError

_LOG_PREFIX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)? ")


def sdk_error(exc: Exception, shown: str) -> DriftActionError:
    from helm_python import (  # noqa: PLC0415
        HelmChartLoadError,
        HelmInvalidArgError,
        HelmRenderError,
        HelmValuesError,
    )

    detail = " ".join(str(exc).split())
    if isinstance(exc, HelmRenderError):
        return template_error(detail, shown)
    if isinstance(exc, HelmChartLoadError):
        return InputError(f"cannot load the Helm chart: {detail}", file=shown)
    if isinstance(exc, HelmValuesError):
        return values_error(str(exc), shown)
    if isinstance(exc, HelmInvalidArgError):
        return UsageError(f"{shown}: Helm rejected the render options: {detail}")
    return InputError(f"Helm failed: {detail}", file=shown)


def log_lines(text: str) -> list[str]:
    """What the Go library logged, one message a line, without its timestamps."""
    return [_LOG_PREFIX.sub("", line.strip())[:300] for line in text.splitlines() if line.strip()]


_YAML_LINE = re.compile(r"yaml: line (\d+): (.*)")

_NOT_A_MAPPING = re.compile(r"cannot unmarshal (\w+) into Go value")

_KINDS = {"array": "a list", "string": "a string", "number": "a number", "bool": "true/false"}


def values_file_error(detail: str, shown: str) -> InputError:
    if match := _NOT_A_MAPPING.search(detail):
        kind = _KINDS.get(match.group(1), match.group(1))
        return InputError(
            f"a values file must be a mapping of keys to values, not {kind}", file=shown
        )
    if match := _YAML_LINE.search(detail):
        return InputError(f"invalid YAML: {match.group(2)}", file=shown, line=int(match.group(1)))
    return InputError(f"invalid values file: {detail}", file=shown)


def values_error(detail: str, shown: str) -> InputError:
    text = " ".join(detail.replace("\n- ", " ").split())
    if "schema" in text:
        problems = text.split(":", 1)[1].strip() if ":" in text else text
        return InputError(
            f"the values do not match the chart's values.schema.json: {problems}", file=shown
        )
    return InputError(f"invalid values: {text}", file=shown)


# Helm names the template and line: "execution error at (c/templates/x.yaml:6:8): msg",
# "c/templates/x.yaml:2:13 executing ... : msg", "parse error at (c/templates/x.yaml:1): msg".
_TEMPLATE_AT = re.compile(r"\(?(?P<name>[\w.@+-]+(?:/[\w.@+-]+)+):(?P<line>\d+)(?::\d+)?\)?:?")

_YAML_ERROR_ON = re.compile(r"YAML parse error on (?P<name>\S+?): (?P<message>.*)")


def template_error(detail: str, shown: str, *, fallback: str = "template failed") -> InputError:
    text = " ".join(detail.split()).removeprefix("Error: ")
    if invalid := _YAML_ERROR_ON.search(text):  # helm's wording for output that is not YAML
        message = f"the rendered template is not valid YAML: {invalid.group('message')}"
        return InputError(message, file=invalid.group("name"))
    match = _TEMPLATE_AT.search(text)
    if match is None:
        return InputError(f"{fallback}: {text}", file=shown)
    name = match.group("name")
    before = text[: match.start()].strip()
    message = text[match.end() :].strip().replace(f'executing "{name}" ', "")
    kind = "template parse error" if "parse error" in before else "template failed"
    if before and not re.fullmatch(r"(template:|execution error at|parse error at)", before):
        message = f"{before} {message}"
    return InputError(f"{kind}: {message}", file=name, line=int(match.group("line")))
