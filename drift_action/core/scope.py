"""Whether a kind is namespaced or cluster-scoped, before any cluster discovery is available."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# (group, kind) of the cluster-scoped kinds that Kubernetes itself serves.
BUILTIN_CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("policy", "PodSecurityPolicy"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("authentication.k8s.io", "TokenReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
    }
)


class ScopeResolver:
    """Answers "is this kind cluster-scoped?" from built-in knowledge and the objects at hand.

    Custom resources are learned from CustomResourceDefinitions among the desired objects
    (`spec.scope`) and from live objects (a live object without a namespace is cluster-scoped).
    """

    def __init__(self, cluster_scoped: Iterable[tuple[str, str]] = ()) -> None:
        self._cluster_scoped = set(BUILTIN_CLUSTER_SCOPED) | set(cluster_scoped)
        self._namespaced: set[tuple[str, str]] = set()

    def learn_from_crd(self, body: Mapping[str, Any]) -> None:
        spec = body.get("spec")
        if not isinstance(spec, Mapping):
            return
        names = spec.get("names")
        group, scope = spec.get("group"), spec.get("scope")
        if not isinstance(names, Mapping) or not isinstance(group, str):
            return
        kind = names.get("kind")
        if not isinstance(kind, str):
            return
        if scope == "Cluster":
            self._cluster_scoped.add((group, kind))
        elif scope == "Namespaced":
            self._namespaced.add((group, kind))

    def learn_from_live(self, group: str, kind: str, namespace: str | None) -> None:
        if (group, kind) in self._namespaced or (group, kind) in BUILTIN_CLUSTER_SCOPED:
            return
        if namespace:
            self._namespaced.add((group, kind))
        else:
            self._cluster_scoped.add((group, kind))

    def learn(self, group: str, kind: str, *, namespaced: bool) -> None:
        """What the cluster's discovery says: it overrides every other source."""
        self._cluster_scoped.discard((group, kind))
        self._namespaced.discard((group, kind))
        (self._namespaced if namespaced else self._cluster_scoped).add((group, kind))

    def is_cluster_scoped(self, group: str, kind: str) -> bool:
        return (group, kind) in self._cluster_scoped and (group, kind) not in self._namespaced
