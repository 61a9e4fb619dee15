"""The list semantics of the custom kinds being compared, read from their CRDs in the cluster.

One GET per custom kind, `apiextensions.k8s.io/v1 customresourcedefinitions/<plural>.<group>`,
and only for kinds among the desired objects: never a LIST of every CRD. The cluster's CRD is
what the API server applies, so it replaces one learned from the manifests. A kind served by an
aggregated API has no CRD (404: nothing to learn); a refusal (403) or a failure is a warning, and
that kind's lists then compare as the manifests' CRD or the hand table say.
"""

from __future__ import annotations

from collections.abc import Iterable

from drift_action.compare.merge_keys import builtin_groups
from drift_action.core import list_schema
from drift_action.core.model import KubeObject
from drift_action.live.discovery import Discovery, NotServed
from drift_action.live.kube_client import ApiError, ClusterError, KubeClient

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def read_crd_lists(
    client: KubeClient, discovery: Discovery, desired: Iterable[KubeObject]
) -> list[str]:
    """Learn the custom kinds' list semantics into the run's table; the warnings it cost."""
    learned = list_schema.active()
    if learned is None:
        return []
    warnings: list[str] = []
    seen: set[tuple[str, str]] = set()
    for obj in desired:
        group, kind = obj.key.group, obj.key.kind
        # Kubernetes' own groups (no dot, or in the built-in table) have no CRDs.
        if "." not in group or group in builtin_groups() or (group, kind) in seen:
            continue
        seen.add((group, kind))
        try:
            resource = discovery.resolve(group, kind, obj.api_version.rpartition("/")[2])
        except (NotServed, ApiError, ClusterError):
            continue  # the read that follows reports a kind the cluster does not serve
        name = f"{resource.plural}.{group}"
        try:
            body = client.get_json(f"{CRDS}/{name}")
        except ApiError as exc:
            if exc.code == 404:
                continue
            reason = "forbidden" if exc.code == 403 else str(exc)
            warnings.append(
                f"CustomResourceDefinition {name}: not read ({reason}); {kind}'s lists compare "
                "as the manifests' CRD or the built-in rules say"
            )
            continue
        except ClusterError as exc:
            warnings.append(f"CustomResourceDefinition {name}: not read ({exc})")
            continue
        if isinstance(body, dict):
            learned.learn_crd(body, f"CustomResourceDefinition {name} (cluster)")
    return warnings
