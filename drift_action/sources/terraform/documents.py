"""A plan's Kubernetes resources as documents (desired objects) and observations (Terraform's view).

Each object's source is its resource address in the plan file. Data sources, resources planned
for deletion and other providers' resources are skipped; a kubernetes provider type this module
does not know is skipped with a warning that names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from drift_action.core.model import Document, Marks, Observation, SourceLocation
from drift_action.sources.terraform.helm_release import HelmRelease, NotRenderable, read_release
from drift_action.sources.terraform.manifests import Unusable, kubectl_object, manifest_object
from drift_action.sources.terraform.plan import Instance, Plan
from drift_action.sources.terraform.schema import PATCHES, RESOURCES
from drift_action.sources.terraform.trees import strings_at
from drift_action.sources.terraform.typed import Converted, typed_object

FORGET = "forget"  # Terraform 1.7's `removed` blocks: the object stays, Terraform lets go of it
HINT = (
    "managed by Terraform ({address}): run `terraform plan` to review and `terraform apply` "
    "to reconcile"
)
DRIFT_HINT = (
    "Terraform's refresh saw {address} changed outside Terraform: run `terraform plan` to review "
    "and `terraform apply` to reconcile"
)
# kubectl_manifest keeps only a fingerprint of the live fields: its drift names no field.
_FINGERPRINTS = ("yaml_incluster", "live_manifest_incluster")


@dataclass(frozen=True)
class Built:
    documents: tuple[Document, ...]
    releases: tuple[HelmRelease, ...]
    observations: tuple[Observation, ...]
    warnings: tuple[str, ...]


def build(plan: Plan, file: str) -> Built:
    documents: list[Document] = []
    releases: list[HelmRelease] = []
    observations: dict[str, Observation] = {}
    warnings: list[str] = []
    for instance in plan.instances:
        if instance.deleted or instance.actions == (FORGET,):
            continue  # it will not exist after apply, or not under Terraform: nothing expected
        try:
            desired = _desired(instance)
        except _Skipped as skipped:
            if str(skipped):
                warnings.append(f"{file}: {instance.address}: {skipped}")
            continue
        if isinstance(desired, HelmRelease):
            releases.append(desired)
            continue
        document = _document(desired, file, instance.address, HINT)
        documents.append(document)
        if instance.actions:  # planned_values alone say nothing of the refreshed state
            try:
                observations[instance.address] = _planned(instance, document, file)
            except Unusable as exc:
                warnings.append(f"{file}: {instance.address}: {exc}: Terraform's view not used")
    for entry in plan.drift:
        try:
            seen = _drift(entry, file)
        except Unusable as exc:
            warnings.append(f"{file}: {entry.address}: {exc}: Terraform's drift not used")
            continue
        if seen is not None:
            observations[entry.address] = seen
    return Built(tuple(documents), tuple(releases), tuple(observations.values()), tuple(warnings))


class _Skipped(Exception):
    """The instance declares nothing to compare; the message is the warning ("": none)."""


def _desired(instance: Instance) -> Converted | HelmRelease:
    """The object or Helm release an instance declares; _Skipped when there is none."""
    if not isinstance(instance.after, Mapping):
        what = "are missing" if instance.after is None else "are not an object"
        readable = _read(instance.type)
        raise _Skipped(f"its planned values {what}: not compared" if readable else "")
    if instance.type == "helm_release":
        try:
            return read_release(
                instance.address, instance.after, instance.after_unknown, instance.after_sensitive
            )
        except NotRenderable as exc:
            raise _Skipped(str(exc)) from None
    try:
        converted = _object(
            instance.type, instance.after, instance.after_unknown, instance.after_sensitive
        )
    except Unusable as exc:
        raise _Skipped(f"{exc}: not compared") from None
    if converted is None:
        message = _unsupported(instance.type)
        raise _Skipped(f"{message}: skipped" if message else "")
    problem = _identity_problem(converted)
    if problem:
        raise _Skipped(f"{problem}: not compared")
    return converted


def _object(kind: str, after: Mapping[str, Any], unknown: Any, sensitive: Any) -> Converted | None:
    """The object a resource's values describe, the strings at its sensitive paths noted."""
    if kind == "kubernetes_manifest":
        converted = manifest_object(after, unknown, sensitive)
    elif kind == "kubectl_manifest":
        converted = kubectl_object(after, unknown, sensitive)
    elif kind in RESOURCES:
        converted = typed_object(RESOURCES[kind], after, unknown, sensitive)
    else:
        return None
    secrets = strings_at(converted.body, converted.marks.sensitive)
    return replace(converted, marks=replace(converted.marks, secrets=secrets))


def _read(kind: str) -> bool:
    """Whether resources of this type are read (or named in a warning when skipped)."""
    return kind in ("helm_release", "kubernetes_manifest", "kubectl_manifest") or (
        kind.startswith("kubernetes_")
    )


def _unsupported(kind: str) -> str:
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


def _identity_problem(converted: Converted) -> str:
    """Why the object cannot be named in a report, or ""."""
    marks = converted.marks
    for path in _IDENTITY[2:]:
        if any(path[: len(mark)] == mark for mark in marks.unknown):
            return f"its {path[-1]} is known only after apply"
    for path in _IDENTITY:
        if any(path[: len(mark)] == mark for mark in marks.sensitive):
            return "its identity is sensitive in the plan, and a report would have to name it"
    return _shape_problem(converted.body)


def _shape_problem(body: Mapping[str, Any]) -> str:
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


def _document(converted: Converted, file: str, address: str, hint: str) -> Document:
    marks = replace(converted.marks, hint=hint.format(address=address))
    return Document(converted.body, SourceLocation(file, None, address), marks=marks)


def _planned(instance: Instance, desired: Document, file: str) -> Observation:
    """Terraform's view without drift: the planned object against the refreshed prior state."""
    live = None
    if not instance.created and instance.before is not None:
        if not isinstance(instance.before, Mapping):
            raise Unusable("its prior state is not an object")
        before = _object(instance.type, instance.before, None, instance.before_sensitive)
        if before is not None and (problem := _shape_problem(before.body)):
            raise Unusable(f"{problem} in its prior state")
        if before is not None:
            live = Document(before.body, SourceLocation(file, None, instance.address))
            desired = _with_sensitive(desired, before.marks)
    return Observation(instance.address, desired, live, drift=False)


def _drift(entry: Instance, file: str) -> Observation | None:
    """A resource_drift entry: the state Terraform had against what its refresh found.

    Unusable when an entry of a type that is read cannot be."""
    if not _read(entry.type) or entry.type == "helm_release":
        return None  # not a Kubernetes object of ours
    if not isinstance(entry.before, Mapping):
        what = "is missing" if entry.before is None else "is not an object"
        raise Unusable(f"its prior state {what}")
    if entry.after is not None and not isinstance(entry.after, Mapping):
        raise Unusable("its refreshed state is not an object")
    before = _object(entry.type, entry.before, None, entry.before_sensitive)
    after = (
        _object(entry.type, entry.after, None, entry.after_sensitive)
        if isinstance(entry.after, Mapping)
        else None
    )
    if before is None:
        return None
    if problem := _identity_problem(before):
        raise Unusable(problem)  # named in a warning rather than dropped without a word
    if after is not None and (problem := _shape_problem(after.body)):
        raise Unusable(f"{problem} in its refreshed state")
    hint = DRIFT_HINT.format(address=entry.address)
    desired = _document(before, file, entry.address, DRIFT_HINT)  # formatted there, once
    live = None
    if after is not None:
        desired = _with_sensitive(desired, after.marks)
        live = Document(after.body, SourceLocation(file, None, entry.address))
    # The kubectl provider compares a fingerprint of the fields it applied with one of the live
    # fields; the YAML itself does not change on refresh.
    refreshed: Mapping[str, Any] = entry.after or {}
    fingerprinted = entry.type == "kubectl_manifest"
    changed = fingerprinted and len({str(refreshed.get(key)) for key in _FINGERPRINTS}) > 1
    return Observation(
        entry.address, desired, live, drift=True, hint=hint, fields_recorded=not changed
    )


def _with_sensitive(document: Document, other: Marks) -> Document:
    """The desired side also hides what the other side marks sensitive."""
    marks = document.marks or Marks()
    if not other.sensitive:
        return document
    both = replace(marks, sensitive=marks.sensitive | other.sensitive)
    return replace(document, marks=replace(both, secrets=marks.secrets | other.secrets))
