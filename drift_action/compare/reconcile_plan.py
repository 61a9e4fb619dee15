"""What a reconcile would apply, decided without the cluster: which resources, as which field
manager, and which are refused or left to another tool.

The applier is the deployer that owns the object's Git fields (a server-side Apply entry
first, then the one owning most fields), so that putting a value back does not split the
object's ownership between that tool and us.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drift_action.compare.managers import ManagerClasses
from drift_action.core.model import Actor, Change, KubeObject, Report, ResourceKey, Severity, Status
from drift_action.core.reconcile import (
    Outcome,
    ReconcileOptions,
    ReconcileRefused,
    ReconcileResult,
)

FALLBACK_MANAGER = "drift-action"
HELM_SKIP = (
    "rendered from a Helm chart: `helm upgrade` is the right tool (or --reconcile-helm / "
    "input reconcile_helm to apply it anyway)"
)
TERRAFORM_SKIP = "declared in Terraform: drift-action never applies it; run `terraform apply`"
EXTRA_SKIP = "extra: never deleted (pruning is not supported yet)"


@dataclass(frozen=True)
class Step:
    """One object to apply."""

    desired: KubeObject
    manager: str
    changes: tuple[Change, ...]
    created: bool  # missing: the apply creates it

    @property
    def key(self) -> ResourceKey:
        return self.desired.key


def plan(
    report: Report,
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    *,
    tools: Mapping[int, str],
    options: ReconcileOptions,
    managers: ManagerClasses,
) -> tuple[list[Step], list[ReconcileResult]]:
    """(what to apply, what is left alone and why). Raises ReconcileRefused when the report
    must not be acted on at all."""
    errors = [r for r in report.resources if r.status is Status.ERROR]
    if errors:
        raise ReconcileRefused(
            f"not reconciling: {len(errors)} resource(s) could not be compared "
            f"(first: {errors[0].key}); fix that first, nothing was applied"
        )
    drifting = [r for r in report.sorted_resources() if r.is_drift]
    high = [r for r in drifting if any(c.severity is Severity.HIGH for c in r.changes)]
    if high and not options.high:
        raise ReconcileRefused(
            f"not reconciling: {high[0].key} has a high-severity change; review it, or allow "
            "it with --reconcile-high (input reconcile_high), nothing was applied"
        )
    desired_by_key = {obj.key: obj for obj in desired}
    live_by_key = {obj.key: obj for obj in live}
    usual = _usual_deployer(live, managers)
    steps: list[Step] = []
    left: list[ReconcileResult] = []
    for result in drifting:
        obj = desired_by_key.get(result.key)
        if result.status is Status.EXTRA or obj is None:
            left.append(ReconcileResult(result.key, Outcome.SKIPPED, reason=EXTRA_SKIP))
            continue
        now = live_by_key.get(result.key)
        manager = _deployer(now.body, managers) if now is not None else None
        manager = manager or usual
        tool = tools.get(id(obj.body), "")
        skip = TERRAFORM_SKIP if tool == "TerraformSpec" else ""
        if tool == "HelmSpec" and not options.helm:
            skip = HELM_SKIP
        if skip:
            left.append(ReconcileResult(result.key, Outcome.SKIPPED, manager, skip, result.changes))
            continue
        steps.append(Step(obj, manager, result.changes, result.status is Status.MISSING))
    return steps, left


def _entries(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    meta = body.get("metadata")
    found = meta.get("managedFields") if isinstance(meta, Mapping) else None
    return [e for e in found or () if isinstance(e, Mapping) and isinstance(e.get("manager"), str)]


def _size(fields: Any) -> int:
    if not isinstance(fields, Mapping) or not fields:
        return 1
    return sum(_size(child) for child in fields.values())


def _deployer(body: Mapping[str, Any], managers: ManagerClasses) -> str | None:
    """The deployer owning this object's fields: Apply entries first, then the most fields."""
    candidates = [
        e for e in _entries(body) if managers.classify(str(e["manager"])) is Actor.DEPLOYER
    ]
    if not candidates:
        return None
    best = max(
        candidates,
        key=lambda e: (
            e.get("operation") == "Apply",
            _size(e.get("fieldsV1")),
            e.get("time") or "",
        ),
    )
    return str(best["manager"])


def _usual_deployer(live: Sequence[KubeObject], managers: ManagerClasses) -> str:
    """For a missing object: the deployer of most other live objects, else our own name."""
    seen = Counter(m for obj in live if (m := _deployer(obj.body, managers)) is not None)
    return seen.most_common(1)[0][0] if seen else FALLBACK_MANAGER
