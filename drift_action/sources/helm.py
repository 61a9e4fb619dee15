"""Helm charts, rendered by Helm's own engine.

By default in-process, with the Helm Go SDK that the helm-python-sdk wheel bundles (no helm binary
needed); with `helm_binary` set, by running `helm template` instead. Either way the objects are the
ones `helm template --include-crds` prints, without hooks unless `include_hooks` is set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drift_action.errors import DriftActionError, UsageError
from drift_action.files import display_path, read_text
from drift_action.sources.base import Rendered
from drift_action.sources.helm_chart import (
    check_dependencies,
    check_local_chart,
    crd_enabled,
    float_warnings,
    is_crd_file,
    is_hook,
    is_manifest,
    manifest_documents,
    split_template_output,
)
from drift_action.sources.helm_errors import go_log, sdk_error, template_error, values_file_error
from drift_action.tools import ToolError, run_tool

if TYPE_CHECKING:
    from helm_python import Chart

log = logging.getLogger(__name__)

__all__ = [
    "HelmRenderer",
    "HelmSpec",
    "is_crd_file",
    "is_hook",
    "manifest_documents",
    "merge_values",
    "split_template_output",
    "template_command",
]


@dataclass(frozen=True)
class HelmSpec:
    chart: str  # a chart folder or a packaged .tgz
    values: tuple[str, ...] = ()  # values files, later ones win (helm -f)
    set: tuple[str, ...] = ()  # helm --set expressions
    set_string: tuple[str, ...] = ()  # helm --set-string expressions
    release: str = "release-name"
    namespace: str = "default"
    kube_version: str | None = None  # .Capabilities.KubeVersion; None: the engine's default
    api_versions: tuple[str, ...] = ()  # added to .Capabilities.APIVersions
    include_hooks: bool = False
    helm_binary: str | None = None  # run `helm template` with this program instead of the SDK

    @property
    def label(self) -> str:
        return f"helm chart {self.chart}"


class HelmRenderer:
    def render(self, spec: HelmSpec) -> Rendered:
        if spec.helm_binary is None:
            manifests, warnings = _render_with_sdk(spec)
        else:
            manifests, warnings = split_template_output(_run_helm(spec, spec.helm_binary)), []
        documents = manifest_documents(manifests, include_hooks=spec.include_hooks)
        log.info("rendered %d objects from %s", len(documents), spec.label)
        return Rendered(tuple(documents), tuple(warnings))


def _render_with_sdk(spec: HelmSpec) -> tuple[list[tuple[str, str]], list[str]]:
    shown = display_path(spec.chart)
    check_local_chart(spec.chart, shown)
    try:
        # Imported here: loading the Go library costs ~0.1 s that runs without Helm sources skip.
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
    values, warnings = _user_values(spec)
    with go_log() as logged:
        try:
            with helm_python.Chart.load(spec.chart) as chart:
                check_dependencies(chart.metadata, chart.dependencies, shown)
                rendered = _render_chart(chart, values, spec)
                crds = [
                    (crd["filename"], crd["data"])
                    for crd in chart.crds
                    if crd_enabled(crd["filename"], rendered, chart, values)
                ]
        except helm_python.HelmError as exc:
            raise sdk_error(exc, shown) from exc
    warnings.extend(f"{shown}: helm: {line}" for line in logged)
    templates = [(name, text) for name, text in sorted(rendered.items()) if is_manifest(name)]
    return crds + templates, warnings


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


def _user_values(spec: HelmSpec) -> tuple[dict[str, Any], list[str]]:
    """Values files then --set then --set-string, each merged over the last, as helm does."""
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


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's mergeMaps: nested mappings merge, anything else in `override` replaces."""
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = merge_values(current, value)
        else:
            out[key] = value
    return out


def _run_helm(spec: HelmSpec, helm: str) -> str:
    shown = display_path(spec.chart)
    if Path(spec.chart).exists():  # otherwise perhaps a repository reference helm understands
        check_local_chart(spec.chart, shown)
    try:
        return run_tool(template_command(spec, helm), file=shown)
    except ToolError as exc:
        if exc.returncode is None:  # not found, not executable, timed out: already clear
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
