"""Helm charts, rendered by Helm's own engine.

By default in-process, with the Helm Go SDK that the helm-python-sdk wheel bundles (no helm binary
needed); with `helm_binary` set, by running `helm template` instead. Either way the objects are the
ones `helm template --include-crds` prints, without hooks unless `include_hooks` is set.

A chart whose templates call a function that prints something new each time is rendered twice,
and the fields that differ are marked as varying (`nondet.py`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from drift_action.core import helm_engine as warm
from drift_action.core.bounds import MIB
from drift_action.core.errors import DriftActionError, InputError
from drift_action.core.files import display_path
from drift_action.core.tools import ToolError, finish_program, run_tool, which
from drift_action.sources.base import Rendered
from drift_action.sources.bounded import limit_error
from drift_action.sources.helm import worker
from drift_action.sources.helm.chart import (
    Parsed,
    check_local_chart,
    manifest_documents,
    split_template_output,
)
from drift_action.sources.helm.errors import template_error
from drift_action.sources.helm.nondet import calls_nondeterministic, mark_varying, varying_count
from drift_action.sources.helm.spec import HelmSpec, Variant

log = logging.getLogger(__name__)

__all__ = ["HelmRenderer", "template_command"]


Pairs = list[tuple[str, str]]  # (source, text) as Helm renders them


class HelmRenderer:
    def render(self, spec: HelmSpec) -> Rendered:
        rendered, _ = self.render_variants(spec, ())
        return rendered

    def render_variants(
        self, spec: HelmSpec, variants: Sequence[Variant]
    ) -> tuple[Rendered, list[Rendered | None]]:
        """The chart rendered as `spec` says, and again with each variant's values instead
        (None where that fails). The bundled engine renders them all in one process."""
        if spec.helm_binary is None or Path(spec.chart).exists():
            spec.policy.check_tree(spec.chart, "Helm chart")
        for file in (*spec.values, *(f for variant in variants for f in variant.values)):
            spec.policy.check(file, "values file")
        repeat = calls_nondeterministic(spec.chart)
        if spec.helm_binary is None:
            manifests, warnings, others, again = _render_with_sdk(spec, variants, repeat=repeat)
        else:
            manifests, warnings = split_template_output(_run_helm(spec, spec.helm_binary)), []
            others = [_run_helm_variant(spec, variant, spec.helm_binary) for variant in variants]
            again = _run_helm_variant(spec, spec, spec.helm_binary) if repeat else None
        parsed: Parsed = {}
        documents = manifest_documents(manifests, include_hooks=spec.include_hooks, parsed=parsed)
        log.info("rendered %d objects from %s", len(documents), spec.label)
        # The repeated render differs from the first only where a template printed something
        # new: its other files are the first's, not parsed again; all alike, nothing varies.
        repeated = _variant_documents(again, spec, parsed) if again != manifests else None
        if repeated is not None:
            documents = mark_varying(documents, repeated.documents)
            log.info("%d fields vary between two renders", varying_count(documents))
        rendered = Rendered(tuple(documents), tuple(warnings))
        return rendered, [_variant_documents(pairs, spec) for pairs in others]


def _variant_documents(
    pairs: Pairs | None, spec: HelmSpec, parsed: Parsed | None = None
) -> Rendered | None:
    if pairs is None:
        return None
    try:
        documents = manifest_documents(pairs, include_hooks=spec.include_hooks, parsed=parsed)
        return Rendered(tuple(documents))
    except InputError:
        return None


def _run_helm_variant(spec: HelmSpec, variant: Variant, helm: str) -> Pairs | None:
    other = replace(spec, values=variant.values, set=variant.set, set_string=variant.set_string)
    try:
        return split_template_output(_run_helm(other, helm))
    except DriftActionError:
        return None


def _render_with_sdk(
    spec: HelmSpec, variants: Sequence[Variant] = (), *, repeat: bool = False
) -> worker.Answer:
    """In a child process (`worker`), so the render limits can stop it. Each variant, and the
    repeated render, is one more render in the same process, with limits of its own added."""

    shown = display_path(spec.chart)
    check_local_chart(spec.chart, shown)
    limits = spec.limits
    renders = 1 + len(variants) + repeat
    try:
        # Started ahead when the run said it would render a chart (`core/helm_engine.py`), else
        # now; its limits count from here.
        finished = finish_program(
            warm.take(file=shown),
            input=worker.request(spec, variants, repeat=repeat),
            timeout=limits.timeout * renders,
            # JSON escapes newlines and quotes: room for that beyond the text's own limit.
            max_bytes=(2 * limits.max_bytes + MIB) * renders,
            memory_bytes=worker.memory_bytes(limits, renders),
            file=shown,
        )
    except ToolError as exc:
        if (error := limit_error(exc, "Helm", limits, shown)) is not None:
            raise error from None
        raise InputError(f"the Helm engine failed: {_crash(exc)}", file=shown) from None
    return worker.answer(finished.stdout, finished.stderr, shown)


def _crash(exc: ToolError) -> str:
    """Why the engine's process died: Go's own first line (`fatal error: ...`, `panic: ...`)
    rather than the end of its goroutine dump."""
    lines = exc.error_output.splitlines()
    for prefixes in (("fatal error:", "panic:"), ("runtime:",)):
        for line in lines:
            if line.startswith(prefixes):
                return line.strip()[:300]
    code = exc.returncode or 0
    how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    return f"{how}: {' | '.join(exc.stderr) or 'no error output'}"


def _run_helm(spec: HelmSpec, helm: str) -> str:
    shown = display_path(spec.chart)
    if os.sep not in helm:  # looked up on PATH as `which` does it: never in the working folder
        found = which(helm)
        if found is None:
            raise ToolError(f"{helm}: program not found on PATH", program=helm, file=shown)
        helm = found
    if Path(spec.chart).exists():  # otherwise perhaps a repository reference helm understands
        check_local_chart(spec.chart, shown)
    limits = spec.limits
    try:
        return run_tool(
            template_command(spec, helm),
            file=shown,
            timeout=limits.timeout,
            max_bytes=limits.max_bytes,
            memory_bytes=limits.memory_bytes,
        )
    except ToolError as exc:
        if (error := limit_error(exc, "helm template", limits, shown)) is not None:
            raise error from None
        if exc.returncode is None:  # not found, not executable: already clear
            raise
        raise template_error(" ".join(exc.stderr), shown, fallback="helm template failed") from exc


def template_command(spec: HelmSpec, helm: str) -> list[str]:
    argv = [helm, "template", spec.release, spec.chart, "--namespace", spec.namespace]
    argv.append("--include-crds")
    for file in spec.values:
        argv += ["--values", file]
    for expression in spec.set:
        argv += ["--set", expression]
    for expression in spec.set_string:
        argv += ["--set-string", expression]
    if spec.kube_version is not None:
        argv += ["--kube-version", spec.kube_version]
    for api_version in spec.api_versions:
        argv += ["--api-versions", api_version]
    return argv
