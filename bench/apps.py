"""What the benchmark's apps are and the manifests a user writes for them: the tools that
deploy them (`Mix`), one object of each of the 10 kinds per app, and their API paths."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
WORDS = ("checkout", "ledger", "search", "inventory", "auth", "billing", "gateway", "notify")
ROLES = ("api", "worker", "web", "sync", "cache", "indexer")
EPOCH = datetime(2024, 3, 1, tzinfo=UTC)


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


DEFAULT_MIX = Mix()
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
            *(f"  {flag}: {str(i % 2 == 0).lower()}" for i, flag in enumerate(WORDS)),
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


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(app: App) -> Obj:
    data = {
        "DB_USER": b64(app.name.replace("-", "_")),
        "DB_PASSWORD": b64(f"example-only-{app.name}-{app.version}-password"),
        "API_KEY": b64(uuid.uuid5(uuid.NAMESPACE_DNS, app.name).hex * 2),
        "tls.key": b64("-----BEGIN EXAMPLE KEY-----\n" + "A" * 240 + "\n-----END EXAMPLE KEY-----"),
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
