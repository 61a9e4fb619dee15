"""`--compare server-side` with deploy/rbac.yaml on the real API server: the reader role as shipped
has no `patch`, so the dry run is forbidden, the run says so and keeps the client-side result;
with the file's commented-out `drift-action-server-side` role enabled the dry runs happen
(PATCH with dryRun=All) and change nothing in the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster
from support.real_apiserver.rbac import (
    Identity,
    apply_rbac,
    await_rbac,
    server_side_documents,
    service_account,
    shipped_documents,
)
from support.real_apiserver.rbac_shop import (
    SCALED,
    deploy_shop,
    drift_action,
    resource_versions,
    verdicts,
)

FIELD_MANAGER = "drift-action"  # what the dry runs name; a real write would leave it behind


def account(real: RealCluster, tmp_path: Path, *, server_side: bool) -> Identity:
    home = real.namespace("drift-sa")
    docs = shipped_documents() + (server_side_documents() if server_side else [])
    apply_rbac(real, docs, home)
    identity = service_account(real, home, tmp_path)
    await_rbac(real, identity.username, "list", "configmaps")
    if server_side:
        await_rbac(real, identity.username, "patch", "deployments", "apps")
    return identity


def events(plane: ControlPlane, user: str, verb: str) -> list[tuple[str, int]]:
    return [
        (e["requestURI"], e["responseStatus"]["code"])
        for e in plane.audit_events(user)
        if e["verb"] == verb
    ]


def test_without_patch_the_dry_run_is_forbidden_and_the_client_side_result_stands(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace, manifests = deploy_shop(real, "rbac-nopatch", tmp_path)
    who = account(real, tmp_path, server_side=False)
    client_side = drift_action(who.kubeconfig, manifests)

    result = drift_action(who.kubeconfig, manifests, "--compare", "server-side")

    assert result.returncode == client_side.returncode == 1, result.stderr
    report, baseline = json.loads(result.stdout), json.loads(client_side.stdout)
    assert report["resources"] == baseline["resources"]
    # Our warning, once for the one kind that differs, in the report and on stderr.
    (warning,) = report["warnings"]
    assert warning.startswith("server-side dry run forbidden for Deployment (apps)"), warning
    assert "'patch'" in warning and "kept the client-side result" in warning, warning
    assert f"warning: {warning}" in result.stderr
    # The server was asked (a dry run, so the 403 is RBAC's answer) and said no.
    patches = events(control_plane, who.username, "patch")
    assert [code for _, code in patches] == [403], patches
    (uri, _) = patches[0]
    assert uri.startswith(f"/apis/apps/v1/namespaces/{namespace}/deployments/web?")
    assert "dryRun=All" in uri


@pytest.mark.parametrize("mode", ["server-side", "server-side-all"])
def test_with_the_server_side_role_the_dry_runs_happen_and_change_nothing(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path, mode: str
) -> None:
    namespace, manifests = deploy_shop(real, f"rbac-{mode}", tmp_path)
    who = account(real, tmp_path, server_side=True)
    client_side = drift_action(who.kubeconfig, manifests)
    before = resource_versions(real, namespace)

    result = drift_action(who.kubeconfig, manifests, "--compare", mode)

    assert result.returncode == 1, result.stderr
    assert verdicts(result.stdout) == verdicts(client_side.stdout)
    patches = events(control_plane, who.username, "patch")
    assert patches, "no dry run reached the server"
    for uri, _ in patches:
        assert "dryRun=All" in uri, uri  # never a patch that is not a dry run
        assert f"fieldManager={FIELD_MANAGER}" in uri, uri
    # One dry run per object asked about: (resource, status), by the URI's resource segment.
    answered = sorted((uri.split("?")[0].rsplit("/", 2)[-2], code) for uri, code in patches)
    if mode == "server-side":  # only what still differs: the scaled Deployment
        assert answered == [("deployments", 200)], patches
        assert json.loads(result.stdout)["warnings"] == []
    else:  # every object found live; the role leaves Secrets out on purpose
        assert answered == [
            ("configmaps", 200),
            ("deployments", 200),
            ("poddisruptionbudgets", 200),
            ("secrets", 403),
            ("serviceaccounts", 200),
            ("services", 200),
        ], patches
        (warning,) = json.loads(result.stdout)["warnings"]
        assert warning.startswith("server-side dry run forbidden for Secret (core)"), warning
    # Nothing in the cluster changed: no new resourceVersion, no field manager of ours.
    assert resource_versions(real, namespace) == before
    for obj in real.snapshot(namespace, [("apps/v1", "Deployment")]):
        managers = {entry["manager"] for entry in obj["metadata"]["managedFields"]}
        assert FIELD_MANAGER not in managers, managers
        assert obj["spec"]["replicas"] == SCALED  # not the value Git and the dry run hold
