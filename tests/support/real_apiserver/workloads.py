"""The objects and the webhook mutation of tests/realserver/test_real_server_side.py: manifests
that leave every field they can to the server's defaulting, and a registry-mirror webhook."""

from __future__ import annotations

from typing import Any

REGISTRY = "registry.example.com/mirror/"
IMAGE = "spec.template.spec.containers[name=web].image"
MODES = ("client-side", "server-side", "server-side-all")
KINDS = [("apps/v1", "Deployment"), ("v1", "Service"), ("batch/v1", "CronJob")]
PATHS = {  # each object's path on the server, {ns} its namespace
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments/web",
    "Service": "/api/v1/namespaces/{ns}/services/web",
    "CronJob": "/apis/batch/v1/namespaces/{ns}/cronjobs/nightly",
}


def deployment(namespace: str) -> dict[str, Any]:
    """No strategy, revisionHistoryLimit, progressDeadlineSeconds, imagePullPolicy,
    terminationMessagePath, dnsPolicy...: all left to the server's defaulting."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def service(namespace: str) -> dict[str, Any]:
    """No type, sessionAffinity, ipFamilies, clusterIP, protocol or targetPort."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }


def cronjob(namespace: str) -> dict[str, Any]:
    """No concurrencyPolicy, suspend, history limits, or any of the Pod template's defaults."""
    container = {"name": "job", "image": "busybox:1.36", "command": ["true"]}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": namespace},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {"spec": {"restartPolicy": "OnFailure", "containers": [container]}}
                }
            },
        },
    }


def mirror(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The webhook: pull every image of a Pod template through a registry mirror."""
    containers = obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return [
        {
            "op": "replace",
            "path": f"/spec/template/spec/containers/{index}/image",
            "value": REGISTRY + container["image"],
        }
        for index, container in enumerate(containers)
        if not container["image"].startswith(REGISTRY)
    ]
