""" "Removed in Git" from a deployer's Update entry: only what can never be a server default.

Helm (and Argo CD's client-side apply) write with `Update`, whose managedFields entry also owns
the defaults the API server filled in when it created the object. So a label, an annotation, a
data key, a selector, a nodeSelector or resource limit key, or a list item with a merge key that
Helm wrote and Git dropped is reported; a scalar such as imagePullPolicy is not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from drift_action.compare.defaults import never_a_default
from drift_action.compare.verdicts import compare
from drift_action.core.model import ChangeType, KubeObject, ResourceKey, SourceLocation
from drift_action.core.paths import ListKey


def k(**key: Any) -> str:
    return "k:" + json.dumps(key, separators=(",", ":"))


def entry(manager: str, fields: dict[str, Any], operation: str = "Update") -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": operation,
        "apiVersion": "apps/v1",
        "time": "2026-01-01T00:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def container(name: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "image": f"{name}:1", **more}


def deployment(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"template": {"spec": {"containers": containers}}, **spec},
    }


HELM_FIELDS = {
    "f:metadata": {
        "f:labels": {"f:app": {}, "f:tier": {}},
        "f:annotations": {"f:meta.helm.sh/release-name": {}},
    },
    "f:spec": {
        "f:revisionHistoryLimit": {},
        "f:template": {
            "f:spec": {
                "f:nodeSelector": {"f:disk": {}},
                "f:containers": {
                    k(name="web"): {
                        ".": {},
                        "f:image": {},
                        "f:imagePullPolicy": {},
                        "f:env": {k(name="FOO"): {".": {}, "f:name": {}, "f:value": {}}},
                        "f:resources": {"f:limits": {"f:cpu": {}}},
                    },
                    k(name="sidecar"): {".": {}, "f:image": {}, "f:name": {}},
                },
            }
        },
    },
}


def live_body(managers: list[dict[str, Any]]) -> dict[str, Any]:
    web = container(
        "web",
        imagePullPolicy="IfNotPresent",
        env=[{"name": "FOO", "value": "1"}],
        resources={"limits": {"cpu": "1"}},
    )
    body = deployment([web, container("sidecar")], revisionHistoryLimit=10)
    body["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    body["metadata"]["labels"]["tier"] = "web"
    body["metadata"]["annotations"] = {"meta.helm.sh/release-name": "web"}
    body["metadata"]["managedFields"] = managers
    return body


def kube(body: dict[str, Any]) -> KubeObject:
    key = ResourceKey("apps", "Deployment", "shop", "web")
    return KubeObject(key, "apps/v1", body, SourceLocation("test"))


def changes(manager: str, operation: str = "Update") -> dict[str, ChangeType]:
    desired = kube(deployment([container("web")]))
    live = kube(live_body([entry(manager, HELM_FIELDS, operation)]))
    [result] = compare([desired], [live]).resources
    return {c.path_text: c.type for c in result.changes}


def test_helm_update_reports_what_cannot_be_a_default() -> None:
    assert changes("helm") == {
        "metadata.labels.tier": ChangeType.REMOVED,
        "spec.template.spec.nodeSelector.disk": ChangeType.REMOVED,
        "spec.template.spec.containers[name=web].env[name=FOO]": ChangeType.REMOVED,
        "spec.template.spec.containers[name=web].resources.limits.cpu": ChangeType.REMOVED,
        "spec.template.spec.containers[name=sidecar]": ChangeType.REMOVED,
    }


def test_server_side_apply_still_reports_scalars() -> None:
    found = changes("argocd-controller", operation="Apply")
    assert found["spec.revisionHistoryLimit"] is ChangeType.REMOVED
    assert "spec.template.spec.containers[name=web].imagePullPolicy" in found


def test_client_side_apply_is_read_from_its_annotation_only() -> None:
    """Its Update entry may be a person's one-off `kubectl apply` (gitops-engine's
    ssd-deploy-with-manual-apply case): without the annotation nothing is claimed."""
    assert changes("kubectl-client-side-apply") == {}


@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [
        ("ConfigMap", ("data", "key"), True),
        ("Secret", ("binaryData", "key"), True),
        ("Deployment", ("data", "key"), False),
        ("Service", ("spec", "selector", "app"), True),
        ("Deployment", ("spec", "selector", "matchLabels", "app"), True),
        ("Deployment", ("spec", "template", "metadata", "labels", "app"), True),
        ("Deployment", ("metadata", "annotations", "meta.helm.sh/release-name"), False),
        ("Namespace", ("metadata", "labels", "kubernetes.io/metadata.name"), False),
        ("Namespace", ("metadata", "labels", "pod-security.kubernetes.io/enforce"), True),
        ("Job", ("spec", "template", "metadata", "labels", "batch.kubernetes.io/job-name"), False),
        ("Job", ("spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"), False),
        ("Deployment", ("metadata", "annotations", "argocd.argoproj.io/tracking-id"), False),
        ("Service", ("spec", "ports", ListKey((("port", "80"), ("protocol", "TCP")))), True),
        ("Deployment", ("spec", "template", "spec", "dnsPolicy"), False),
        ("Service", ("spec", "sessionAffinity"), False),
        ("Deployment", ("spec", "strategy", "rollingUpdate", "maxSurge"), False),
    ],
)
def test_never_a_default(kind: str, path: tuple[Any, ...], expected: bool) -> None:
    assert never_a_default(kind, path) is expected
