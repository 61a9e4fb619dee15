"""Terraform's own view of the objects, from a plan: its refreshed state and `resource_drift`.

* With a live snapshot or a cluster, only `resource_drift` is used: an object the comparison
  also covers stays one result, marked as seen by both, with Terraform's hint; drift on an
  object the comparison does not cover is added as a result seen by Terraform.
* Without one (`--live-from-terraform`), Terraform's view is the live state: each drift entry
  compares the state Terraform had with what its refresh found, and every other object its
  planned values with the refreshed state (missing when the plan creates it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from drift_action.compare.verdicts import Settings, compare
from drift_action.core.model import (
    KubeObject,
    Observation,
    Observer,
    Report,
    ResourceResult,
    Status,
)
from drift_action.core.objects import (
    RawObject,
    collect,
    desired_objects,
    learn_scopes,
    live_objects,
)
from drift_action.core.scope import ScopeResolver

FINGERPRINT_NOTE = (
    " (the kubectl provider records a fingerprint of the live fields, not which fields changed)"
)


def terraform_report(
    observations: Sequence[Observation], settings: Settings, *, drift_only: bool
) -> Report:
    """Results from Terraform's view alone: no live snapshot or cluster is read."""
    chosen = [o for o in observations if o.drift or not drift_only]
    desired, live, warnings = _objects(chosen)
    compared = compare(desired, live, warnings=warnings, settings=settings)
    by_address = {o.address: o for o in chosen}
    results = [_seen_by_terraform(r, by_address) for r in compared.resources]
    # Terraform records no managedFields: the note on snapshots without them does not apply.
    return Report(tuple(results), compared.warnings)


def terraform_view(observations: Sequence[Observation]) -> list[RawObject]:
    """The objects as Terraform's refresh saw them: the live state of a run that reads none."""
    found: list[RawObject] = []
    for observation in observations:
        if observation.live is not None:
            found.extend(collect([observation.live], strict=False)[0])
    return found


def merge(report: Report, observed: Report) -> Report:
    """`report` (compared with the live state) with the drift Terraform's refresh saw."""
    drifted = {r.key: r for r in observed.resources if r.status.is_drift}
    if not drifted:
        return report
    resources: list[ResourceResult] = []
    for result in report.resources:
        seen = drifted.pop(result.key, None)
        if seen is None:
            resources.append(result)
            continue
        # The comparison names the fields: the kubectl provider's fingerprint note is not needed.
        hint = seen.message.removesuffix(FINGERPRINT_NOTE)
        message = hint if result.status.is_drift else result.message
        resources.append(
            replace(result, message=message, seen_by=(Observer.LIVE, Observer.TERRAFORM))
        )
    resources.extend(drifted.values())
    return replace(
        report, resources=tuple(resources), warnings=(*report.warnings, *observed.warnings)
    )


def _objects(
    observations: Sequence[Observation],
) -> tuple[list[KubeObject], list[KubeObject], list[str]]:
    desired_raw: list[RawObject] = []
    live_raw: list[RawObject] = []
    warnings: list[str] = []
    for observation in observations:
        found, more = collect([observation.desired], strict=False)
        desired_raw.extend(found)
        warnings.extend(more)
        if observation.live is not None:
            found, more = collect([observation.live], strict=False)
            live_raw.extend(found)
            warnings.extend(more)
    scopes = ScopeResolver()
    learn_scopes(scopes, desired_raw, live_raw)
    desired, more = desired_objects([(obj, "default") for obj in desired_raw], scopes)
    warnings.extend(more)
    live, more = live_objects(live_raw)
    warnings.extend(more)
    return desired, live, warnings


def _seen_by_terraform(
    result: ResourceResult, observations: dict[str, Observation]
) -> ResourceResult:
    address = result.source.address if result.source is not None else None
    observation = observations.get(address) if address else None
    status, message = result.status, result.message
    fingerprinted = (
        observation is not None and observation.drift and not observation.fields_recorded
    )
    if observation is not None and fingerprinted and status is Status.IN_SYNC:
        status, message = Status.DRIFTED, observation.hint + FINGERPRINT_NOTE
    return replace(result, status=status, message=message, seen_by=(Observer.TERRAFORM,))
