"""The bundled Helm engine, in a child process of its own (`core/helm_engine.command`).

Helm's Go library renders inside the process that calls it and cannot be interrupted, so a
template that never ends would hang the run and one that prints gigabytes would fill its memory.
`render.py` runs it (`core/helm_engine.py` starts it, perhaps ahead of the render) through
`tools.finish_program`, which kills it past the render time limit or once it prints more than
its share; its data memory is limited too (`bounds.RenderLimits`). The process loads Helm's
library first, then waits for its one request.

The request is JSON on standard input (never arguments: `--set` values may be secrets, and
arguments show in process lists). The answer is JSON on standard output: the rendered
(source, text) pairs and the warnings, or the `DriftActionError` that Helm's failure was
translated into (`errors.py`), which the parent raises again as it is, with Helm's own
exception as its cause. What the Go library logs goes to this process's standard error, which
the parent turns into warnings (or, when Go's runtime stops the process, into the reason).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from drift_action.core.bounds import MEMORY_PER_OUTPUT_BYTE, RenderLimits
from drift_action.core.errors import DriftActionError, InputError, UsageError
from drift_action.core.files import display_path
from drift_action.sources.bounded import out_of_memory, too_big
from drift_action.sources.helm.chart import (
    check_dependencies,
    check_local_chart,
    crd_enabled,
    is_manifest,
)
from drift_action.sources.helm.errors import log_lines, sdk_error
from drift_action.sources.helm.spec import HelmSpec
from drift_action.sources.helm.values import user_values

if TYPE_CHECKING:
    from helm_python import Chart

ERRORS: dict[str, type[DriftActionError]] = {
    cls.__name__: cls for cls in (DriftActionError, InputError, UsageError)
}
# What the request carries: the HelmSpec fields the engine uses.
FIELDS = (
    "chart",
    "values",
    "set",
    "set_string",
    "release",
    "namespace",
    "kube_version",
    "api_versions",
)
VARIANT_FIELDS = ("values", "set", "set_string")  # what a variant changes (HelmSpec fields)


WHAT = "Helm"  # how limit messages name the renderer


def request(spec: HelmSpec, variants: Sequence[HelmSpec] = (), *, repeat: bool = False) -> str:
    """`repeat`: render the loaded chart a second time too (`nondet.py`)."""
    fields: dict[str, Any] = {name: getattr(spec, name) for name in FIELDS}
    limits = {"timeout": spec.limits.timeout, "max_bytes": spec.limits.max_bytes}
    others = [{name: getattr(variant, name) for name in VARIANT_FIELDS} for variant in variants]
    request = {"spec": fields, "limits": limits, "variants": others, "repeat": repeat}
    return json.dumps({**request, "cwd": os.getcwd()})


def memory_bytes(limits: RenderLimits, renders: int) -> int:
    """The data memory of a worker that renders `renders` times: each render's text is held
    until the answer is written."""
    return limits.memory_bytes + (renders - 1) * MEMORY_PER_OUTPUT_BYTE * limits.max_bytes


Pairs = list[tuple[str, str]]


class Answer(NamedTuple):
    manifests: Pairs
    warnings: list[str]
    variants: list[Pairs | None]
    again: Pairs | None  # the same render repeated, when asked


def answer(text: str, log: str, shown: str) -> Answer:
    """The worker's answer: its (source, text) pairs and warnings (with what Helm logged on its
    stderr, `log`), each variant's pairs (None where it failed) and the repeated render's; or
    its error raised again."""
    reply = json.loads(text)
    if "error" in reply:
        error = reply["error"]
        cls = ERRORS.get(error["class"], DriftActionError)
        raise cls(error["message"], file=error["file"], line=error["line"]) from _cause(error)
    if "internal" in reply:
        raise RuntimeError(f"the Helm worker failed: {reply['internal']}")
    warnings = [*reply["warnings"], *(f"{shown}: helm: {line}" for line in log_lines(log))]
    variants = [
        None if pairs is None else [(source, body) for source, body in pairs]
        for pairs in reply.get("variants", ())
    ]
    again = reply.get("again")
    return Answer(
        [(source, body) for source, body in reply["manifests"]],
        warnings,
        variants,
        None if again is None else [(source, body) for source, body in again],
    )


def _cause(error: dict[str, Any]) -> Exception | None:
    """The Helm SDK's own exception, as in process: callers may look at its class."""
    cause = error.get("cause")
    if cause is None:
        return None
    try:
        from helm_python import errors  # noqa: PLC0415 (only when rendering failed)
    except Exception:
        return None
    cls = getattr(errors, cause["class"], None)
    if not (isinstance(cls, type) and issubclass(cls, errors.HelmError)):
        return None
    return cls(cause["message"])


def render_with_sdk(
    spec: HelmSpec, *, repeat: bool = False
) -> tuple[Pairs, list[str], Pairs | None]:
    """The chart's (source, text) pairs and warnings; with `repeat`, the pairs of a second
    render of the chart already loaded (cheaper than loading it again: no reading, no
    unpacking, no dependency check)."""
    shown = display_path(spec.chart)
    check_local_chart(spec.chart, shown)
    try:
        import helm_python  # noqa: PLC0415
    except Exception as exc:  # ImportError, or the bundled library cannot be loaded
        raise DriftActionError(
            f"the Helm SDK cannot be loaded ({exc}): pip install helm-python-sdk, "
            "or render with a helm binary"
        ) from exc
    try:
        helm_python.validate_release_name(spec.release)
    except helm_python.HelmError as exc:
        raise UsageError(f"invalid Helm release name {spec.release!r}: {exc}") from exc
    values, warnings = user_values(spec)
    try:
        with helm_python.Chart.load(spec.chart) as chart:
            check_dependencies(chart.metadata, chart.dependencies, shown)
            rendered = _render_chart(chart, values, spec)
            crds = [
                (crd["filename"], crd["data"])
                for crd in chart.crds
                if crd_enabled(crd["filename"], rendered, chart, values)
            ]
            again = _render_again(chart, values, spec) if repeat else None
    except helm_python.HelmError as exc:
        raise sdk_error(exc, shown) from exc
    manifests = crds + _templates(rendered)
    repeated = None if again is None else crds + _templates(again)
    # Characters, not bytes: the parent's limit on this process's output counts the bytes.
    for pairs in (manifests, repeated or ()):
        if sum(len(text) for _, text in pairs) > spec.limits.max_bytes:
            raise InputError(too_big(WHAT, spec.limits), file=shown)
    return manifests, warnings, repeated


def _templates(rendered: dict[str, str]) -> Pairs:
    return [(name, text) for name, text in sorted(rendered.items()) if is_manifest(name)]


def _render_again(chart: Chart, values: dict[str, Any], spec: HelmSpec) -> dict[str, str] | None:
    """None when the second render fails (the first did not: only a chart that fails at
    random does), and the fields are then compared as one render gives them."""
    from helm_python import HelmError  # noqa: PLC0415

    try:
        return _render_chart(chart, values, spec)
    except (HelmError, MemoryError):
        return None


def _render_chart(chart: Chart, values: dict[str, Any], spec: HelmSpec) -> dict[str, str]:
    if spec.kube_version is None and not spec.api_versions:
        return chart.render(values, name=spec.release, namespace=spec.namespace)
    # helm-python-sdk 0.2.2's Chart.render() has no parameters for the capabilities, but the
    # library's helm_render takes them in the same options JSON; call it as Chart.render does.
    from helm_python import _native  # noqa: PLC0415

    options: dict[str, Any] = {"name": spec.release, "namespace": spec.namespace}
    if spec.kube_version is not None:
        options["kube_version"] = spec.kube_version
    if spec.api_versions:
        options["api_versions"] = list(spec.api_versions)
    raw = _native.call_string("helm_render", chart._raw(), json.dumps(values), json.dumps(options))
    manifests: dict[str, str] = json.loads(raw)
    return manifests


def _error(exc: DriftActionError) -> dict[str, Any]:
    cls = type(exc).__name__ if type(exc).__name__ in ERRORS else "DriftActionError"
    error: dict[str, Any] = {
        "class": cls,
        "message": exc.detail,
        "file": exc.file,
        "line": exc.line,
    }
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.startswith("helm_python"):
        error["cause"] = {"class": type(cause).__name__, "message": str(cause)}
    return error


def _limit_memory(limit: int) -> None:
    """Before Go's runtime starts: past this, Go stops with "out of memory" (the parent says
    which limit), Python with MemoryError."""
    try:
        import resource  # noqa: PLC0415 (POSIX only)

        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def _fields(given: dict[str, Any]) -> dict[str, Any]:
    return {
        name: tuple(value) if isinstance(value, list) else value for name, value in given.items()
    }


def _variant(spec: HelmSpec, fields: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The chart rendered with other values; None when that fails (the caller says so)."""
    try:
        manifests, _, _ = render_with_sdk(replace(spec, **_fields(fields)))
    except (DriftActionError, MemoryError):
        return None
    return manifests


def main() -> int:
    # Helm's library first, before the request: a process started ahead (`core/helm_engine.py`)
    # has it loaded by the time the run asks. If it cannot be loaded, the render says why.
    with contextlib.suppress(Exception):  # render_with_sdk imports it again and reports why
        import helm_python  # noqa: F401, PLC0415
    text = sys.stdin.read()
    if not text.strip():  # started ahead and never asked: the run ended or failed first
        return 0
    given = json.loads(text)
    limits = RenderLimits(**given["limits"])
    variants = given.get("variants", [])
    repeat = bool(given.get("repeat"))
    _limit_memory(memory_bytes(limits, 1 + len(variants) + repeat))
    if given.get("cwd"):  # started ahead: where the run is now, for relative chart paths
        os.chdir(given["cwd"])
    spec = HelmSpec(**_fields(given["spec"]), limits=limits)
    reply: dict[str, Any]
    try:
        manifests, warnings, again = render_with_sdk(spec, repeat=repeat)
        others = [_variant(spec, fields) for fields in variants]
        reply = {"manifests": manifests, "warnings": warnings, "variants": others, "again": again}
    except DriftActionError as exc:
        reply = {"error": _error(exc)}
    except MemoryError:
        shown = display_path(spec.chart)
        reply = {"error": _error(InputError(out_of_memory(WHAT, limits), file=shown))}
    except Exception:
        reply = {"internal": traceback.format_exc()}
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))
    return 0
