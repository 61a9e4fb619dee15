"""Sources render the desired objects. Adding a source is adding a module and a registry entry."""

from __future__ import annotations

from typing import Any

from drift_action.sources.base import Rendered, Renderer, SourceSpec
from drift_action.sources.helm.render import HelmRenderer
from drift_action.sources.helm.spec import HelmSpec
from drift_action.sources.kustomize import KustomizeRenderer, KustomizeSpec
from drift_action.sources.manifests import ManifestsRenderer, ManifestsSpec
from drift_action.sources.terraform.source import TerraformRenderer, TerraformSpec

RENDERERS: dict[type[Any], Renderer[Any]] = {
    ManifestsSpec: ManifestsRenderer(),
    HelmSpec: HelmRenderer(),
    KustomizeSpec: KustomizeRenderer(),
    TerraformSpec: TerraformRenderer(),
}


def render(spec: SourceSpec) -> Rendered:
    return RENDERERS[type(spec)].render(spec)


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
]
