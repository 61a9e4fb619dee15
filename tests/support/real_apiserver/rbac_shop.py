"""The desired set the RBAC tests compare: several kinds deploy/rbac.yaml's reader role names,
made live in a fresh namespace with kubectl's client-side apply, then one change by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from support import run_cli

from .cluster import RealCluster

REPLICAS, SCALED = 2, 4
# (apiVersion, kind) of each object below: what snapshots compare before and after a run.
KINDS = [
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"),
]


def desired(namespace: str) -> list[dict[str, Any]]:
    labels = {"app.kubernetes.io/name": "web"}

    def meta(name: str) -> dict[str, Any]:
        return {"name": name, "namespace": namespace, "labels": dict(labels)}

    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("web-config"),
         "data": {"LOG_LEVEL": "info"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": meta("web-credentials"),
         "type": "Opaque", "stringData": {"password": "not-a-real-password"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta("web"),
         "spec": {"selector": labels, "ports": [{"name": "http", "port": 80,
                                                 "targetPort": 8080}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("web")},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("web"),
         "spec": {"replicas": REPLICAS, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"serviceAccountName": "web", "containers": [
                                   {"name": "web", "image": "ghcr.io/example/shop-web:1.4.2",
                                    "ports": [{"name": "http", "containerPort": 8080}]}]}}}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta("web"),
         "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}}},
    ]  # fmt: skip


def deploy_shop(real: RealCluster, prefix: str, workdir: Path) -> tuple[str, Path]:
    """The desired set written to a file and applied live, then `kubectl scale` by hand."""
    namespace = real.namespace(prefix)
    objects = desired(namespace)
    for obj in objects:
        real.client_side_apply(obj)
    real.scale("apps/v1", "Deployment", "web", namespace, SCALED)
    manifests = workdir / f"{namespace}.yaml"
    manifests.write_text(yaml.safe_dump_all(objects))
    return namespace, manifests


def resource_versions(real: RealCluster, namespace: str) -> dict[str, str]:
    return {
        f"{obj['kind']}/{obj['metadata']['name']}": obj["metadata"]["resourceVersion"]
        for obj in real.snapshot(namespace, KINDS)
    }


def drift_action(kubeconfig: Path, manifests: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "--manifests", str(manifests), "--kubeconfig", str(kubeconfig), "--format", "json", *args
    )


def verdicts(stdout: str) -> dict[str, str]:
    """Each resource's status, by kind and name (every test uses one namespace)."""
    return {f"{r['kind']}/{r['name']}": r["status"] for r in json.loads(stdout)["resources"]}
