"""`--reconcile` against the real kube-apiserver: real server-side apply semantics (ownership,
conflicts, force) put a hand-scaled Deployment back, and the audit log shows every dry run
before the first write. The emulator's version is tests/live/test_reconcile.py."""

from __future__ import annotations

import json
from pathlib import Path

from support import run_cli
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster
from support.real_apiserver.drift_runs import write_manifests
from support.real_apiserver.workloads import deployment


def configmap(namespace: str, mode: str = "safe") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": namespace},
        "data": {"mode": mode},
    }


def test_a_hand_scaled_deployment_is_put_back_with_dry_runs_first(
    control_plane: ControlPlane, real: RealCluster, tmp_path: Path
) -> None:
    namespace = real.namespace("reconcile")
    web, cfg = deployment(namespace), configmap(namespace)
    real.server_side_apply(web, "argocd-controller")
    real.server_side_apply(cfg, "argocd-controller")
    real.scale("apps/v1", "Deployment", "web", namespace, 6)
    real.patch("v1", "ConfigMap", "cfg", namespace, {"data": {"mode": "danger"}}, "kubectl-edit")
    manifests = write_manifests(tmp_path, web, cfg)

    def run(*flags: str) -> tuple[int, dict[str, object], str]:
        result = run_cli(
            "--manifests", str(manifests), "--namespace", namespace,
            "--kubeconfig", str(real.admin_kubeconfig), "--format", "json", "--reconcile", *flags,
        )  # fmt: skip
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, json.loads(result.stdout), result.stderr

    # Without force the real server's conflicts stop both objects, and nothing is written.
    start = len(control_plane.audit_events("admin"))
    code, report, _ = run()
    assert code == 1
    done = report["reconcile"]
    assert isinstance(done, dict)
    assert {r["outcome"] for r in done["resources"]} == {"conflict"}
    writes = [e for e in control_plane.audit_events("admin")[start:] if e["verb"] == "patch"]
    assert writes and all("dryRun=All" in e["requestURI"] for e in writes)
    assert real.get("apps/v1", "Deployment", "web", namespace)["spec"]["replicas"] == 6

    start = len(control_plane.audit_events("admin"))
    code, report, stderr = run("--force-conflicts")
    assert code == 0, stderr
    patches = [e for e in control_plane.audit_events("admin")[start:] if e["verb"] == "patch"]
    dry = ["dryRun=All" in e["requestURI"] for e in patches]
    assert dry == [True, True, False, False]
    assert {e["responseStatus"]["code"] for e in patches} == {200}
    assert all("fieldManager=argocd-controller" in e["requestURI"] for e in patches)

    live = real.get("apps/v1", "Deployment", "web", namespace)
    assert live["spec"]["replicas"] == 2
    owners = {m["manager"] for m in live["metadata"]["managedFields"]}
    assert "kubectl-scale" not in owners  # force took the field back for the deployer
    assert real.get("v1", "ConfigMap", "cfg", namespace)["data"] == {"mode": "safe"}
    done = report["reconcile"]
    assert isinstance(done, dict) and done["settled"] is True
    by_kind = {r["kind"]: r for r in done["resources"]}
    (change,) = by_kind["Deployment"]["changes"]
    assert (change["before"], change["after"], change["changed_by"]) == ("6", "2", "kubectl-scale")

    code, report, stderr = run()
    assert code == 0, stderr  # in sync now: nothing to apply
