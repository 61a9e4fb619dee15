"""Fields that another system legitimately owns: differences there are not drift."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.identity import canonical_group
from drift_action.model import Actor, Change, KubeObject, Normalization, ResourceKey

# Kinds whose caBundle a CA injector (cert-manager's cainjector, operators) fills in.
_CA_BUNDLE_KINDS = frozenset(
    {
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "CustomResourceDefinition",
        "APIService",
    }
)
# A person or the deployer writing a caBundle is not an injection.
_INJECTORS = frozenset({Actor.CONTROLLER, Actor.UNKNOWN})

HPA_REPLICAS = "hpa-replicas"
AGGREGATED_RULES = "aggregated-rules"
INJECTED_CA_BUNDLE = "injected-ca-bundle"


@dataclass(frozen=True)
class Context:
    """What the rules need to know beyond the object itself."""

    hpa_targets: frozenset[ResourceKey] = frozenset()
    aggregated_cluster_roles: bool = True
    injected_ca_bundles: bool = True


def hpa_targets(objects: Iterable[KubeObject]) -> frozenset[ResourceKey]:
    """Workloads that a HorizontalPodAutoscaler scales, from desired and live HPAs alike."""
    targets = set()
    for obj in objects:
        if obj.key.kind != "HorizontalPodAutoscaler" or obj.key.group != "autoscaling":
            continue
        spec = obj.body.get("spec")
        ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
        if not isinstance(ref, Mapping) or not ref.get("kind") or not ref.get("name"):
            continue
        group = canonical_group(str(ref.get("apiVersion") or "apps/v1"), str(ref["kind"]))
        targets.add(ResourceKey(group, str(ref["kind"]), obj.key.namespace, str(ref["name"])))
    return frozenset(targets)


def set_aside(
    key: ResourceKey,
    changes: Iterable[Change],
    want: Mapping[str, Any],
    have: Mapping[str, Any],
    context: Context,
) -> tuple[list[Change], list[Normalization]]:
    kept: list[Change] = []
    notes: list[Normalization] = []
    aggregated = context.aggregated_cluster_roles and (
        key.kind == "ClusterRole" and ("aggregationRule" in want or "aggregationRule" in have)
    )
    for change in changes:
        reason = _reason(key, change, context, aggregated)
        if reason is None:
            kept.append(change)
        else:
            notes.append(Normalization(reason[0], change.path_text, reason[1]))
    return kept, notes


def _reason(
    key: ResourceKey, change: Change, context: Context, aggregated: bool
) -> tuple[str, str] | None:
    if change.path == ("spec", "replicas") and key in context.hpa_targets:
        return HPA_REPLICAS, "a HorizontalPodAutoscaler sets the replicas of this workload"
    if aggregated and change.path[:1] == ("rules",):
        return AGGREGATED_RULES, "the aggregation controller fills the rules of this ClusterRole"
    if (
        context.injected_ca_bundles
        and key.kind in _CA_BUNDLE_KINDS
        and change.path[-1:] == ("caBundle",)
        and (change.attribution is None or change.attribution.actor in _INJECTORS)
    ):
        who = change.attribution.manager if change.attribution else "another system"
        return INJECTED_CA_BUNDLE, f"the CA bundle is injected by {who}, not deployed from Git"
    return None
