"""Credentials and permissions the real server judges: a token it does not know, a CA that did not
sign its certificate, and an identity that may list ConfigMaps in its own namespaces only."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from support import run_cli
from support.kube_emulator.kubeconfig import write_kubeconfig
from support.kube_emulator.tls import make_certificates
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster

from drift_action.core.model import Status
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.sources.manifests import ManifestsSpec


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert "Traceback" not in line
    for fragment in fragments:
        assert fragment in line, line
    return line


def configmap(namespace: str, name: str = "settings") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"mode": "on"},
    }


def test_a_token_the_server_does_not_know_is_one_line_without_the_token(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    manifests = tmp_path / "m.yaml"
    manifests.write_text(yaml.safe_dump(configmap("default")))
    token = "not-a-real-token-7d3f"
    kubeconfig = write_kubeconfig(
        tmp_path / "config", server=control_plane.server, context="real", token=token,
        namespace=None, ca_file=str(control_plane.ca_file),
    )  # fmt: skip

    result = run_cli("--manifests", str(manifests), "--kubeconfig", str(kubeconfig))

    one_line_error(result, "401")
    assert token not in result.stdout + result.stderr


def test_a_certificate_authority_that_did_not_sign_the_server_is_refused(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    manifests = tmp_path / "m.yaml"
    manifests.write_text(yaml.safe_dump(configmap("default")))
    (tmp_path / "other").mkdir()
    other = make_certificates(tmp_path / "other")
    kubeconfig = write_kubeconfig(
        tmp_path / "config", server=control_plane.server, context="real",
        token="real-admin-4be1c07d", namespace=None, ca_file=str(other.ca_file),
    )  # fmt: skip

    result = run_cli("--manifests", str(manifests), "--kubeconfig", str(kubeconfig))

    one_line_error(result, "TLS verification", control_plane.server)


def test_lists_per_namespace_where_real_rbac_forbids_listing_cluster_wide(
    real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    """A ServiceAccount with a Role in each of its namespaces, as teams grant per namespace."""
    home = real.namespace("team")
    mine = [real.namespace("team-app") for _ in range(2)]
    objects = [configmap(ns) for ns in mine]
    for obj in objects:
        real.client_side_apply(obj)
    real.resource("v1", "ServiceAccount").create(body={"metadata": {"name": "ci"}}, namespace=home)
    rule = {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}
    for ns in mine:
        real.server_side_apply(
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": "read", "namespace": ns}, "rules": [rule]}, "kubectl",
        )  # fmt: skip
        real.server_side_apply(
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": "read", "namespace": ns},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read"},
             "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": home}]}, "kubectl",
        )  # fmt: skip
    token = real.service_account_token("ci", home)
    kubeconfig = write_kubeconfig(
        tmp_path / "config", server=control_plane.server, context="real", token=token,
        namespace=None, ca_file=str(control_plane.ca_file),
    )  # fmt: skip
    manifests = tmp_path / "m.yaml"
    manifests.write_text(yaml.safe_dump_all(objects))

    sources = (ManifestsSpec((str(manifests),), "default"),)
    report = run(
        RunOptions(sources, cluster=ClusterSpec(kubeconfig=str(kubeconfig), context="real"))
    )

    assert report.counts[Status.IN_SYNC] == 2, [r.message for r in report.resources]
    user = f"system:serviceaccount:{home}:ci"
    lists = [
        (e["requestURI"].split("?")[0], e["responseStatus"]["code"])
        for e in control_plane.audit_events(user)
        if e["verb"] == "list"
    ]
    assert lists[0] == ("/api/v1/configmaps", 403)
    assert sorted(lists[1:]) == sorted((f"/api/v1/namespaces/{ns}/configmaps", 200) for ns in mine)
    assert token not in str(report)
