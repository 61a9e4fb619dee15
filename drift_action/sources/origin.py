"""Which source declared each document, recorded on its location so a report can print the
command that deploys it again (`drift_action.remediation`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from drift_action.core.files import display_path
from drift_action.core.fixes import Origin, OriginKind
from drift_action.core.model import Document
from drift_action.sources.base import SourceSpec
from drift_action.sources.helm.spec import HelmSpec
from drift_action.sources.kustomize import KustomizeSpec
from drift_action.sources.manifests import ManifestsSpec


def origin_of(spec: SourceSpec) -> Origin | None:
    """None for Terraform: its documents name their resource address already."""
    if isinstance(spec, ManifestsSpec):
        return Origin(OriginKind.MANIFESTS, spec.label)  # each document's file is its own
    if isinstance(spec, KustomizeSpec):
        return Origin(OriginKind.KUSTOMIZE, spec.label, path=display_path(spec.path))
    if isinstance(spec, HelmSpec):
        return Origin(
            OriginKind.HELM,
            spec.label,
            path=display_path(spec.chart),
            release=spec.release,
            namespace=spec.namespace,
            values=tuple(display_path(v) for v in spec.values),
            set=spec.set,
            set_string=spec.set_string,
        )
    return None


def with_origin(documents: Sequence[Document], origin: Origin | None) -> tuple[Document, ...]:
    if origin is None:
        return tuple(documents)
    return tuple(replace(d, source=replace(d.source, origin=origin)) for d in documents)
