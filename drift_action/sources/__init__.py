"""Sources render the desired objects. Adding a source is adding a module and a registry entry."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from drift_action.sources.base import Rendered, Renderer, SourceSpec
from drift_action.sources.helm.spec import HelmSpec
from drift_action.sources.kustomize import KustomizeRenderer, KustomizeSpec
from drift_action.sources.manifests import ManifestsRenderer, ManifestsSpec
from drift_action.sources.terraform.spec import TerraformSpec

# Charts and plans are rendered by modules that load Helm's worker and the Terraform readers:
# each is imported when a source of its kind is first rendered, not at every start.


def _helm() -> Renderer[Any]:
    from drift_action.sources.helm.render import HelmRenderer  # noqa: PLC0415 (see above)

    return HelmRenderer()


def _terraform() -> Renderer[Any]:
    from drift_action.sources.terraform.source import TerraformRenderer  # noqa: PLC0415

    return TerraformRenderer()


# The renderer for each kind of spec, made on first use (one per process).
RENDERERS: dict[type[Any], Callable[[], Renderer[Any]]] = {
    ManifestsSpec: ManifestsRenderer,
    HelmSpec: _helm,
    KustomizeSpec: KustomizeRenderer,
    TerraformSpec: _terraform,
}


@functools.cache
def renderer(kind: type[Any]) -> Renderer[Any]:
    return RENDERERS[kind]()


def render(spec: SourceSpec) -> Rendered:
    return renderer(type(spec)).render(spec)


__all__ = [
    "RENDERERS",
    "HelmSpec",
    "KustomizeSpec",
    "ManifestsSpec",
    "Rendered",
    "Renderer",
    "SourceSpec",
    "TerraformSpec",
    "render",
    "renderer",
]
