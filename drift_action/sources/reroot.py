"""The same sources at another checkout: each path resolved under the base's folder instead of
the working directory, and the files the base render names shown as the head's would be."""

from __future__ import annotations

import os
from dataclasses import replace

from drift_action.core.model import Document, SourceLocation
from drift_action.sources.base import SourceSpec
from drift_action.sources.helm.spec import HelmSpec
from drift_action.sources.kustomize import KustomizeSpec
from drift_action.sources.manifests import ManifestsSpec


def moved(path: str, root: str, cwd: str) -> str:
    """`path` (relative to `cwd`, or absolute) at the checkout in `root`, which stands for `cwd`.
    A path outside `cwd` (a values file elsewhere on the runner) and a URL stay as they are."""
    if "://" in path or path == "-":
        return path
    if not os.path.isabs(path):
        return os.path.normpath(os.path.join(root, path))
    relative = os.path.relpath(path, cwd)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path
    return os.path.normpath(os.path.join(root, relative))


def reroot(spec: SourceSpec, root: str, cwd: str) -> SourceSpec:
    """`spec` reading from the checkout in `root`; a Terraform plan is not moved (it carries
    its own base: its prior state)."""
    if isinstance(spec, ManifestsSpec):
        return replace(spec, paths=tuple(moved(p, root, cwd) for p in spec.paths))
    if isinstance(spec, KustomizeSpec):
        return replace(spec, path=moved(spec.path, root, cwd))
    if isinstance(spec, HelmSpec):
        return replace(
            spec,
            chart=moved(spec.chart, root, cwd),
            values=tuple(moved(v, root, cwd) for v in spec.values),
        )
    return spec


def main_paths(spec: SourceSpec) -> tuple[str, ...]:
    """The paths that must exist for the source to be there at all."""
    if isinstance(spec, ManifestsSpec):
        return spec.paths
    if isinstance(spec, KustomizeSpec):
        return (spec.path,)
    if isinstance(spec, HelmSpec):
        return (spec.chart,)
    return ()  # a Terraform plan is not moved: it carries its own base


def shown_as_head(document: Document, root: str) -> Document:
    """A base document named by the path the head's would have (`k8s/web.yaml`, not the
    temporary checkout's absolute path)."""
    file = document.source.file
    if "://" in file or file.startswith(("cluster ", "-")):
        return document
    prefix = os.path.abspath(root).rstrip(os.sep) + os.sep
    absolute = os.path.abspath(file)
    if not absolute.startswith(prefix):
        return document
    source: SourceLocation = replace(document.source, file=absolute[len(prefix) :])
    return replace(document, source=source)
