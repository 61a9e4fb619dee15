"""Least privilege, on the real API server with the real RBAC authorizer: deploy/rbac.yaml's
read-only ServiceAccount, holding a real token, is enough for the whole read and only gets and
lists; without the Secrets rule only the Secrets are `error`; an identity with no rights, or a
token the server rejects, ends the run with exit status 2 and never shows the token.

(tests/entry/test_least_privilege.py and tests/live/test_live_cluster.py make the same claims
against the emulator; here the authorizer, its 403 answers and its audit log are the real ones.)
"""

from __future__ import annotations

import json
from pathlib import Path

from support import run_action
from support.action_run import action_env
from support.real_apiserver import USERS, ControlPlane
from support.real_apiserver.cluster import RealCluster
from support.real_apiserver.rbac import audit, grant_secrets_in, reader
from support.real_apiserver.rbac_shop import SCALED, deploy_shop, drift_action, verdicts

# The shop's verdicts after `kubectl scale`: the hand change, and nothing else.
EXPECTED = {
    "ConfigMap/web-config": "in_sync",
    "Secret/web-credentials": "in_sync",
    "Service/web": "in_sync",
    "ServiceAccount/web": "in_sync",
    "Deployment/web": "drifted",
    "PodDisruptionBudget/web": "in_sync",
}


def test_the_read_only_account_reads_everything_with_gets_and_lists_only(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace, manifests = deploy_shop(real, "rbac-read", tmp_path)
    who = reader(real, tmp_path)

    result = drift_action(who.kubeconfig, manifests)

    assert result.returncode == 1, result.stderr
    assert verdicts(result.stdout) == EXPECTED
    report = json.loads(result.stdout)
    (deployment,) = [r for r in report["resources"] if r["status"] == "drifted"]
    assert [(c["path"], c["live"]) for c in deployment["changes"]] == [("spec.replicas", SCALED)]
    assert report["warnings"] == []
    assert who.token not in result.stdout + result.stderr
    seen = audit(control_plane, who.username)
    assert seen, "the audit log has no request of the ServiceAccount"
    assert {verb for verb, _, _ in seen} == {"get", "list"}, seen
    assert {code for _, _, code in seen} == {200}, seen
    # Every kind was read by a list in the shop's namespace (one request per type).
    lists = [uri for verb, uri, _ in seen if verb == "list"]
    assert len(lists) == len(EXPECTED)
    assert all(f"/namespaces/{namespace}/" in uri for uri in lists), lists


def test_without_the_secrets_rule_only_secrets_are_errors(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace, manifests = deploy_shop(real, "rbac-nosecrets", tmp_path)
    who = reader(real, tmp_path, secrets=False)

    result = drift_action(who.kubeconfig, manifests)

    assert result.returncode == 2, result.stderr  # the README: an `error` resource exits 2
    assert verdicts(result.stdout) == {**EXPECTED, "Secret/web-credentials": "error"}
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 1
    (secret,) = [r for r in report["resources"] if r["kind"] == "Secret"]
    # Our message names the verb, the resource and where (deploy/rbac.yaml's promise).
    assert "forbidden" in secret["message"], secret
    assert "'list' on secrets" in secret["message"], secret
    assert namespace in secret["message"], secret
    assert "deploy/rbac.yaml" in secret["message"], secret
    assert "Traceback" not in result.stderr
    seen = audit(control_plane, who.username)
    denied = [(verb, uri) for verb, uri, code in seen if code == 403]
    assert denied == [("list", f"/api/v1/namespaces/{namespace}/secrets?limit=500")], seen
    assert {code for _, uri, code in seen if "/secrets" not in uri} == {200}


def test_secrets_granted_per_namespace_are_listed_per_namespace(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    """docs/cluster-access.md's middle way: no Secrets rule, a Role for Secrets in each namespace
    deployed to; the cluster-wide list is forbidden, so the Secrets are listed per namespace."""
    shops = [deploy_shop(real, f"rbac-middle-{n}", tmp_path) for n in (1, 2)]
    who = reader(real, tmp_path, secrets=False)
    for namespace, _ in shops:
        grant_secrets_in(real, who, namespace)

    (_, first), (_, second) = shops
    result = drift_action(who.kubeconfig, first, "--manifests", str(second))

    assert result.returncode == 1, result.stderr
    found = {(r["namespace"], f"{r['kind']}/{r['name']}"): r["status"]
             for r in json.loads(result.stdout)["resources"]}  # fmt: skip
    assert found == {(ns, what): status for ns, _ in shops for what, status in EXPECTED.items()}
    secrets = [(uri, code) for _, uri, code in audit(control_plane, who.username)
               if "/secrets" in uri]  # fmt: skip
    assert secrets[0] == ("/api/v1/secrets?limit=500", 403), secrets
    assert sorted(secrets[1:]) == sorted(
        (f"/api/v1/namespaces/{ns}/secrets?limit=500", 200) for ns, _ in shops
    )


def test_the_action_with_the_accounts_token_masks_it_and_reports_the_drift(
    real: RealCluster, tmp_path: Path, workspace: Path
) -> None:
    """The action's own way in: server, token and CA certificate as inputs, no kubeconfig."""
    _, manifests = deploy_shop(real, "rbac-action", workspace)
    who = reader(real, tmp_path)
    env = action_env(
        workspace,
        manifests=manifests.name,
        server=real.plane.server,
        token=who.token,
        certificate_authority=real.plane.ca_file.read_text(encoding="utf-8"),
    )

    result = run_action(workspace, env)

    assert result.returncode == 1, result.stdout + result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == f"::add-mask::{who.token}"
    assert who.token not in "\n".join(rest) + result.stderr
    report = json.loads((workspace / "drift-report.json").read_text(encoding="utf-8"))
    assert verdicts(json.dumps(report)) == EXPECTED
    assert "drifted_count=1" in Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")


def test_a_user_with_no_rights_gets_every_resource_as_an_error_and_exit_2(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    """`nobody` is authenticated (discovery is open to it) but bound to nothing."""
    namespace, manifests = deploy_shop(real, "rbac-nobody", tmp_path)
    kubeconfig = control_plane.kubeconfig(tmp_path / "nobody.kubeconfig", user="nobody")

    result = drift_action(kubeconfig, manifests)

    assert result.returncode == 2, result.stderr
    assert USERS["nobody"] not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert set(verdicts(result.stdout).values()) == {"error"}
    assert report["summary"]["errors"] == len(EXPECTED)
    for resource in report["resources"]:
        assert "forbidden: RBAC does not allow 'list'" in resource["message"], resource
    # `nobody` is a user of the whole session: only this namespace's requests are this run's.
    ours = [(verb, code) for verb, uri, code in audit(control_plane, "nobody")
            if f"/namespaces/{namespace}/" in uri]  # fmt: skip
    assert ours == [("list", 403)] * len(EXPECTED), ours


def test_a_token_the_server_rejects_is_one_line_and_exit_2(
    real: RealCluster, tmp_path: Path
) -> None:
    """The ServiceAccount's token with its signature broken: the real server answers 401."""
    _, manifests = deploy_shop(real, "rbac-401", tmp_path)
    who = reader(real, tmp_path)
    forged = who.token[:-8] + ("A" * 8 if not who.token.endswith("A" * 8) else "B" * 8)
    kubeconfig = tmp_path / "forged.kubeconfig"
    kubeconfig.write_text(
        who.kubeconfig.read_text(encoding="utf-8").replace(who.token, forged), encoding="utf-8"
    )

    result = drift_action(kubeconfig, manifests)

    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "401" in lines[0] and real.plane.server in lines[0], lines[0]
    assert result.stdout == ""
    assert forged not in result.stderr and who.token not in result.stderr
