"""A HorizontalPodAutoscaler sets the replicas of the workload it scales."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from drift_action.core.identity import canonical_group
from drift_action.core.model import Change, KubeObject, ResourceKey

if TYPE_CHECKING:
    from drift_action.compare.set_aside import Subject

ID = "hpa-replicas"


def check(change: Change, subject: Subject) -> str | None:
    if change.path != ("spec", "replicas") or subject.key not in subject.context.hpa_targets:
        return None
    if change.live == 0 and change.desired != 0:
        # An HPA does not act on a workload at zero replicas (it is paused, not autoscaled):
        # someone scaled it down by hand, and it stays down.
        return None
    return "a HorizontalPodAutoscaler sets the replicas of this workload"


def targets(objects: Iterable[KubeObject]) -> frozenset[ResourceKey]:
    """Workloads that a HorizontalPodAutoscaler scales, from desired and live HPAs alike."""
    found = set()
    for obj in objects:
        if obj.key.kind != "HorizontalPodAutoscaler" or obj.key.group != "autoscaling":
            continue
        spec = obj.body.get("spec")
        ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
        if not isinstance(ref, Mapping) or not ref.get("kind") or not ref.get("name"):
            continue
        group = canonical_group(str(ref.get("apiVersion") or "apps/v1"), str(ref["kind"]))
        found.add(ResourceKey(group, str(ref["kind"]), obj.key.namespace, str(ref["name"])))
    return frozenset(found)
