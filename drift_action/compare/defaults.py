"""Which live fields the API server never fills in by itself.

A deployer's `Update` managedFields entry owns everything it sent and also the defaults the
server added when it created the object, so its ownership alone cannot say "Git dropped this".
It can for fields no server default ever writes: a key of a map the user fills (labels,
annotations, ConfigMap and Secret data, selectors, nodeSelector, resource limits and
requests) and a whole item of a list matched by merge key (a container, an env var, a port, a
volume). Scalars inside them still need Apply ownership or a record of the last apply.
"""

from __future__ import annotations

from drift_action.compare.merge_keys import key_fields
from drift_action.core.paths import ListKey, Path

_METADATA_MAPS = frozenset({"labels", "annotations"})
_DATA_KINDS = frozenset({"ConfigMap", "Secret"})
_DATA_MAPS = frozenset({"data", "binaryData", "stringData"})
_RESOURCE_MAPS = frozenset({"limits", "requests"})

# What deployers write for their own bookkeeping, never in the manifests Git holds: Helm's
# release annotations, Argo CD's and Flux's tracking marks.
_BOOKKEEPING = (
    "meta.helm.sh/",
    "argocd.argoproj.io/",
    "kustomize.toolkit.fluxcd.io/",
    "helm.toolkit.fluxcd.io/",
    "kubectl.kubernetes.io/",
    "deployment.kubernetes.io/",
)
# Labels and annotations the API server or a workload controller adds (a Namespace's name; a
# Job's generated selector; the hashes of ReplicaSets and StatefulSets; the DaemonSet
# generation the API server itself writes on create and update): where the creator's entry
# records them, they are still not the creator's intent.
_SERVER_KEYS = frozenset(
    {
        "kubernetes.io/metadata.name",
        "controller-uid",
        "job-name",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-name",
        "pod-template-hash",
        "controller-revision-hash",
        "deprecated.daemonset.template.generation",
    }
)


def never_a_default(kind: str, path: Path) -> bool:
    """Whether the live field at `path` can only have been written on purpose."""
    if len(path) < 2:
        return False
    last, parent = path[-1], path[-2]
    if isinstance(last, ListKey):
        return key_fields(kind, path[:-1]) is not None
    if not isinstance(last, str) or not isinstance(parent, str) or last in _SERVER_KEYS:
        return False
    above = path[-3] if len(path) >= 3 else None
    if parent in _METADATA_MAPS and above == "metadata":
        return not last.startswith(_BOOKKEEPING)
    return (
        (kind in _DATA_KINDS and len(path) == 2 and parent in _DATA_MAPS)
        or parent in ("nodeSelector", "matchLabels")
        or (kind == "Service" and path[:-1] == ("spec", "selector"))
        or (parent in _RESOURCE_MAPS and above == "resources")
    )
