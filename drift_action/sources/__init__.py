"""Sources render the desired objects. Adding a source is adding a module and a registry entry."""

from __future__ import annotations

from typing import Any

from drift_action.sources import helm, kustomize, manifests, terraform
from drift_action.sources.base import Rendered, Renderer, SourceSpec
from drift_action.sources.helm import HelmSpec
from drift_action.sources.kustomize import KustomizeSpec
from drift_action.sources.manifests import ManifestsSpec
from drift_action.sources.terraform import TerraformSpec

RENDERERS: dict[type[Any], Renderer[Any]] = {
    ManifestsSpec: manifests.ManifestsRenderer(),
    HelmSpec: helm.HelmRenderer(),
    KustomizeSpec: kustomize.KustomizeRenderer(),
    TerraformSpec: terraform.TerraformRenderer(),
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
