"""What a Helm render needs: the chart, its values and the release, shared by the renderer and
the engine's own process (`worker`), which import it and not each other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy


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
    limits: RenderLimits = field(default_factory=RenderLimits)
    policy: PathPolicy = field(default_factory=PathPolicy)  # where the chart and values may be

    @property
    def label(self) -> str:
        return f"helm chart {self.chart}"


# A variant of a render: the same chart and release with other values (`values`, `set` and
# `set_string` taken from a HelmSpec).
Variant = HelmSpec


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
