"""The README's example (examples/manifests) made live on the real server in a namespace of its own,
then drifted by hand the way examples/live/drifted.yaml records: the same five edits by the same
tools, so the real server's verdicts can be held against the snapshot's and the emulator's."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from support import EXAMPLES

from .cluster import RealCluster

# Each edit the snapshot records: (kind, path, manager, subresource).
HAND_EDITS = {
    ("Deployment", "spec.replicas", "kubectl-scale", "scale"),
    ("Deployment", "spec.template.spec.containers[name=web].image", "kubectl-set", None),
    ("ConfigMap", "data.LOG_LEVEL", "kubectl-edit", None),
    ("Secret", "data.password", "kubectl-edit", None),
    ("Service", 'metadata.annotations["example.com/debug-owner"]', "kubectl-annotate", None),
}


def _documents() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((EXAMPLES / "manifests").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                yield path.name, doc


def write_manifests(namespace: str, folder: Path) -> list[dict[str, Any]]:
    """The example's files with `shop` renamed to `namespace`, one file each as in Git."""
    folder.mkdir(parents=True, exist_ok=True)
    objects: list[dict[str, Any]] = []
    files: dict[str, list[dict[str, Any]]] = {}
    for name, doc in _documents():
        obj = copy.deepcopy(doc)
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        else:
            obj["metadata"]["namespace"] = namespace
        files.setdefault(name, []).append(obj)
        objects.append(obj)
    for name, docs in files.items():
        (folder / name).write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return objects


def make_live(real: RealCluster, objects: list[dict[str, Any]], skip: str = "") -> None:
    """`kubectl apply -f` (client-side): the Namespace first, every object but kind `skip`."""
    for obj in sorted(objects, key=lambda o: o["kind"] != "Namespace"):
        if obj["kind"] != skip:
            real.client_side_apply(obj)


def drift_by_hand(real: RealCluster, namespace: str) -> None:
    """What people did in examples/live/drifted.yaml, with the same tools."""
    real.scale("apps/v1", "Deployment", "web", namespace, 5)
    real.set_image("Deployment", "web", namespace, "web", "ghcr.io/example/shop-web:1.4.3-hotfix")

    def debug(configmap: dict[str, Any]) -> None:
        configmap["data"]["LOG_LEVEL"] = "debug"

    def rotate(secret: dict[str, Any]) -> None:
        secret["data"]["password"] = base64.b64encode(b"rotated-by-hand").decode()

    real.edit("v1", "ConfigMap", "web-config", namespace, debug)
    real.edit("v1", "Secret", "web-credentials", namespace, rotate)
    real.annotate("v1", "Service", "web", namespace, {"example.com/debug-owner": "alice"})
    # `kubectl create deployment debug-shell`: an extra, found by the example's label.
    labels = {"app.kubernetes.io/name": "debug-shell", "app.kubernetes.io/part-of": "shop"}
    shell = {"name": "shell", "image": "busybox:1.36", "command": ["sleep", "infinity"]}
    debug_shell = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "debug-shell", "namespace": namespace, "labels": labels},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "debug-shell"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "debug-shell"}},
                "spec": {"containers": [shell]},
            },
        },
    }
    real.resource("apps/v1", "Deployment").create(
        body=debug_shell, namespace=namespace, field_manager="kubectl-create"
    )
