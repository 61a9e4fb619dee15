"""Helm's release records and deploy/rbac.yaml on the real API server: with the Secrets rule the
record of the release is listed (by Helm's labels) and names what the chart dropped; without it
the run warns once per release and still finds a dropped label from managedFields
(docs/cluster-access.md, "Helm's release records")."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster
from support.real_apiserver.rbac import audit, reader
from support.real_apiserver.rbac_shop import drift_action

RELEASE = "shop"


def helm_install(real: RealCluster, tmp_path: Path) -> tuple[str, Path]:
    """`helm install` of a chart whose ConfigMap had a `tier` label; Git's chart dropped it."""
    namespace = real.namespace("rbac-helm")
    installed: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "web-config",
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "Helm", "tier": "front"},
            "annotations": {
                "meta.helm.sh/release-name": RELEASE,
                "meta.helm.sh/release-namespace": namespace,
            },
        },
        "data": {"LOG_LEVEL": "info"},
    }
    # Helm 3 creates with a plain POST under its own field manager, then records the release.
    real.resource("v1", "ConfigMap").create(
        body=installed, namespace=namespace, field_manager="helm"
    )
    real.helm_release(RELEASE, namespace, yaml.safe_dump(installed))
    desired = copy.deepcopy(installed)
    del desired["metadata"]["labels"]["tier"]
    manifests = tmp_path / f"{namespace}.yaml"
    manifests.write_text(yaml.safe_dump(desired))
    return namespace, manifests


def record_lists(plane: ControlPlane, user: str, namespace: str) -> list[tuple[str, int]]:
    """The lists of Helm's records: Secrets in the release's namespace, by Helm's labels."""
    selector = f"labelSelector=owner%3Dhelm%2Cname%3D{RELEASE}%2Cstatus%3Ddeployed"
    return [
        (verb, code)
        for verb, uri, code in audit(plane, user)
        if uri == f"/api/v1/namespaces/{namespace}/secrets?{selector}"
    ]


def dropped_label(stdout: str) -> dict[str, Any]:
    report = json.loads(stdout)
    (configmap,) = report["resources"]
    assert configmap["status"] == "drifted", configmap
    (change,) = configmap["changes"]
    assert (change["path"], change["type"]) == ("metadata.labels.tier", "removed"), change
    return dict(configmap)


def test_with_the_secrets_rule_the_release_record_names_the_dropped_label(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace, manifests = helm_install(real, tmp_path)
    who = reader(real, tmp_path)

    result = drift_action(who.kubeconfig, manifests)

    assert result.returncode == 1, result.stderr
    configmap = dropped_label(result.stdout)
    (note,) = configmap["normalized"]
    assert note["rule"] == "helm-release-record"
    assert f"sh.helm.release.v1.{RELEASE}.v1" in note["reason"]
    assert json.loads(result.stdout)["warnings"] == []
    assert record_lists(control_plane, who.username, namespace) == [("list", 200)]


def test_without_the_secrets_rule_it_warns_once_and_falls_back_to_managed_fields(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace, manifests = helm_install(real, tmp_path)
    who = reader(real, tmp_path, secrets=False)

    result = drift_action(who.kubeconfig, manifests)

    assert result.returncode == 1, result.stderr  # a warning, not an error
    configmap = dropped_label(result.stdout)  # Helm's managedFields entry still owns the label
    assert configmap["normalized"] == []
    (warning,) = json.loads(result.stdout)["warnings"]
    assert f"Helm release {namespace}/{RELEASE}" in warning, warning
    assert "managedFields" in warning, warning
    assert record_lists(control_plane, who.username, namespace) == [("list", 403)]


def test_the_warning_says_the_record_could_not_be_read_for_lack_of_permission(
    real: RealCluster, tmp_path: Path
) -> None:
    _, manifests = helm_install(real, tmp_path)
    who = reader(real, tmp_path, secrets=False)

    result = drift_action(who.kubeconfig, manifests)

    (warning,) = json.loads(result.stdout)["warnings"]
    assert "no deployed release record" not in warning, warning  # it exists: 403, not absent
    assert "'list' on secrets" in warning or "forbidden" in warning, warning
