"""The `sources:` section of the config file: what one run renders, each with its options.

    sources:
      - manifests: [deploy/base, deploy/extra.yaml]
        namespace: shop
      - helm: charts/shop
        values: [charts/shop/values-prod.yaml]
        set: [image.tag=1.4.2]
        release: shop
        namespace: shop
      - kustomize: overlays/prod
      - terraform: infra/plan.json   # terraform show -json output, or the plan file

Relative paths are relative to the config file's folder, so a run from any directory means the
same files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, Protocol

from drift_action.sources import HelmSpec, KustomizeSpec, ManifestsSpec, SourceSpec, TerraformSpec

Where = tuple[str | int, ...]

KINDS = ("manifests", "helm", "kustomize", "terraform")
COMMON_KEYS = ("namespace",)
HELM_KEYS = (
    "values",
    "set",
    "setString",
    "release",
    "kubeVersion",
    "apiVersions",
    "includeHooks",
    "helmBinary",
)


class Reader(Protocol):
    """What the config reader offers: checked access that cites file and line on error."""

    programs: bool  # False: the file may not name a program (a confined run)

    def mapping(self, value: Any, where: Where, allowed: Sequence[str]) -> Mapping[str, Any]: ...
    def strings(self, value: Any, where: Where) -> tuple[str, ...]: ...
    def fail(self, where: Where, message: str, *, at: Where | None = None) -> NoReturn: ...


def read_sources(reader: Reader, value: Any, base: str) -> tuple[SourceSpec, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        reader.fail(("sources",), "expected a non-empty list of sources")
    return tuple(_source(reader, item, ("sources", i), base) for i, item in enumerate(value))


def _source(reader: Reader, item: Any, where: Where, base: str) -> SourceSpec:
    if not isinstance(item, dict):
        reader.fail(where, "expected a mapping such as {helm: charts/shop}")
    kinds = [kind for kind in KINDS if kind in item]
    if len(kinds) != 1:
        reader.fail(where, f"name exactly one kind of source: {', '.join(KINDS)}")
    kind = kinds[0]
    allowed = (kind, *COMMON_KEYS, *(HELM_KEYS if kind == "helm" else ()))
    entry = reader.mapping(item, where, allowed)
    namespace = _string(reader, entry.get("namespace", "default"), (*where, "namespace"))
    if kind == "manifests":
        paths = entry["manifests"]
        listed = (
            (paths,) if isinstance(paths, str) else reader.strings(paths, (*where, "manifests"))
        )
        if not listed:
            reader.fail((*where, "manifests"), "expected at least one path")
        return ManifestsSpec(tuple(_path(base, p) for p in listed), namespace)
    target = _string(reader, entry[kind], (*where, kind))
    if kind == "kustomize":
        return KustomizeSpec(_path(base, target), namespace)
    if kind == "terraform":
        return TerraformSpec(_path(base, target), namespace)
    return _helm(reader, entry, where, base, chart=target, namespace=namespace)


def _helm(
    reader: Reader, entry: Mapping[str, Any], where: Where, base: str, *, chart: str, namespace: str
) -> HelmSpec:
    include = entry.get("includeHooks", False)
    if not isinstance(include, bool):
        reader.fail((*where, "includeHooks"), "expected true or false")
    kube_version = entry.get("kubeVersion")
    if isinstance(kube_version, int | float):  # YAML reads 1.30 as the number 1.3
        reader.fail((*where, "kubeVersion"), f'quote the version: kubeVersion: "{kube_version}"')
    binary = entry.get("helmBinary")
    if binary is not None and not reader.programs:
        reader.fail(
            (*where, "helmBinary"),
            "a program named in the repository's config file is not run when input files are "
            "confined (the action, --confine-to): the workflow gives it (--helm-binary, input "
            "helm_binary)",
        )
    values = reader.strings(entry.get("values"), (*where, "values"))
    return HelmSpec(
        chart=_path(base, chart),
        values=tuple(_path(base, v) for v in values),
        set=reader.strings(entry.get("set"), (*where, "set")),
        set_string=reader.strings(entry.get("setString"), (*where, "setString")),
        release=_string(reader, entry.get("release", "release-name"), (*where, "release")),
        namespace=namespace,
        kube_version=None
        if kube_version is None
        else _string(reader, str(kube_version), (*where, "kubeVersion")),
        api_versions=reader.strings(entry.get("apiVersions"), (*where, "apiVersions")),
        include_hooks=include,
        helm_binary=None if binary is None else _string(reader, binary, (*where, "helmBinary")),
    )


def _string(reader: Reader, value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value:
        reader.fail(where, "expected a non-empty string")
    return value


def _path(base: str, path: str) -> str:
    if os.path.isabs(path) or not base:
        return path
    return os.path.normpath(os.path.join(base, path))
