"""A repository of hand-written manifests (comments, flow style, mixed quoting, several
documents) and a live cluster edited by hand, for adopting live values into Git (issue 19).

The live edits, each by its own field manager:
- Deployment shop/web: scaled 3 -> 5 (kubectl-scale), a hotfix image (kubectl-set), LOG_LEVEL
  set to debug (kubectl-edit), an annotation added by hand (kubectl-annotate); the label `team`
  the deployer set is no longer in Git but still live (removed).
- ConfigMap shop/settings: `mode` changed and `timeout` added by hand (kubectl-edit); `legacy`
  is in Git and no longer live (missing); `observed` written by a controller (not adopted).
- Secret shop/creds: its password changed by hand (never adopted: a suggestion would show it).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from support.pr_repo import git

WHEN = "2026-11-20T10:05:00Z"

APP = """\
# Shop front end: owned by team web.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, tier: "front"}   # flow style, kept
spec:
  replicas: 3  # the HPA is off in this environment
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "shop/web:1.4.2"  # pinned by release
          env:
            - name: LOG_LEVEL
              value: 'info'
            - name: FEATURE_X
              value: "off"
        - name: proxy
          image: shop/proxy:2.0
---
# Settings read at start-up.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: "blue"    # blue/green switch
  retries: "3"
  legacy: 'yes'
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
stringData:
  password: hunter2
"""

UNTOUCHED = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
"""


def _managed(manager: str, api: str, fields: dict[str, Any], sub: str | None = None) -> Any:
    entry = {
        "apiVersion": api,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": "Update",
        "time": WHEN,
    }
    if sub:
        entry["subresource"] = sub
    return entry


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "app.yaml").write_text(APP, encoding="utf-8")
    (repo / "k8s" / "service.yaml").write_text(UNTOUCHED, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "manifests")
    return repo


def live_objects() -> list[dict[str, Any]]:
    web, settings, creds = (copy.deepcopy(d) for d in yaml.safe_load_all(APP))
    service = yaml.safe_load(UNTOUCHED)
    apply = "kubectl-client-side-apply"
    for obj in (web, settings, creds, service):
        obj["metadata"]["uid"] = f"uid-{obj['kind']}"
    # Applied from Git, with the label `team` Git has since dropped.
    web["metadata"]["labels"]["team"] = "web"
    web["metadata"]["managedFields"] = [
        _managed(apply, "apps/v1", {"f:metadata": {"f:labels": {"f:team": {}}}, "f:spec": {}}),
        _managed("kubectl-scale", "apps/v1", {"f:spec": {"f:replicas": {}}}, "scale"),
        _managed(
            "kubectl-set",
            "apps/v1",
            {
                "f:spec": {
                    "f:template": {
                        "f:spec": {"f:containers": {'k:{"name":"web"}': {"f:image": {}}}}
                    }
                }
            },
        ),
        _managed(
            "kubectl-edit",
            "apps/v1",
            {
                "f:spec": {
                    "f:template": {
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"web"}': {
                                    "f:env": {'k:{"name":"LOG_LEVEL"}': {"f:value": {}}}
                                }
                            }
                        }
                    }
                }
            },
        ),
        _managed(
            "kubectl-annotate",
            "apps/v1",
            {"f:metadata": {"f:annotations": {"f:ops.example.com/paged": {}}}},
        ),
    ]
    web["spec"]["replicas"] = 5
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "shop/web:1.4.3-hotfix"
    container["env"][0]["value"] = "debug"
    web["metadata"]["annotations"] = {"ops.example.com/paged": "true"}

    settings["data"] = {"mode": "green", "retries": "3", "timeout": "30s", "observed": "7"}
    settings["metadata"]["managedFields"] = [
        _managed(apply, "v1", {"f:data": {"f:retries": {}}}),
        _managed("kubectl-edit", "v1", {"f:data": {"f:mode": {}, "f:timeout": {}}}),
        _managed("settings-controller", "v1", {"f:data": {"f:observed": {}}}),
    ]
    creds["data"] = {"password": "c3dvcmRmaXNo"}  # swordfish
    del creds["stringData"]
    creds["type"] = "Opaque"
    creds["metadata"]["managedFields"] = [
        _managed("kubectl-edit", "v1", {"f:data": {"f:password": {}}}),
    ]
    service["metadata"]["managedFields"] = [_managed(apply, "v1", {"f:spec": {}})]
    return [web, settings, creds, service]


def write_live(path: Path) -> Path:
    items = {"apiVersion": "v1", "kind": "List", "items": live_objects()}
    path.write_text(yaml.safe_dump(items, sort_keys=False), encoding="utf-8")
    return path


def make_pr(root: Path, base: dict[str, str], head: dict[str, str]) -> tuple[Path, str, str]:
    """A repository whose `main` holds `base` and whose checked-out branch `pr` holds `head`
    (file path -> text, under the repository); the base and head commits."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for files, message in ((base, "base"), (head, "head")):
        for old in repo.glob("k8s/*"):
            old.unlink()
        for path, text in files.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", message)
        if message == "base":
            git(repo, "checkout", "-qb", "pr")
    return repo, git(repo, "rev-parse", "main"), git(repo, "rev-parse", "pr")


def pull_files(repo: Path, base: str, head: str) -> dict[str, str]:
    """Each changed file's patch as GitHub's pull request files list gives it: the hunks."""
    names = git(repo, "diff", "--no-renames", "--name-only", base, head).splitlines()
    files = {}
    for name in names:
        patch = git(repo, "diff", "--no-renames", base, head, "--", name)
        files[name] = patch[patch.index("@@") :] if "@@" in patch else ""
    return files


def split_documents(text: str) -> dict[str, str]:
    """APP's documents by kind, each with its `---` line, so a base can hold them apart."""
    parts = text.split("---\n")
    return {
        str(yaml.safe_load(part)["kind"]): ("" if i == 0 else "---\n") + part
        for i, part in enumerate(parts)
    }
