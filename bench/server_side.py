"""What the API server and its controllers add to an object: defaults, status, timestamps."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

Obj = dict[str, Any]


def _probe_defaults(probe: Obj) -> None:
    probe.setdefault("httpGet", {}).setdefault("scheme", "HTTP")
    for name, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        probe.setdefault(name, value)


def _container_defaults(container: Obj) -> None:
    container.setdefault("imagePullPolicy", "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports", []):
        port.setdefault("protocol", "TCP")
    for env in container.get("env", []):
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")
    for name in ("readinessProbe", "livenessProbe"):
        if name in container:
            _probe_defaults(container[name])


def _pod_defaults(template: Obj) -> None:
    template["metadata"]["creationTimestamp"] = None
    spec = template["spec"]
    for container in spec["containers"]:
        _container_defaults(container)
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            volume["configMap"].setdefault("defaultMode", 420)
    for name, value in (
        ("dnsPolicy", "ClusterFirst"),
        ("restartPolicy", "Always"),
        ("schedulerName", "default-scheduler"),
        ("terminationGracePeriodSeconds", 30),
    ):
        spec.setdefault(name, value)
    spec["serviceAccount"] = spec.get("serviceAccountName", "default")


def _workload_defaults(obj: Obj) -> None:
    spec = obj["spec"]
    _pod_defaults(spec["template"])
    spec.setdefault("revisionHistoryLimit", 10)
    kind = obj["kind"]
    if kind == "Deployment":
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault(
            "strategy",
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
        )
    elif kind == "StatefulSet":
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault(
            "updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
        )
        spec.setdefault(
            "persistentVolumeClaimRetentionPolicy",
            {"whenDeleted": "Retain", "whenScaled": "Retain"},
        )
        for claim in spec["volumeClaimTemplates"]:
            claim.update({"apiVersion": "v1", "kind": "PersistentVolumeClaim"})
            claim["metadata"]["creationTimestamp"] = None
            claim["spec"].setdefault("volumeMode", "Filesystem")
            claim["status"] = {"phase": "Pending"}
    else:
        spec.setdefault(
            "updateStrategy",
            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
        )
        annotations = obj["metadata"].setdefault("annotations", {})
        annotations["deprecated.daemonset.template.generation"] = "1"


def _service_defaults(obj: Obj, rng: random.Random) -> None:
    spec = obj["spec"]
    ip = f"10.96.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    spec.update(
        {
            "clusterIP": ip,
            "clusterIPs": [ip],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "sessionAffinity": "None",
        }
    )
    for port in spec["ports"]:
        port.setdefault("protocol", "TCP")
    obj["status"] = {"loadBalancer": {}}


def server_defaults(obj: Obj, rng: random.Random) -> None:
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        _workload_defaults(obj)
    elif kind == "Service":
        _service_defaults(obj, rng)


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(kind: str, reason: str, message: str, moment: datetime) -> Obj:
    return {
        "lastTransitionTime": timestamp(moment),
        "lastUpdateTime": timestamp(moment),
        "message": message,
        "reason": reason,
        "status": "True",
        "type": kind,
    }


def _deployment_status(obj: Obj, moment: datetime) -> Obj:
    replicas = obj["spec"]["replicas"]
    name = obj["metadata"]["name"]
    return {
        "availableReplicas": replicas,
        "conditions": [
            _condition(
                "Available",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                moment,
            ),
            _condition(
                "Progressing",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-7d64f95bd5" has successfully progressed.',
                moment,
            ),
        ],
        "observedGeneration": 1,
        "readyReplicas": replicas,
        "replicas": replicas,
        "updatedReplicas": replicas,
    }


def _stateful_set_status(obj: Obj, moment: datetime) -> Obj:
    replicas = obj["spec"]["replicas"]
    revision = f"{obj['metadata']['name']}-6c8f9d7b54"
    return {
        "availableReplicas": replicas,
        "collisionCount": 0,
        "currentReplicas": replicas,
        "currentRevision": revision,
        "observedGeneration": 1,
        "readyReplicas": replicas,
        "replicas": replicas,
        "updateRevision": revision,
        "updatedReplicas": replicas,
    }


def _daemon_set_status(obj: Obj, moment: datetime) -> Obj:
    return {
        "currentNumberScheduled": 6,
        "desiredNumberScheduled": 6,
        "numberAvailable": 6,
        "numberMisscheduled": 0,
        "numberReady": 6,
        "observedGeneration": 1,
        "updatedNumberScheduled": 6,
    }


def _pdb_status(obj: Obj, moment: datetime) -> Obj:
    condition = {
        "lastTransitionTime": timestamp(moment),
        "message": "",
        "observedGeneration": 1,
        "reason": "SufficientPods",
        "status": "True",
        "type": "DisruptionAllowed",
    }
    return {
        "conditions": [condition],
        "currentHealthy": 3,
        "desiredHealthy": 2,
        "disruptionsAllowed": 1,
        "expectedPods": 3,
        "observedGeneration": 1,
    }


STATUS: dict[str, Callable[[Obj, datetime], Obj]] = {
    "Deployment": _deployment_status,
    "StatefulSet": _stateful_set_status,
    "DaemonSet": _daemon_set_status,
    "PodDisruptionBudget": _pdb_status,
}
GENERATION_KINDS = frozenset(STATUS)
