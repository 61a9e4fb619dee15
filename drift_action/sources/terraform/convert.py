"""One resource instance's values as a Kubernetes object: the readers by resource type, and the
checks that the object can be named in a report.

The same conversion serves a plan's planned values (the head), its prior state (the base) and
the states of `resource_drift` (Terraform's view), so that all of them read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from drift_action.core.model import Document, Marks, SourceLocation
from drift_action.sources.terraform.manifests import kubectl_object, manifest_object
from drift_action.sources.terraform.schema import PATCHES, RESOURCES
from drift_action.sources.terraform.trees import strings_at
from drift_action.sources.terraform.typed import Converted, typed_object

HINT = (
    "managed by Terraform ({address}): run `terraform plan` to review and `terraform apply` "
    "to reconcile"
)


def object_of(
    kind: str, values: Mapping[str, Any], unknown: Any, sensitive: Any
) -> Converted | None:
    """The object a resource's values describe, the strings at its sensitive paths noted; None
    for a type that is not read. Unusable when the values hold no object that can be compared."""
    if kind == "kubernetes_manifest":
        converted = manifest_object(values, unknown, sensitive)
    elif kind == "kubectl_manifest":
        converted = kubectl_object(values, unknown, sensitive)
    elif kind in RESOURCES:
        converted = typed_object(RESOURCES[kind], values, unknown, sensitive)
    else:
        return None
    secrets = strings_at(converted.body, converted.marks.sensitive)
    return replace(converted, marks=replace(converted.marks, secrets=secrets))


def converts(kind: str) -> bool:
    """Whether `object_of` reads resources of this type."""
    return kind in ("kubernetes_manifest", "kubectl_manifest") or kind in RESOURCES


def readable(kind: str) -> bool:
    """Whether resources of this type are read (or named in a warning when skipped)."""
    return kind in ("helm_release", "kubernetes_manifest", "kubectl_manifest") or (
        kind.startswith("kubernetes_")
    )


def unsupported(kind: str) -> str:
    if kind in PATCHES:
        return f"{kind} is not compared: {PATCHES[kind]}"
    if kind.startswith("kubernetes_"):
        return f"{kind} is not a resource type drift-action reads"
    return ""  # another provider's resource: not Kubernetes


_IDENTITY: tuple[tuple[str, ...], ...] = (
    ("apiVersion",),
    ("kind",),
    ("metadata", "name"),
    ("metadata", "namespace"),
)


def identity_problem(converted: Converted) -> str:
    """Why the object cannot be named in a report, or ""."""
    marks = converted.marks
    for path in _IDENTITY[2:]:
        if any(path[: len(mark)] == mark for mark in marks.unknown):
            return f"its {path[-1]} is known only after apply"
    for path in _IDENTITY:
        if any(path[: len(mark)] == mark for mark in marks.sensitive):
            return "its identity is sensitive in the plan, and a report would have to name it"
    return shape_problem(converted.body)


def shape_problem(body: Mapping[str, Any]) -> str:
    """Why the object cannot be named (its identity is missing or of the wrong type), or ""."""
    if not isinstance(body.get("apiVersion"), str) or not isinstance(body.get("kind"), str):
        return "its apiVersion or kind is missing or not a string"
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not (isinstance(name, str) and name):
        return "it has no metadata.name"
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if namespace is not None and not isinstance(namespace, str):
        return "its metadata.namespace is not a string"
    return ""


def document(converted: Converted, file: str, address: str, hint: str) -> Document:
    """The object as a document sourced at the resource's address in the plan file."""
    marks = replace(converted.marks, hint=hint.format(address=address))
    return Document(converted.body, SourceLocation(file, None, address), marks=marks)


def with_sensitive(document: Document, other: Marks) -> Document:
    """The document also hides what another side of the same resource marks sensitive."""
    marks = document.marks or Marks()
    if not other.sensitive:
        return document
    both = replace(marks, sensitive=marks.sensitive | other.sensitive)
    return replace(document, marks=replace(both, secrets=marks.secrets | other.secrets))
