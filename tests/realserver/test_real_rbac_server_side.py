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
from support.real_apiserver.rbac import audit, reader
from support.real_apiserver.rbac_shop import (
    SCALED,
    deploy_shop,
    drift_action,
    resource_versions,
    verdicts,
)

FIELD_MANAGER = "drift-action"  # what the dry runs name; a real write would leave it behind


def patch_requests(plane: ControlPlane, user: str) -> list[tuple[str, int]]:
    return [(uri, code) for verb, uri, code in audit(plane, user) if verb == "patch"]


def test_without_patch_the_dry_run_is_forbidden_and_the_client_side_result_stands(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace, manifests = deploy_shop(real, "rbac-nopatch", tmp_path)
    who = reader(real, tmp_path)
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
    patches = patch_requests(control_plane, who.username)
    assert [code for _, code in patches] == [403], patches
    (uri, _) = patches[0]
    assert uri.startswith(f"/apis/apps/v1/namespaces/{namespace}/deployments/web?")
    assert "dryRun=All" in uri


@pytest.mark.parametrize("mode", ["server-side", "server-side-all"])
def test_with_the_server_side_role_the_dry_runs_happen_and_change_nothing(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path, mode: str
) -> None:
    namespace, manifests = deploy_shop(real, f"rbac-{mode}", tmp_path)
    who = reader(real, tmp_path, server_side=True)
    client_side = drift_action(who.kubeconfig, manifests)
    before = resource_versions(real, namespace)

    result = drift_action(who.kubeconfig, manifests, "--compare", mode)

    assert result.returncode == 1, result.stderr
    assert verdicts(result.stdout) == verdicts(client_side.stdout)
    patches = patch_requests(control_plane, who.username)
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
