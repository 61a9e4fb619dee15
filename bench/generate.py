"""Realistic live objects over 10 kinds, and the manifests a Git repository would hold for them.

Each "app" in a namespace gets one object of every kind (ConfigMap, Secret, Service,
ServiceAccount, Deployment, StatefulSet, DaemonSet, Role, RoleBinding, PodDisruptionBudget).
The desired manifest is what a user writes; the live object is what the API server returns for
it after the tool that deployed the app wrote it (see `Mix`): client-side `kubectl apply` (the
last-applied annotation exactly as kubectl records it), server-side apply by a GitOps tool (an
Apply managedFields entry, no annotation) or a Helm 3 release (a `helm` Update entry, Helm's
labels and annotations); plus server defaults, uid/resourceVersion/creationTimestamp,
controller-written status and kube-controller-manager entries. About 1% of the live objects
carry a hand edit (kubectl scale/edit/label/set), so the comparison finds real drift.

    python bench/generate.py --objects 1000 --out /tmp/bench-1000 [--mix kubectl=40,ssa=35,helm=25]
"""

from __future__ import annotations

import argparse
import base64
import copy
import gzip
import json
import random
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

NAMESPACES = ("payments", "catalog", "identity", "platform")
KINDS = (
    "ConfigMap",
    "Secret",
    "Service",
    "ServiceAccount",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Role",
    "RoleBinding",
    "PodDisruptionBudget",
)
API_VERSIONS = {
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "ServiceAccount": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "PodDisruptionBudget": "policy/v1",
}
PLURALS = {kind: kind.lower() + "s" for kind in KINDS} | {
    "PodDisruptionBudget": "poddisruptionbudgets"
}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_WORDS = ("checkout", "ledger", "search", "inventory", "auth", "billing", "gateway", "notify")
_ROLES = ("api", "worker", "web", "sync", "cache", "indexer")
_EPOCH = datetime(2024, 3, 1, tzinfo=UTC)


SSA_MANAGERS = ("argocd-controller", "kustomize-controller", "helm")  # Helm 4 applies server-side


@dataclass(frozen=True)
class Mix:
    """How the apps were deployed, in percent (weights), and how their manifests are written.

    The default resembles a cluster where kubectl, GitOps controllers and Helm all deploy:
    - kubectl: client-side `kubectl apply`; the last-applied annotation holds the manifest as
      kubectl records it: `"annotations":{}` when the manifest has none, and the namespace
      kubectl defaulted in when the manifest names none;
    - ssa: server-side apply by argocd-controller, kustomize-controller or Helm 4 (in turn):
      an Apply entry owning exactly the manifest's fields, no annotation;
    - helm: a Helm 3 release: a `helm` Update entry, `app.kubernetes.io/managed-by: Helm`,
      `helm.sh/chart` and the `meta.helm.sh/release-*` annotations Helm adds at install.
    `annotated`: percent of apps whose manifests carry annotations of their own;
    `namespaced`: percent of apps whose manifests name their namespace (the rest rely on
    `kubectl apply -n`, as a folder per namespace does).
    """

    kubectl: int = 40
    ssa: int = 35
    helm: int = 25
    annotated: int = 50
    namespaced: int = 50

    @classmethod
    def parse(cls, text: str) -> Mix:
        """`kubectl=40,ssa=35,helm=25[,annotated=50,namespaced=50]`."""
        values = {}
        for part in filter(None, text.split(",")):
            key, _, value = part.partition("=")
            if key not in cls.__dataclass_fields__:
                raise ValueError(f"unknown mix key {key!r}")
            values[key] = int(value)
        return cls(**values)

    def __str__(self) -> str:
        return ",".join(f"{k}={getattr(self, k)}" for k in self.__dataclass_fields__)


KUBECTL_ONLY = Mix(kubectl=100, ssa=0, helm=0, annotated=100, namespaced=100)  # the old data


@dataclass(frozen=True)
class App:
    """The things an app's objects share."""

    name: str
    namespace: str
    version: str
    replicas: int
    created: datetime
    tool: str = "kubectl"  # kubectl, ssa or helm (see Mix)
    manager: str = "kubectl-client-side-apply"
    annotated: bool = True
    namespaced: bool = True  # the manifests name the namespace
    files: int = 1  # 1: one file for the app, 2: config and workloads, 10: one per object


@dataclass(frozen=True)
class Dataset:
    live: list[Obj]
    desired: list[Obj]  # as Git holds them (no namespace where the app's files name none)
    drifted: list[str]  # "Kind namespace/name" of the live objects with a hand edit
    apps: list[App]  # desired[i] and live[i] belong to apps[i // 10]
    mix: Mix = Mix()
    # Helm 3's release records (Secrets sh.helm.release.v1.<app>.v1), in the cluster beside
    # the objects but in no manifest: the cluster-wide Secret LIST reads them too.
    records: list[Obj] = field(default_factory=list)


def collection_path(kind: str, namespace: str | None = None) -> str:
    """The API path listing `kind` (cluster-wide when `namespace` is None)."""
    api_version = API_VERSIONS[kind]
    base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
    where = f"/namespaces/{namespace}" if namespace else ""
    return f"{base}{where}/{PLURALS[kind]}"


def kubectl_resource(kind: str) -> str:
    """How kubectl names the resource unambiguously: plural.group."""
    group = API_VERSIONS[kind].rpartition("/")[0]
    return f"{PLURALS[kind]}.{group}" if group else PLURALS[kind]


def object_path(obj: Mapping[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{collection_path(obj['kind'], meta['namespace'])}/{meta['name']}"


# -- desired manifests ---------------------------------------------------------------------


def _labels(app: App, component: str) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": app.name,
        "app.kubernetes.io/version": app.version,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": app.namespace,
        "app.kubernetes.io/managed-by": "Helm" if app.tool == "helm" else "kubectl",
    }
    if app.tool == "helm":  # what a chart's _helpers.tpl writes
        labels["app.kubernetes.io/instance"] = app.name
        labels["helm.sh/chart"] = f"{app.name.rsplit('-', 1)[0]}-{app.version}"
    return labels


def _selector(app: App, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": app.name, "app.kubernetes.io/component": component}


def _metadata(app: App, name: str, component: str) -> Obj:
    metadata: Obj = {"name": name, "namespace": app.namespace, "labels": _labels(app, component)}
    if app.annotated:
        metadata["annotations"] = {
            "example.com/owner": f"team-{app.namespace}@example.com",
            "example.com/runbook": f"https://runbooks.example.com/{app.namespace}/{app.name}",
        }
    return metadata


def _manifest(kind: str, metadata: Obj, **fields: Any) -> Obj:
    return {"apiVersion": API_VERSIONS[kind], "kind": kind, "metadata": metadata, **fields}


def _config_map(app: App) -> Obj:
    config = "\n".join(
        [
            "server:",
            "  port: 8080",
            "  shutdownGracePeriod: 20s",
            "database:",
            f"  host: {app.name}-db.{app.namespace}.svc.cluster.local",
            "  port: 5432",
            f"  name: {app.name.replace('-', '_')}",
            "  poolSize: 20",
            "tracing:",
            "  endpoint: http://otel-collector.platform:4317",
            "  sampleRatio: 0.05",
            "features:",
            *(f"  {flag}: {str(i % 2 == 0).lower()}" for i, flag in enumerate(_WORDS)),
            "",
        ]
    )
    data = {
        "LOG_LEVEL": "info",
        "LOG_FORMAT": "json",
        "HTTP_TIMEOUT_SECONDS": "30",
        "CACHE_TTL": "5m",
        "config.yaml": config,
    }
    return _manifest("ConfigMap", _metadata(app, f"{app.name}-config", "config"), data=data)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(app: App) -> Obj:
    data = {
        "DB_USER": _b64(app.name.replace("-", "_")),
        "DB_PASSWORD": _b64(f"example-only-{app.name}-{app.version}-password"),
        "API_KEY": _b64(uuid.uuid5(uuid.NAMESPACE_DNS, app.name).hex * 2),
        "tls.key": _b64(
            "-----BEGIN EXAMPLE KEY-----\n" + "A" * 240 + "\n-----END EXAMPLE KEY-----"
        ),
    }
    return _manifest(
        "Secret", _metadata(app, f"{app.name}-credentials", "credentials"), type="Opaque", data=data
    )


def _service(app: App) -> Obj:
    ports = [
        {"name": "http", "port": 80, "targetPort": "http"},
        {"name": "metrics", "port": 9090, "targetPort": "metrics"},
    ]
    spec = {"type": "ClusterIP", "selector": _selector(app, "server"), "ports": ports}
    return _manifest("Service", _metadata(app, app.name, "server"), spec=spec)


def _service_account(app: App) -> Obj:
    metadata = _metadata(app, app.name, "server")
    metadata.setdefault("annotations", {})["eks.amazonaws.com/role-arn"] = (
        f"arn:aws:iam::123456789012:role/{app.namespace}-{app.name}"
    )
    return _manifest("ServiceAccount", metadata, automountServiceAccountToken=False)


def _container(app: App, name: str, image: str, port: int) -> Obj:
    return {
        "name": name,
        "image": image,
        "args": ["--config=/etc/app/config.yaml", f"--port={port}"],
        "ports": [
            {"name": "http", "containerPort": port},
            {"name": "metrics", "containerPort": 9090},
        ],
        "env": [
            {
                "name": "POD_NAMESPACE",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
            },
            {
                "name": "DB_PASSWORD",
                "valueFrom": {
                    "secretKeyRef": {"name": f"{app.name}-credentials", "key": "DB_PASSWORD"}
                },
            },
            {"name": "OTEL_SERVICE_NAME", "value": app.name},
        ],
        "envFrom": [{"configMapRef": {"name": f"{app.name}-config"}}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app", "readOnly": True},
        ],
    }


def _pod_template(app: App, component: str, containers: list[Obj]) -> Obj:
    return {
        "metadata": {
            "labels": {**_selector(app, component), "app.kubernetes.io/version": app.version},
        },
        "spec": {
            "serviceAccountName": app.name,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
            "containers": containers,
            "volumes": [
                {"name": "config", "configMap": {"name": f"{app.name}-config"}},
            ],
        },
    }


def _image(app: App, suffix: str = "") -> str:
    return f"registry.example.com/{app.namespace}/{app.name}{suffix}:{app.version}"


def _deployment(app: App) -> Obj:
    containers = [_container(app, "app", _image(app), 8080)]
    spec = {
        "replicas": app.replicas,
        "selector": {"matchLabels": _selector(app, "server")},
        "template": _pod_template(app, "server", containers),
    }
    return _manifest("Deployment", _metadata(app, app.name, "server"), spec=spec)


def _stateful_set(app: App) -> Obj:
    container = _container(app, "cache", _image(app, "-cache"), 6379)
    container["volumeMounts"].append({"name": "data", "mountPath": "/data"})
    claim = {
        "metadata": {"name": "data"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "standard",
            "resources": {"requests": {"storage": "10Gi"}},
        },
    }
    spec = {
        "replicas": 3,
        "serviceName": f"{app.name}-cache",
        "selector": {"matchLabels": _selector(app, "cache")},
        "template": _pod_template(app, "cache", [container]),
        "volumeClaimTemplates": [claim],
    }
    return _manifest("StatefulSet", _metadata(app, f"{app.name}-cache", "cache"), spec=spec)


def _daemon_set(app: App) -> Obj:
    container = _container(app, "agent", _image(app, "-agent"), 8081)
    template = _pod_template(app, "agent", [container])
    template["spec"]["tolerations"] = [{"operator": "Exists", "effect": "NoSchedule"}]
    template["spec"]["priorityClassName"] = "system-node-critical"
    spec = {"selector": {"matchLabels": _selector(app, "agent")}, "template": template}
    return _manifest("DaemonSet", _metadata(app, f"{app.name}-agent", "agent"), spec=spec)


def _role(app: App) -> Obj:
    rules = [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]},
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": [f"{app.name}-credentials"],
            "verbs": ["get"],
        },
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
    ]
    return _manifest("Role", _metadata(app, app.name, "rbac"), rules=rules)


def _role_binding(app: App) -> Obj:
    return _manifest(
        "RoleBinding",
        _metadata(app, app.name, "rbac"),
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": app.name},
        subjects=[{"kind": "ServiceAccount", "name": app.name, "namespace": app.namespace}],
    )


def _pdb(app: App) -> Obj:
    spec = {"maxUnavailable": 1, "selector": {"matchLabels": _selector(app, "server")}}
    return _manifest("PodDisruptionBudget", _metadata(app, app.name, "server"), spec=spec)


BUILDERS: dict[str, Callable[[App], Obj]] = {
    "ConfigMap": _config_map,
    "Secret": _secret,
    "Service": _service,
    "ServiceAccount": _service_account,
    "Deployment": _deployment,
    "StatefulSet": _stateful_set,
    "DaemonSet": _daemon_set,
    "Role": _role,
    "RoleBinding": _role_binding,
    "PodDisruptionBudget": _pdb,
}


# -- what the API server adds ----------------------------------------------------------------


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


def _server_defaults(obj: Obj, rng: random.Random) -> None:
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        _workload_defaults(obj)
    elif kind == "Service":
        _service_defaults(obj, rng)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(kind: str, reason: str, message: str, moment: datetime) -> Obj:
    return {
        "lastTransitionTime": _time(moment),
        "lastUpdateTime": _time(moment),
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
        "lastTransitionTime": _time(moment),
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
_GENERATION_KINDS = frozenset(STATUS)


# -- managedFields -----------------------------------------------------------------------------


_PLAIN_STRUCTS = frozenset({"metadata", "spec", "template", "strategy", "resources", "status"})
_ATOMIC = frozenset({"selector", "roleRef"})


def _list_key(parent: str, kind: str, item: Any) -> tuple[str, ...] | None:
    """The key fields of the list `parent` (as the API's list-map keys), None if atomic."""
    if not isinstance(item, Mapping):
        return None
    if parent == "ports":
        return ("port", "protocol") if kind == "Service" else ("containerPort", "protocol")
    return {
        "containers": ("name",),
        "env": ("name",),
        "volumes": ("name",),
        "volumeMounts": ("mountPath",),
        "conditions": ("type",),
    }.get(parent)


def fieldset(value: Any, kind: str, parent: str = "", *, dots: bool = True) -> Obj:
    """The FieldsV1 tree of everything set in `value`: maps and optional structs get `.`
    (an Update entry; an Apply entry, `dots=False`, owns only what it set), keyed list items
    `k:{...}` with `.`, atomic lists and label selectors are leaves; keys sorted."""
    if isinstance(value, Mapping):
        if parent in _ATOMIC:
            return {}
        dot = dots and parent and value and parent not in _PLAIN_STRUCTS
        node: Obj = {".": {}} if dot else {}
        for key, child in sorted(value.items()):
            node[f"f:{key}"] = fieldset(child, kind, key, dots=dots)
        return node
    if isinstance(value, list) and value and _list_key(parent, kind, value[0]):
        fields = _list_key(parent, kind, value[0]) or ()
        node = {}
        for item in value:
            # the key as the server defaults it (an applied port names no protocol: TCP)
            values = {f: item.get(f, "TCP") for f in fields}
            key = json.dumps(values, separators=(",", ":"), sort_keys=True)
            node[f"k:{key}"] = {".": {}, **fieldset(item, kind, "", dots=dots)}
        return node
    return {}


def _entry(
    manager: str,
    api_version: str,
    moment: datetime,
    fields: Obj,
    sub: str = "",
    *,
    operation: str = "Update",
) -> Obj:
    entry: Obj = {
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": operation,
    }
    if sub:
        entry["subresource"] = sub
    entry["time"] = _time(moment)
    return entry


_CONTROLLER_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "deprecated.daemonset.template.generation",
)


def _created_fields(live: Obj) -> Obj:
    """What a client-side create wrote (kubectl apply, Helm 3): the object with its defaults
    and its annotations, not status or what controllers add later."""
    body = {k: v for k, v in live.items() if k not in ("apiVersion", "kind", "status")}
    metadata = {k: live["metadata"][k] for k in ("labels", "annotations") if k in live["metadata"]}
    annotations = dict(metadata.get("annotations") or {})
    for name in _CONTROLLER_ANNOTATIONS:
        annotations.pop(name, None)
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    body["metadata"] = metadata
    return fieldset(body, live["kind"])


def _applied_fields(desired: Obj) -> Obj:
    """What a server-side apply owns: the applied manifest's own fields, no defaults (name and
    namespace identify the object and are not listed)."""
    body = {k: v for k, v in desired.items() if k not in ("apiVersion", "kind")}
    body["metadata"] = {
        k: v for k, v in desired["metadata"].items() if k in ("labels", "annotations")
    }
    return fieldset(body, desired["kind"], dots=False)


def _managed_fields(live: Obj, desired: Obj, app: App) -> list[Obj]:
    api_version, created = live["apiVersion"], app.created
    if app.tool == "ssa":
        fields = _applied_fields(desired)
        entries = [_entry(app.manager, api_version, created, fields, operation="Apply")]
    else:
        entries = [_entry(app.manager, api_version, created, _created_fields(live))]
    later = created + timedelta(seconds=4)
    if live["kind"] == "Deployment":
        revision: Obj = {
            "f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}}
        }
        if app.tool == "ssa":  # the first annotation on the object: the map is new too
            revision["f:metadata"]["f:annotations"]["."] = {}
        entries.append(_entry("kube-controller-manager", api_version, later, revision))
    if "status" in live and live["kind"] in STATUS:
        fields = {"f:status": fieldset(live["status"], live["kind"], "status")}
        entries.append(_entry("kube-controller-manager", api_version, later, fields, "status"))
    return entries


# -- live objects and drift --------------------------------------------------------------------


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def last_applied(desired: Obj) -> str:
    """The annotation `kubectl apply` records: the manifest with the namespace kubectl
    defaulted in and, when it had none, `"annotations":{}` (kubectl empties the map it took
    the annotation out of); keys sorted, a trailing newline."""
    applied = copy.deepcopy(desired)
    applied["metadata"].setdefault("annotations", {})
    return json.dumps(applied, separators=(",", ":"), sort_keys=True) + "\n"


def to_live(desired: Obj, app: App, rng: random.Random, resource_version: int) -> Obj:
    """The object as the API server returns it after `app.tool` deployed `desired` (with its
    namespace)."""
    live = copy.deepcopy(desired)
    meta = live["metadata"]
    if app.tool == "kubectl":
        meta.setdefault("annotations", {})[LAST_APPLIED] = last_applied(desired)
    elif app.tool == "helm":  # Helm 3 records its release on every object it installs
        annotations = meta.setdefault("annotations", {})
        annotations["meta.helm.sh/release-name"] = app.name
        annotations["meta.helm.sh/release-namespace"] = app.namespace
    _server_defaults(live, rng)
    if live["kind"] == "Deployment":
        meta.setdefault("annotations", {})["deployment.kubernetes.io/revision"] = "1"
    status = STATUS.get(live["kind"])
    if status is not None:
        live["status"] = status(live, app.created + timedelta(seconds=9))
    meta["creationTimestamp"] = _time(app.created)
    if live["kind"] in _GENERATION_KINDS:
        meta["generation"] = 1
    meta["managedFields"] = _managed_fields(live, desired, app)
    meta["resourceVersion"] = str(resource_version)
    meta["uid"] = _uid(rng)
    return live


Edit = tuple[Obj, str, str]  # the fieldsV1 written, the manager, the subresource


def _scale(live: Obj) -> Edit:
    live["spec"]["replicas"] += 2
    return {"f:spec": {"f:replicas": {}}}, "kubectl-scale", "scale"


def _set_image(live: Obj) -> Edit:
    container = live["spec"]["template"]["spec"]["containers"][0]
    container["image"] = container["image"].rsplit(":", 1)[0] + ":hotfix-1"
    key = 'k:{"name":"' + container["name"] + '"}'
    image: Obj = {"f:template": {"f:spec": {"f:containers": {key: {"f:image": {}}}}}}
    return {"f:spec": image}, "kubectl-set", ""


def _edit_data(live: Obj) -> Edit:
    live["data"]["LOG_LEVEL"] = "debug"
    return {"f:data": {"f:LOG_LEVEL": {}}}, "kubectl-edit", ""


def _label(live: Obj) -> Edit:
    live["metadata"]["labels"]["debug.example.com/hold"] = "true"
    return {"f:metadata": {"f:labels": {"f:debug.example.com/hold": {}}}}, "kubectl-label", ""


HAND_EDITS: dict[str, Callable[[Obj], Edit]] = {
    "Deployment": _scale,
    "StatefulSet": _scale,
    "DaemonSet": _set_image,
    "ConfigMap": _edit_data,
}


def _hand_edit(live: Obj, moment: datetime) -> None:
    """A change made outside Git, recorded in managedFields as the real tools record it."""
    fields, manager, sub = HAND_EDITS.get(live["kind"], _label)(live)
    live["metadata"]["managedFields"].append(
        _entry(manager, live["apiVersion"], moment, fields, sub)
    )


def helm_record(app: App, manifests: list[Obj], rng: random.Random, resource_version: int) -> Obj:
    """The Secret Helm 3 keeps for revision 1 of the app's release: `data.release` is
    base64(base64(gzip(JSON))) of the release, whose `manifest` is what Helm applied (the
    rendered documents, `# Source:` comments and all) and whose chart holds its templates."""
    chart = app.name.rsplit("-", 1)[0]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    sources = [(f"{chart}/templates/{m['kind'].lower()}.yaml", m) for m in manifests]
    manifest = "".join(
        f"---\n# Source: {name}\n" + yaml.dump(doc, Dumper=dumper, sort_keys=False)
        for name, doc in sources
    )
    deployed = _time(app.created)
    release = {
        "name": app.name,
        "info": {
            "first_deployed": deployed,
            "last_deployed": deployed,
            "deleted": "",
            "description": "Install complete",
            "status": "deployed",
        },
        "chart": {
            "metadata": {"name": chart, "version": app.version, "apiVersion": "v2"},
            "templates": [
                {"name": name.split("/", 1)[1], "data": _b64(yaml.dump(doc, Dumper=dumper))}
                for name, doc in sources
            ],
            "values": {"replicaCount": app.replicas, "image": {"tag": app.version}},
        },
        "config": {},
        "manifest": manifest,
        "version": 1,
        "namespace": app.namespace,
    }
    packed = gzip.compress(json.dumps(release).encode(), mtime=0)
    data = base64.b64encode(base64.b64encode(packed)).decode()
    labels = {"modifiedAt": str(int(app.created.timestamp())), "name": app.name}
    labels |= {"owner": "helm", "status": "deployed", "version": "1"}
    fields = {"f:data": {".": {}, "f:release": {}}, "f:type": {}}
    fields["f:metadata"] = {"f:labels": {".": {}, **{f"f:{k}": {} for k in sorted(labels)}}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "creationTimestamp": deployed,
            "labels": labels,
            "managedFields": [_entry("helm", "v1", app.created, fields)],
            "name": f"sh.helm.release.v1.{app.name}.v1",
            "namespace": app.namespace,
            "resourceVersion": str(resource_version),
            "uid": _uid(rng),
        },
        "type": "helm.sh/release.v1",
        "data": {"release": data},
    }


def _weighted(rng: random.Random, percent: int) -> bool:
    return rng.randrange(100) < percent


def _apps(count: int, rng: random.Random, mix: Mix) -> Iterator[App]:
    tools = ("kubectl", "ssa", "helm")
    weights = (mix.kubectl, mix.ssa, mix.helm)
    ssa_count = 0
    for index in range(count):
        word = _WORDS[index % len(_WORDS)]
        role = _ROLES[(index // len(_WORDS)) % len(_ROLES)]
        tool = rng.choices(tools, weights)[0]
        manager = {"kubectl": "kubectl-client-side-apply", "helm": "helm"}.get(tool, "")
        if tool == "ssa":
            manager, ssa_count = SSA_MANAGERS[ssa_count % len(SSA_MANAGERS)], ssa_count + 1
        layout = rng.randrange(10)  # 6 in 10 apps in one file, 3 in two, 1 a file per object
        yield App(
            name=f"{word}-{role}-{index:04d}",
            namespace=NAMESPACES[index % len(NAMESPACES)],
            version=f"1.{rng.randrange(30)}.{rng.randrange(10)}",
            replicas=rng.choice((2, 3, 3, 4, 6)),
            created=_EPOCH + timedelta(minutes=rng.randrange(400_000)),
            tool=tool,
            manager=manager,
            annotated=_weighted(rng, mix.annotated),
            # Helm's own output and GitOps-rendered objects name their namespace here
            namespaced=tool != "kubectl" or _weighted(rng, mix.namespaced),
            files=1 if layout < 6 else 2 if layout < 9 else len(KINDS),
        )


def generate(count: int, *, seed: int = 7, drift_ratio: float = 0.01, mix: Mix = Mix()) -> Dataset:
    """`count` live objects (and their manifests), kinds in turn, about 1% hand-edited."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    desired: list[Obj] = []
    live: list[Obj] = []
    apps: list[App] = []
    records: list[Obj] = []
    for app in _apps(-(-count // len(KINDS)), rng, mix):
        apps.append(app)
        mine = []
        for kind in KINDS:
            if len(desired) == count:
                break
            manifest = BUILDERS[kind](app)
            live.append(to_live(manifest, app, rng, 10_000 + len(live)))
            if not app.namespaced:
                del manifest["metadata"]["namespace"]
            desired.append(manifest)
            mine.append(manifest)
        if app.tool == "helm" and mine:
            records.append(helm_record(app, mine, rng, 5_000 + len(records)))
    drifted = []
    for index in sorted(rng.sample(range(count), max(1, round(count * drift_ratio)))):
        obj = live[index]
        _hand_edit(obj, _EPOCH + timedelta(days=300))
        meta = obj["metadata"]
        drifted.append(f"{obj['kind']} {meta['namespace']}/{meta['name']}")
    return Dataset(live, desired, drifted, apps, mix, records)


# -- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    live_json: Path  # {"kind": "List", "items": [...]}: what the emulator loads
    manifests: Path  # the desired state: one folder per namespace (see namespace_folders)


_CONFIG_KINDS = frozenset({"ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding"})


def _file_of(app: App, kind: str) -> str:
    if app.files == 1:
        return f"{app.name}.yaml"
    if app.files == 2:
        return f"{app.name}/{'config' if kind in _CONFIG_KINDS else 'workloads'}.yaml"
    return f"{app.name}/{kind.lower()}.yaml"


def namespace_folders(manifests: Path) -> list[tuple[Path, str]]:
    """(folder, namespace) to render: one folder per namespace, as `kubectl apply -n NS -f
    DIR` would deploy it (manifests without a namespace take the folder's)."""
    return [(folder, folder.name) for folder in sorted(manifests.iterdir()) if folder.is_dir()]


def write(dataset: Dataset, directory: Path) -> Layout:
    directory.mkdir(parents=True, exist_ok=True)
    live_json = directory / "live.json"
    items = dataset.live + dataset.records
    live_json.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    manifests = directory / "manifests"
    shutil.rmtree(manifests, ignore_errors=True)  # what an earlier run wrote is not ours
    by_file: dict[Path, list[Obj]] = {}
    for index, obj in enumerate(dataset.desired):
        app = dataset.apps[index // len(KINDS)]
        path = manifests / app.namespace / _file_of(app, obj["kind"])
        by_file.setdefault(path, []).append(obj)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for path, docs in by_file.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False))
    return Layout(live_json, manifests)


def describe(dataset: Dataset, layout: Layout) -> str:
    """One line on what was written: objects, tools, sizes, files."""
    tools = {t: sum(a.tool == t for a in dataset.apps) for t in ("kubectl", "ssa", "helm")}
    sizes = [len(json.dumps(o, separators=(",", ":"))) for o in dataset.live]
    files = [p for p in layout.manifests.rglob("*.yaml")]
    yaml_bytes = sum(p.stat().st_size for p in files)
    return (
        f"{len(dataset.live)} live objects ({layout.live_json.stat().st_size / 1e6:.1f} MB JSON, "
        f"{min(sizes) / 1e3:.1f}-{max(sizes) / 1e3:.1f} KB each, mean "
        f"{sum(sizes) / len(sizes) / 1e3:.1f} KB); apps by tool {tools} (mix {dataset.mix}); "
        f"{len(dataset.records)} Helm release records; "
        f"{len(files)} manifest files, {yaml_bytes / 1e6:.1f} MB YAML; "
        f"{len(dataset.drifted)} hand-edited"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", type=Mix.parse, default=Mix(), help=f"default: {Mix()}")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    dataset = generate(args.objects, seed=args.seed, mix=args.mix)
    layout = write(dataset, args.out)
    print(describe(dataset, layout))


if __name__ == "__main__":
    main()
