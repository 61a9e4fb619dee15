"""A pull request in a real git repository: a base commit, a head commit, and the live cluster.

The scenario covers every class of issue 16:
- Deployment shop/web: the PR bumps the image 1.4.2 -> 1.4.3 (planned), and someone scaled it
  by hand from 3 to 5 (drift, by kubectl-scale).
- Deployment shop/api: a hotfix image was set by hand (2.0.0 -> 2.0.1-hotfix); the PR writes
  it into Git (adopted).
- Deployment shop/worker: the PR moves the image to 3.1.0 while someone set 3.0.1-hotfix by
  hand (conflict).
- ConfigMap shop/flags: new in the PR, not live (planned creation).
- Service shop/legacy: deleted by the PR, still live (planned deletion).
- Helm chart charts/cache (new in the PR): its objects are planned creations.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from support import DATA

NS = "shop"
CHART = (
    DATA / "charts" / "helm__examples" / "charts" / "hello-world"
)  # a real chart, with Helm's license
WHEN = "2026-11-20T10:05:00Z"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def deployment(name: str, image: str, replicas: int = 2) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def configmap(name: str, data: dict[str, str]) -> dict[str, Any]:
    meta = {"name": name, "namespace": NS}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


BASE = {
    "web.yaml": [deployment("web", "shop/web:1.4.2", 3), service("legacy")],
    "api.yaml": [deployment("api", "shop/api:2.0.0")],
    "worker.yaml": [deployment("worker", "shop/worker:3.0.0")],
}
HEAD = {
    "web.yaml": [deployment("web", "shop/web:1.4.3", 3)],
    "api.yaml": [deployment("api", "shop/api:2.0.1-hotfix")],
    "worker.yaml": [deployment("worker", "shop/worker:3.1.0")],
    "flags.yaml": [configmap("flags", {"beta": "on"})],
}


def _managed(
    manager: str, fields: dict[str, Any], subresource: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": "Update",
        "time": WHEN,
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def _image_by(name: str, manager: str) -> dict[str, Any]:
    container = {f'k:{{"name":"{name}"}}': {"f:image": {}}}
    return _managed(manager, {"f:spec": {"f:template": {"f:spec": {"f:containers": container}}}})


def live_objects(*, hand_edits: bool = True) -> list[dict[str, Any]]:
    """The cluster: the base applied by `kubectl apply`, then (unless not) the hand edits."""
    objects = []
    for doc in (d for docs in BASE.values() for d in docs):
        obj = copy.deepcopy(doc)
        obj["metadata"]["uid"] = f"uid-{obj['metadata']['name']}"
        obj["metadata"]["managedFields"] = [_managed("kubectl-client-side-apply", {"f:spec": {}})]
        objects.append(obj)
    if not hand_edits:
        return objects
    web, api, worker = objects[0], objects[2], objects[3]
    web["spec"]["replicas"] = 5
    web["metadata"]["managedFields"].append(
        _managed("kubectl-scale", {"f:spec": {"f:replicas": {}}}, "scale")
    )
    api["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/api:2.0.1-hotfix"
    api["metadata"]["managedFields"].append(_image_by("api", "kubectl-set"))
    worker["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/worker:3.0.1-hotfix"
    worker["metadata"]["managedFields"].append(_image_by("worker", "kubectl-set"))
    return objects


def write(folder: Path, files: dict[str, list[dict[str, Any]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for name, docs in files.items():
        (folder / name).write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")


def make_repo(root: Path, *, chart: bool = True) -> tuple[Path, str]:
    """The repository with its base commit and the PR's head commit checked out; the base sha."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write(repo / "k8s", BASE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-qb", "pr")
    write(repo / "k8s", HEAD)
    if chart:
        shutil.copytree(CHART, repo / "charts" / "cache")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    return repo, base


def write_live(path: Path, *, hand_edits: bool = True) -> Path:
    items = {"apiVersion": "v1", "kind": "List", "items": live_objects(hand_edits=hand_edits)}
    path.write_text(yaml.safe_dump(items, sort_keys=False), encoding="utf-8")
    return path


def classes(document: dict[str, Any]) -> dict[str, Any]:
    """A JSON report's resources: status, class, and each change's class by its last key."""
    return {
        f"{r['kind']} {r['name']}": (
            r["status"],
            r["class"],
            {c["path"].rsplit(".", 1)[-1]: c["class"] for c in r["changes"]},
        )
        for r in document["resources"]
    }


def shallow_clone(repo: Path, where: Path, *, reachable: bool = True) -> Path:
    """A depth-1 clone of the PR's branch (as actions/checkout makes); `reachable=False`: its
    origin is gone, so nothing can be fetched."""
    shallow = where / "shallow"
    git(where, "clone", "-q", "--depth=1", "--branch", "pr", f"file://{repo}", str(shallow))
    if not reachable:
        git(shallow, "remote", "set-url", "origin", str(where / "gone"))
    return shallow
