"""How an object's identity is derived from its apiVersion, kind and metadata."""

from __future__ import annotations

# Kinds that moved API group over the years; the API server serves one object under both.
_MOVED_GROUPS: dict[tuple[str, str], str] = {
    ("extensions", "Deployment"): "apps",
    ("extensions", "DaemonSet"): "apps",
    ("extensions", "ReplicaSet"): "apps",
    ("extensions", "Ingress"): "networking.k8s.io",
    ("extensions", "NetworkPolicy"): "networking.k8s.io",
    ("extensions", "PodSecurityPolicy"): "policy",
    ("events.k8s.io", "Event"): "",
}


def group_of(api_version: str) -> str:
    """`apps/v1` -> `apps`; the core group `v1` -> ``."""
    group, _, version = api_version.rpartition("/")
    return group if version else ""


def canonical_group(api_version: str, kind: str) -> str:
    group = group_of(api_version)
    return _MOVED_GROUPS.get((group, kind), group)
