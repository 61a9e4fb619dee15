"""A plan's Kubernetes resources as documents (desired objects) and observations (Terraform's view).

Each object's source is its resource address in the plan file. Data sources, resources planned
for deletion and other providers' resources are skipped; a kubernetes provider type this module
does not know is skipped with a warning that names it. Beside the objects the plan will leave,
each object as Terraform last applied it (a deleted one included) is a base document (`prior`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from drift_action.core.model import Document, Observation, SourceLocation
from drift_action.sources.terraform.convert import (
    HINT,
    document,
    identity_problem,
    object_of,
    readable,
    shape_problem,
    unsupported,
    with_sensitive,
)
from drift_action.sources.terraform.helm_release import (
    HelmRelease,
    NotRenderable,
    ReleaseBase,
    read_release,
    unchanged,
)
from drift_action.sources.terraform.manifests import Unusable
from drift_action.sources.terraform.plan import Instance, Plan
from drift_action.sources.terraform.prior import NoPrior, base_and_head, deleted_base
from drift_action.sources.terraform.typed import Converted

FORGET = "forget"  # Terraform 1.7's `removed` blocks: the object stays, Terraform lets go of it
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
    # Each object as Terraform last applied it (`prior`), Helm releases' objects aside.
    base: tuple[Document, ...] = ()


def build(plan: Plan, file: str) -> Built:
    found = _Found()
    drifted = {entry.address: entry for entry in plan.drift}
    for instance in plan.instances:
        if instance.actions == (FORGET,):
            continue  # no longer under Terraform: nothing expected, before or after
        if instance.deleted:  # nothing expected after apply: a planned deletion
            found.deleted(instance, drifted.get(instance.address), file)
        else:
            found.kept(instance, drifted.get(instance.address), plan, file)
    for entry in plan.drift:
        try:
            seen = _drift(entry, file)
        except Unusable as exc:
            found.warnings.append(f"{file}: {entry.address}: {exc}: Terraform's drift not used")
            continue
        if seen is not None:
            found.observations[entry.address] = seen
    return Built(
        tuple(found.documents),
        tuple(found.releases),
        tuple(found.observations.values()),
        tuple(found.warnings),
        tuple(found.base),
    )


@dataclass
class _Found:
    """What `build` has found so far."""

    documents: list[Document] = field(default_factory=list)
    base: list[Document] = field(default_factory=list)
    releases: list[HelmRelease] = field(default_factory=list)
    observations: dict[str, Observation] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def deleted(self, instance: Instance, drift: Instance | None, file: str) -> None:
        try:
            prior = deleted_base(instance, drift, file)
        except NoPrior as exc:
            self.warnings.append(f"{file}: {instance.address}: {exc}: its deletion is not compared")
            return
        self.base.extend([prior] if prior is not None else [])

    def kept(self, instance: Instance, drift: Instance | None, plan: Plan, file: str) -> None:
        try:
            desired = _desired(instance)
        except _Skipped as skipped:
            if str(skipped):
                self.warnings.append(f"{file}: {instance.address}: {skipped}")
            return
        if isinstance(desired, HelmRelease):
            self.releases.append(replace(desired, base=_release_base(instance, plan)))
            return
        head = document(desired, file, instance.address, HINT)
        if plan.records_prior:
            prior, head = base_and_head(instance, drift, head, file)
            self.base.extend([prior] if prior is not None else [])
        else:  # planned_values hold no prior state: the source says so once
            self.base.append(head)
        self.documents.append(head)
        if instance.actions:  # planned_values alone say nothing of the refreshed state
            try:
                self.observations[instance.address] = _planned(instance, head, file)
            except Unusable as exc:
                self.warnings.append(
                    f"{file}: {instance.address}: {exc}: Terraform's view not used"
                )


def _release_base(instance: Instance, plan: Plan) -> ReleaseBase:
    if not plan.records_prior:
        return ReleaseBase.SAME  # the source says once that no prior state is known
    if instance.created:
        return ReleaseBase.NONE
    return ReleaseBase.SAME if unchanged(instance.before, instance.after) else ReleaseBase.CHANGED


class _Skipped(Exception):
    """The instance declares nothing to compare; the message is the warning ("": none)."""


def _desired(instance: Instance) -> Converted | HelmRelease:
    """The object or Helm release an instance declares; _Skipped when there is none."""
    if not isinstance(instance.after, Mapping):
        what = "are missing" if instance.after is None else "are not an object"
        raise _Skipped(
            f"its planned values {what}: not compared" if readable(instance.type) else ""
        )
    if instance.type == "helm_release":
        try:
            return read_release(
                instance.address, instance.after, instance.after_unknown, instance.after_sensitive
            )
        except NotRenderable as exc:
            raise _Skipped(str(exc)) from None
    try:
        converted = object_of(
            instance.type, instance.after, instance.after_unknown, instance.after_sensitive
        )
    except Unusable as exc:
        raise _Skipped(f"{exc}: not compared") from None
    if converted is None:
        message = unsupported(instance.type)
        raise _Skipped(f"{message}: skipped" if message else "")
    problem = identity_problem(converted)
    if problem:
        raise _Skipped(f"{problem}: not compared")
    return converted


def _planned(instance: Instance, desired: Document, file: str) -> Observation:
    """Terraform's view without drift: the planned object against the refreshed prior state."""
    live = None
    if not instance.created and instance.before is not None:
        if not isinstance(instance.before, Mapping):
            raise Unusable("its prior state is not an object")
        before = object_of(instance.type, instance.before, None, instance.before_sensitive)
        if before is not None and (problem := shape_problem(before.body)):
            raise Unusable(f"{problem} in its prior state")
        if before is not None:
            live = Document(before.body, SourceLocation(file, None, instance.address))
            desired = with_sensitive(desired, before.marks)
    return Observation(instance.address, desired, live, drift=False)


def _drift(entry: Instance, file: str) -> Observation | None:
    """A resource_drift entry: the state Terraform had against what its refresh found.

    Unusable when an entry of a type that is read cannot be."""
    if not readable(entry.type) or entry.type == "helm_release":
        return None  # not a Kubernetes object of ours
    if not isinstance(entry.before, Mapping):
        what = "is missing" if entry.before is None else "is not an object"
        raise Unusable(f"its prior state {what}")
    if entry.after is not None and not isinstance(entry.after, Mapping):
        raise Unusable("its refreshed state is not an object")
    before = object_of(entry.type, entry.before, None, entry.before_sensitive)
    after = (
        object_of(entry.type, entry.after, None, entry.after_sensitive)
        if isinstance(entry.after, Mapping)
        else None
    )
    if before is None:
        return None
    if problem := identity_problem(before):
        raise Unusable(problem)  # named in a warning rather than dropped without a word
    if after is not None and (problem := shape_problem(after.body)):
        raise Unusable(f"{problem} in its refreshed state")
    hint = DRIFT_HINT.format(address=entry.address)
    desired = document(before, file, entry.address, DRIFT_HINT)  # formatted there, once
    live = None
    if after is not None:
        desired = with_sensitive(desired, after.marks)
        live = Document(after.body, SourceLocation(file, None, entry.address))
    # The kubectl provider compares a fingerprint of the fields it applied with one of the live
    # fields; the YAML itself does not change on refresh.
    refreshed: Mapping[str, Any] = entry.after or {}
    fingerprinted = entry.type == "kubectl_manifest"
    changed = fingerprinted and len({str(refreshed.get(key)) for key in _FINGERPRINTS}) > 1
    return Observation(
        entry.address, desired, live, drift=True, hint=hint, fields_recorded=not changed
    )
