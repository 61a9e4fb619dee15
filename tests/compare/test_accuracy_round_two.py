"""Issue 17's misses: quantities written as numbers, a user-managed caBundle, a workload an HPA
scales that someone scaled to zero, and a field whose whole parent is missing live."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from support import run_cli

from drift_action.compare.verdicts import Settings, compare
from drift_action.core.model import (
    KubeObject,
    ResourceKey,
    ResourceResult,
    SourceLocation,
    Status,
)
from drift_action.live.quantity import parse_quantity

SETTINGS = Settings(parse_quantity=parse_quantity)
WHEN = "2026-11-20T10:05:00Z"


def kube(body: dict[str, Any], file: str = "git.yaml") -> KubeObject:
    meta = body["metadata"]
    group = body["apiVersion"].rpartition("/")[0]
    key = ResourceKey(group, body["kind"], meta.get("namespace", ""), meta["name"])
    return KubeObject(key, body["apiVersion"], body, SourceLocation(file, 1))


def verdict(desired: dict[str, Any], live: dict[str, Any], *more: dict[str, Any]) -> ResourceResult:
    report = compare([kube(desired)], [kube(live, "live"), *(kube(m, "live") for m in more)],
                     settings=SETTINGS)  # fmt: skip
    (result,) = report.resources
    return result


def deployment(replicas: int = 3, **resources: Any) -> dict[str, Any]:
    container = {"name": "web", "image": "web:1", **({"resources": resources} if resources else {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [container]}}},
    }


# --- quantities written as numbers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        ({"cpu": 0.2}, {"cpu": "200m"}),
        ({"cpu": "0.2"}, {"cpu": "200m"}),
        ({"cpu": "200m"}, {"cpu": 0.2}),  # in both directions
        ({"cpu": 2}, {"cpu": "2000m"}),
        ({"memory": 134217728}, {"memory": "128Mi"}),
        ({"memory": 1.5e9}, {"memory": "1500M"}),
    ],
)
def test_a_number_is_the_quantity_written_the_same_way(
    desired: dict[str, Any], live: dict[str, Any]
) -> None:
    result = verdict(deployment(limits=desired), deployment(limits=live))
    assert result.status is Status.IN_SYNC, result.changes
    assert any(n.rule == "quantity" for n in result.normalized)


def test_a_number_that_differs_is_drift() -> None:
    result = verdict(deployment(limits={"cpu": 0.2}), deployment(limits={"cpu": "250m"}))
    assert [c.path_text.rsplit(".", 1)[-1] for c in result.changes] == ["cpu"]


def test_cpu_as_a_yaml_number_through_the_command(tmp_path: Any) -> None:
    desired = yaml.safe_dump(deployment(limits={"cpu": 0.2, "memory": 268435456}))
    (tmp_path / "web.yaml").write_text(desired)
    live = deployment(limits={"cpu": "200m", "memory": "256Mi"})
    (tmp_path / "live.json").write_text(json.dumps(live))
    result = run_cli("--manifests", str(tmp_path / "web.yaml"), "--live-snapshot",
                     str(tmp_path / "live.json"), "-o", "json")  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["summary"]["in_sync"] == 1


# --- caBundle ---------------------------------------------------------------------------------


def webhook(bundle: str | None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    client: dict[str, Any] = {"service": {"name": "hook", "namespace": "shop"}}
    if bundle is not None:
        client["caBundle"] = bundle
    meta: dict[str, Any] = {"name": "hook", **({"annotations": annotations} if annotations else {})}
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": meta,
        "webhooks": [{"name": "check.example.com", "clientConfig": client}],
    }


def written_by(body: dict[str, Any], manager: str) -> dict[str, Any]:
    hook = {'k:{"name":"check.example.com"}': {"f:clientConfig": {"f:caBundle": {}}}}
    body["metadata"]["managedFields"] = [
        {"manager": manager, "operation": "Update", "time": WHEN, "fieldsType": "FieldsV1",
         "apiVersion": "admissionregistration.k8s.io/v1", "fieldsV1": {"f:webhooks": hook}},
    ]  # fmt: skip
    return body


def test_a_user_managed_ca_bundle_changed_live_is_drift() -> None:
    result = verdict(webhook("VVNFUg=="), webhook("T1RIRVI="))  # no managedFields, no marker
    assert result.status is Status.DRIFTED
    assert [c.path_text for c in result.changes] == [
        "webhooks[name=check.example.com].clientConfig.caBundle"
    ]


@pytest.mark.parametrize(
    "live",
    [
        written_by(webhook("SU5KRUNURUQ="), "cainjector"),  # cert-manager's injector wrote it
        webhook("SU5KRUNURUQ=", {"cert-manager.io/inject-ca-from": "shop/hook-cert"}),
        webhook("SU5KRUNURUQ=", {"service.beta.openshift.io/inject-cabundle": "true"}),
    ],
)
def test_an_injected_ca_bundle_is_not_drift(live: dict[str, Any]) -> None:
    result = verdict(webhook("VVNFUg=="), live)
    assert result.status is Status.IN_SYNC
    assert [n.rule for n in result.normalized] == ["injected-ca-bundle"]


def test_a_ca_bundle_a_person_wrote_is_drift_even_with_managed_fields() -> None:
    result = verdict(webhook("VVNFUg=="), written_by(webhook("T1RIRVI="), "kubectl-edit"))
    assert result.status is Status.DRIFTED


def test_a_ca_bundle_git_does_not_set_is_the_injector_s() -> None:
    assert verdict(webhook(None), webhook("SU5KRUNURUQ=")).status is Status.IN_SYNC


# --- an HPA's workload scaled to zero ---------------------------------------------------------

HPA = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 2, "maxReplicas": 10},
}  # fmt: skip


def test_replicas_an_hpa_sets_are_not_drift() -> None:
    assert verdict(deployment(3), deployment(7), HPA).status is Status.IN_SYNC


def test_a_workload_scaled_to_zero_by_hand_is_drift_despite_its_hpa() -> None:
    result = verdict(deployment(3), deployment(0), HPA)
    assert result.status is Status.DRIFTED
    assert [(c.path_text, c.desired, c.live) for c in result.changes] == [("spec.replicas", 3, 0)]


# --- a missing parent -------------------------------------------------------------------------


def test_a_field_whose_parent_is_missing_live_is_named_itself() -> None:
    live = deployment()
    del live["spec"]
    result = verdict(deployment(), live)
    paths = [c.path_text for c in result.changes]
    assert "spec.replicas" in paths and "spec" not in paths
    assert "spec.template.spec.containers" in paths  # a list stays whole
