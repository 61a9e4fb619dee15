"""The resource types the emulator serves: a built-in table plus types read from CRDs."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# What a real API server advertises for a fully writable resource; kubectl only needs
# "get"/"list" but clients (and our reader) may look at the rest.
STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One kind as discovery describes it. versions[0] is the preferred version."""

    group: str
    versions: tuple[str, ...]
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    singular: str = field(default="")

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_kind(self) -> tuple[str, str]:
        return (self.group, self.kind)

    @property
    def qualified(self) -> str:
        """ "deployments.apps" / "configmaps": how API errors name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def api_version(self, version: str | None = None) -> str:
        version = version or self.versions[0]
        return f"{self.group}/{version}" if self.group else version

    def storage_version_hash(self) -> str:
        # Real servers publish an opaque 8-byte hash; clients only compare it for equality.
        digest = hashlib.sha256(f"{self.group}/{self.versions[0]}/{self.kind}".encode()).digest()
        return base64.b64encode(digest[:8]).decode()


def _t(
    group: str,
    versions: str,
    kind: str,
    plural: str,
    *,
    namespaced: bool = True,
    short: str = "",
    all_category: bool = False,
    sub: str = "",
    categories: tuple[str, ...] = (),
) -> ResourceType:
    """Compact constructor so the table below stays readable."""
    cats = ("all", *categories) if all_category else categories
    return ResourceType(
        group=group,
        versions=tuple(versions.split(",")),
        kind=kind,
        plural=plural,
        namespaced=namespaced,
        short_names=tuple(short.split(",")) if short else (),
        categories=cats,
        subresources=tuple(sub.split(",")) if sub else (),
    )


_RBAC = "rbac.authorization.k8s.io"
_ADMISSION = "admissionregistration.k8s.io"
_NET = "networking.k8s.io"

BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _t("", "v1", "Namespace", "namespaces", namespaced=False, short="ns", sub="status,finalize"),
    _t("", "v1", "ConfigMap", "configmaps", short="cm"),
    _t("", "v1", "Secret", "secrets"),
    _t("", "v1", "Service", "services", short="svc", all_category=True, sub="status,proxy"),
    _t("", "v1", "ServiceAccount", "serviceaccounts", short="sa", sub="token"),
    _t("", "v1", "Pod", "pods", short="po", all_category=True, sub="status,log,eviction"),
    _t("", "v1", "Endpoints", "endpoints", short="ep"),
    _t("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", short="pvc", sub="status"),
    _t("", "v1", "PersistentVolume", "persistentvolumes", namespaced=False, short="pv", sub="status"),
    _t("", "v1", "Node", "nodes", namespaced=False, short="no", sub="status,proxy"),
    _t("", "v1", "Event", "events", short="ev"),
    _t("", "v1", "ResourceQuota", "resourcequotas", short="quota", sub="status"),
    _t("", "v1", "LimitRange", "limitranges", short="limits"),
    _t("apps", "v1", "Deployment", "deployments", short="deploy", all_category=True, sub="scale,status"),
    _t("apps", "v1", "StatefulSet", "statefulsets", short="sts", all_category=True, sub="scale,status"),
    _t("apps", "v1", "DaemonSet", "daemonsets", short="ds", all_category=True, sub="status"),
    _t("apps", "v1", "ReplicaSet", "replicasets", short="rs", all_category=True, sub="scale,status"),
    _t("apps", "v1", "ControllerRevision", "controllerrevisions"),
    _t("batch", "v1", "Job", "jobs", all_category=True, sub="status"),
    _t("batch", "v1", "CronJob", "cronjobs", short="cj", all_category=True, sub="status"),
    _t(_NET, "v1", "Ingress", "ingresses", short="ing", sub="status"),
    _t(_NET, "v1", "NetworkPolicy", "networkpolicies", short="netpol"),
    _t(_NET, "v1", "IngressClass", "ingressclasses", namespaced=False),
    _t("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
    _t(_RBAC, "v1", "Role", "roles"),
    _t(_RBAC, "v1", "RoleBinding", "rolebindings"),
    _t(_RBAC, "v1", "ClusterRole", "clusterroles", namespaced=False),
    _t(_RBAC, "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced=False),
    _t("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", short="pdb", sub="status"),
    _t(
        "autoscaling",
        "v2,v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short="hpa",
        all_category=True,
        sub="status",
    ),
    _t(_ADMISSION, "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", namespaced=False, categories=("api-extensions",)),
    _t(_ADMISSION, "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", namespaced=False, categories=("api-extensions",)),
    _t(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        namespaced=False,
        short="crd,crds",
        sub="status",
        categories=("api-extensions",),
    ),
    _t("apiregistration.k8s.io", "v1", "APIService", "apiservices", namespaced=False, sub="status", categories=("api-extensions",)),
    _t("storage.k8s.io", "v1", "StorageClass", "storageclasses", namespaced=False, short="sc"),
    _t("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", namespaced=False, short="pc"),
    _t("coordination.k8s.io", "v1", "Lease", "leases"),
)  # fmt: skip


def split_api_version(api_version: str) -> tuple[str, str]:
    """ "apps/v1" -> ("apps", "v1"); "v1" -> ("", "v1")."""
    group, _, version = api_version.rpartition("/")
    return group, version


def from_crd(crd: Mapping[str, Any]) -> ResourceType:
    """The served type a CustomResourceDefinition (v1 or the old v1beta1 shape) declares."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    name = (crd.get("metadata") or {}).get("name", "?")
    if not spec.get("group") or not names.get("plural") or not names.get("kind"):
        raise ValueError(f"CustomResourceDefinition {name}: spec.group/names.plural/kind missing")
    versions = spec.get("versions") or [{"name": spec.get("version"), "served": True}]
    served = [v for v in versions if v.get("name") and v.get("served", True)]
    if not served:
        raise ValueError(f"CustomResourceDefinition {name}: no served version")
    # The preferred version is the storage version, like the API server's group discovery.
    served.sort(key=lambda v: not v.get("storage", False))
    subresources = spec.get("subresources") or served[0].get("subresources") or {}
    return ResourceType(
        group=spec["group"],
        versions=tuple(v["name"] for v in served),
        kind=names["kind"],
        plural=names["plural"],
        singular=names.get("singular") or names["kind"].lower(),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        subresources=tuple(s for s in ("status", "scale") if s in subresources),
    )


class Registry:
    """Lookup tables over the served types, built once so request routing is O(1)."""

    def __init__(self, types: Iterable[ResourceType]) -> None:
        self.by_group_kind: dict[tuple[str, str], ResourceType] = {}
        for rtype in types:
            self.by_group_kind[rtype.group_kind] = rtype
        self.by_path: dict[tuple[str, str, str], ResourceType] = {}
        self.group_versions: dict[str, list[str]] = {}
        for rtype in self.by_group_kind.values():
            versions = self.group_versions.setdefault(rtype.group, [])
            for version in rtype.versions:
                self.by_path[(rtype.group, version, rtype.plural)] = rtype
                if version not in versions:
                    versions.append(version)

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self.by_path.get((group, version, plural))

    def types_in(self, group: str, version: str) -> list[ResourceType]:
        return sorted(
            (t for t in self.by_group_kind.values() if t.group == group and version in t.versions),
            key=lambda t: t.plural,
        )

    def serves(self, group: str, version: str) -> bool:
        return version in self.group_versions.get(group, ())


def select_types(
    known: Mapping[tuple[str, str], ResourceType],
    served_kinds: Iterable[str | ResourceType],
) -> list[ResourceType]:
    """Apply `served_kinds`: "Kind" or "Kind.group" restricts, a ResourceType extends."""
    chosen: dict[tuple[str, str], ResourceType] = {}
    for entry in served_kinds:
        if isinstance(entry, ResourceType):
            chosen[entry.group_kind] = entry
            continue
        kind, _, group = entry.partition(".")
        matches = [t for t in known.values() if t.kind == kind and (not group or t.group == group)]
        if not matches:
            raise ValueError(f"served_kinds: unknown kind {entry!r}")
        for rtype in matches:
            chosen[rtype.group_kind] = rtype
    return list(chosen.values())
