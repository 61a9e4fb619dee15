"""`--reconcile` as deploy/rbac.yaml's ServiceAccount with the file's optional write role, on the
real API server: `patch` puts a hand-scaled Deployment back, and `create` is what lets the same
server-side apply make a missing object (the API server authorizes an apply that would create
as `create`); without it that object alone is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import run_cli
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster
from support.real_apiserver.drift_runs import write_manifests
from support.real_apiserver.rbac import Identity, await_rbac, commented_documents, reader
from support.real_apiserver.workloads import deployment

WRITE_ROLE = "drift-action-reconcile"


def grant_write_role(real: RealCluster, who: Identity, namespace: str, *, create: bool) -> None:
    """The file's Role and RoleBinding, copied into `namespace` for this test's account."""
    for doc in commented_documents(WRITE_ROLE):
        doc["metadata"]["namespace"] = namespace
        if doc["kind"] == "Role" and not create:
            for rule in doc["rules"]:
                rule["verbs"] = [v for v in rule["verbs"] if v != "create"]
        for subject in doc.get("subjects", []):
            subject["namespace"] = who.namespace
        real.server_side_apply(doc, "kubectl")
    await_rbac(real, who.username, "patch", "deployments", "apps", namespace=namespace)
    await_rbac(real, who.username, "create", "configmaps", namespace=namespace, allowed=create)


def configmap(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": namespace},
        "data": {"mode": "safe"},
    }


@pytest.mark.parametrize("create", [True, False], ids=["patch-and-create", "patch-only"])
def test_the_write_role_puts_drift_back_and_create_makes_the_missing(
    create: bool, control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace = real.namespace("write-role")
    web, settings = deployment(namespace), configmap(namespace)
    real.server_side_apply(web, "argocd-controller")  # the ConfigMap was never deployed
    real.scale("apps/v1", "Deployment", "web", namespace, 6)
    who = reader(real, tmp_path)
    grant_write_role(real, who, namespace, create=create)
    manifests = write_manifests(tmp_path, web, settings)

    result = run_cli(
        "--manifests", str(manifests), "--namespace", namespace, "--kubeconfig",
        str(who.kubeconfig), "--format", "json", "--reconcile", "--force-conflicts",
    )  # fmt: skip

    assert "Traceback" not in result.stderr, result.stderr
    outcomes = {
        r["kind"]: r["outcome"] for r in json.loads(result.stdout)["reconcile"]["resources"]
    }
    assert real.get("apps/v1", "Deployment", "web", namespace)["spec"]["replicas"] == 2
    configmaps = real.resource("v1", "ConfigMap").get(namespace=namespace).to_dict()["items"]
    created = [c["metadata"]["name"] for c in configmaps if c["metadata"]["name"] == "settings"]
    if create:
        assert result.returncode == 0, result.stderr
        assert created == ["settings"]
        assert "forbidden" not in outcomes.values(), outcomes
    else:
        assert result.returncode == 1, result.stderr
        assert created == []
        assert outcomes["ConfigMap"] == "forbidden"
        assert outcomes["Deployment"] != "forbidden"
    refused = [
        e for e in control_plane.audit_events(who.username)
        if e["verb"] == "patch" and e["responseStatus"]["code"] == 403
    ]  # fmt: skip
    assert bool(refused) is not create
