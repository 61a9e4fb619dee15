"""What the real API server does to what it is given, and what drift-action makes of it: quantities
rewritten to canonical form, nulls and empty values dropped, Secret stringData folded into base64
data, defaults filled in. None of that is drift; a hand edit next to it is, and an ignore rule
or a managedFieldsManagers rule still sets the edit aside."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster

SECRET_VALUE = "s3cr3t-from-git"


def objects(namespace: str) -> list[dict[str, Any]]:
    meta = {"namespace": namespace, "labels": {"app": "api"}}
    container = {
        "name": "api",
        "image": "registry.example/api:2.0",
        "resources": {
            # The server stores "500m", "1Gi" and "2": the same quantities, written canonically.
            "requests": {"cpu": 0.5, "memory": "1024Mi"},
            "limits": {"cpu": 2, "memory": "2048Mi"},
        },
        "env": [{"name": "MODE", "value": "fast"}],
        "envFrom": None,
        "args": [],
    }
    listed = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api", "annotations": {}, **meta},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"labels": {"app": "api"}, "creationTimestamp": None},
                    "spec": {"containers": [container], "hostPID": False, "volumes": None},
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "api-token", **meta},
            "type": "Opaque",
            "stringData": {"token": SECRET_VALUE},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "api", **meta},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "api", **meta},
            "data": {"threshold": "10", "empty": ""},
        },
    ]
    return json.loads(json.dumps(listed))  # no metadata shared (deepcopy would keep it shared)


@pytest.fixture
def applied(real: RealCluster, tmp_path: Path) -> tuple[str, Path]:
    namespace = real.namespace("norm")
    desired = objects(namespace)
    for obj in desired:
        real.client_side_apply(obj)
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(yaml.safe_dump_all(desired))
    return namespace, manifests


def run(
    control_plane: ControlPlane, manifests: Path, tmp_path: Path, *args: str
) -> tuple[int, Any]:
    kubeconfig = control_plane.kubeconfig(tmp_path / "kubeconfig")
    result = run_cli(
        "--manifests", str(manifests), "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json", "--explain", *args,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    assert SECRET_VALUE not in result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {f"{r['kind']}/{r['name']}": r["status"] for r in document["resources"]}


def rules(document: dict[str, Any], kind: str) -> set[str]:
    (resource,) = [r for r in document["resources"] if r["kind"] == kind]
    return {n["rule"] for n in resource["normalized"]}


def test_what_the_server_rewrites_is_not_drift_and_says_why(
    applied: tuple[str, Path], real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    namespace, manifests = applied
    stored = real.get("apps/v1", "Deployment", "api", namespace)
    resources = stored["spec"]["template"]["spec"]["containers"][0]["resources"]
    # The premise, checked on the server rather than assumed.
    assert resources["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert real.get("v1", "Secret", "api-token", namespace)["data"] == {
        "token": base64.b64encode(SECRET_VALUE.encode()).decode()
    }

    code, document = run(control_plane, manifests, tmp_path)

    assert code == 0, statuses(document)
    assert set(statuses(document).values()) == {"in_sync"}
    assert {"quantity", "empty-is-unset", "zero-is-unset"} <= rules(document, "Deployment")


def test_hand_edits_next_to_the_rewrites_are_drift(
    applied: tuple[str, Path], real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    namespace, manifests = applied

    def more_memory(body: dict[str, Any]) -> None:
        body["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "3Gi"

    def rotate(body: dict[str, Any]) -> None:
        body["data"]["token"] = base64.b64encode(b"rotated").decode()

    real.edit("apps/v1", "Deployment", "api", namespace, more_memory)
    real.edit("v1", "Secret", "api-token", namespace, rotate)
    real.label("v1", "ConfigMap", "api", namespace, {"owner": "oncall"})

    code, document = run(control_plane, manifests, tmp_path)

    assert code == 1
    found = {
        (r["kind"], c["path"], c["attribution"]["manager"], c["redacted"])
        for r in document["resources"] for c in r["changes"]
    }  # fmt: skip
    assert found == {
        (
            "Deployment",
            "spec.template.spec.containers[name=api].resources.limits.memory",
            "kubectl-edit",
            False,
        ),
        ("Secret", "data.token", "kubectl-edit", True),
        ("ConfigMap", "metadata.labels.owner", "kubectl-label", False),
    }
    assert statuses(document)["Service/api"] == "in_sync"


def test_ignore_rules_set_the_hand_edits_aside(
    applied: tuple[str, Path], real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    namespace, manifests = applied
    real.scale("apps/v1", "Deployment", "api", namespace, 5)
    real.label("v1", "ConfigMap", "api", namespace, {"owner": "oncall"})
    config = tmp_path / "drift.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "ignore": [
                    {"kind": "Deployment", "jsonPointers": ["/spec/replicas"]},
                    {"kind": "ConfigMap", "managedFieldsManagers": ["kubectl-label"]},
                ]
            }
        )
    )

    code, document = run(control_plane, manifests, tmp_path, "--config", str(config))

    assert code == 0, [r["changes"] for r in document["resources"]]
    ignored = {(i["path"]) for r in document["resources"] for i in r["ignored"]}
    assert {"spec.replicas", "metadata.labels.owner"} <= ignored


@pytest.mark.parametrize("how", ["client-side", "server-side"])
def test_what_git_dropped_is_removed_when_the_deployer_had_set_it(
    how: str, real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    """Applied with a label, an annotation, a data key and minReadySeconds; Git then drops them
    and nobody re-applies. The last-applied annotation (client-side) or the Apply entry
    (server-side, manager argocd-controller) says the deployer set them: `removed`, each."""
    namespace = real.namespace("rm")
    before = objects(namespace)
    deployment, _, _, configmap = before
    deployment["metadata"]["labels"]["tier"] = "backend"
    deployment["spec"]["minReadySeconds"] = 5
    configmap["metadata"]["annotations"] = {"team": "payments"}
    configmap["data"]["retired"] = "yes"
    for obj in before:
        if how == "client-side":
            real.client_side_apply(obj)
        else:
            real.server_side_apply(obj, "argocd-controller")
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(yaml.safe_dump_all(objects(namespace)))  # Git without them

    code, document = run(control_plane, manifests, tmp_path)

    assert code == 1
    found = {(r["kind"], c["path"], c["type"]) for r in document["resources"] for c in r["changes"]}
    assert found == {
        ("Deployment", "metadata.labels.tier", "removed"),
        ("Deployment", "spec.minReadySeconds", "removed"),
        ("ConfigMap", "metadata.annotations.team", "removed"),
        ("ConfigMap", "data.retired", "removed"),
    }
