"""Issue 19's "done when", against the real API server: every drifted or missing resource of
the README's example gets a command, and once they have all run, a second run finds each of
them in sync. Applied client-side (as the example was), then server-side under a deployer's
own field manager, with a label and a container's env var added by hand and a label Git drops.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli
from support.fix_commands import fixes, run_fixes
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster, unique
from support.real_apiserver.shop import drift_by_hand, make_live, write_manifests

PART_OF = "app.kubernetes.io/part-of=shop"


def shop_manifests(namespace: str, folder: Path) -> list[dict[str, Any]]:
    """The example's files (support.real_apiserver.shop), but the Namespace is not labelled
    part of the shop: the server is shared by the session, and other tests look for the
    shop's objects cluster-wide by that label (Namespaces are cluster-scoped, and without a
    controller manager a deleted one never goes away)."""
    objects = write_manifests(namespace, folder)
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["labels"] = {"app.kubernetes.io/part-of": "fix-tests"}
    (folder / "namespace.yaml").write_text(
        yaml.safe_dump_all([o for o in objects if o["kind"] == "Namespace"], sort_keys=False)
    )
    return objects


def report(folder: Path, kubeconfig: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """Run from `folder`, so the report names the manifests by relative paths."""
    result = run_cli(
        "--manifests", "manifests", "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json", *args, cwd=folder,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {f"{r['kind']}/{r['name']}": r["status"] for r in document["resources"]}


def test_the_readme_example_is_in_sync_after_its_fixes_run(
    real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    namespace = unique("fix")
    objects = shop_manifests(namespace, tmp_path / "manifests")
    make_live(real, objects, skip="PodDisruptionBudget")
    drift_by_hand(real, namespace)
    kubeconfig = control_plane.kubeconfig(tmp_path / "kubeconfig")

    code, before = report(tmp_path, kubeconfig, "--selector", PART_OF)
    found = fixes(before)

    assert code == 1
    drifted = {k for k, s in statuses(before).items() if s in ("drifted", "missing")}
    assert set(found) == drifted == {
        "PodDisruptionBudget/web", "Deployment/web", "ConfigMap/web-config",
        "Secret/web-credentials", "Service/web",
    }  # fmt: skip
    assert statuses(before)["Deployment/debug-shell"] == "extra"  # no fix: never a deletion
    # Applied client-side, so fixed client-side; the annotation added by hand is removed after.
    assert found["Deployment/web"]["command"] == ["kubectl", "apply", "-f", "manifests/web.yaml"]
    assert found["Service/web"]["then"] == [
        ["kubectl", "annotate", "service/web", "-n", namespace, "example.com/debug-owner-"]
    ]

    run_fixes(
        before, kubectl=control_plane.binaries.kubectl, kubeconfig=kubeconfig, context="real",
        cwd=tmp_path,
    )  # fmt: skip
    code, after = report(tmp_path, kubeconfig)

    assert code == 0, after
    assert {k: statuses(after)[k] for k in found} == dict.fromkeys(found, "in_sync")
    assert not any(r.get("remediation") for r in after["resources"])


def _server_side_shop(real: RealCluster, folder: Path, manager: str) -> str:
    """The example applied server-side by a deployer; then Git drops a label the deployer
    applied, and people scale, re-image, add a label and add an env var by hand."""
    namespace = unique("fixssa")
    objects = shop_manifests(namespace, folder / "manifests")
    for obj in sorted(objects, key=lambda o: o["kind"] != "Namespace"):
        if obj["kind"] != "PodDisruptionBudget":
            real.server_side_apply(obj, manager)
    drift_by_hand(real, namespace)
    real.label("v1", "ConfigMap", "web-config", namespace, {"debug": "on"})
    container = {"name": "web", "env": [{"name": "TRACE", "value": "1"}]}
    real.patch(
        "apps/v1", "Deployment", "web", namespace,
        {"spec": {"template": {"spec": {"containers": [container]}}}},
        "kubectl-patch", "application/strategic-merge-patch+json",
    )  # fmt: skip
    # Git no longer sets the ServiceAccount's part-of label (the deployer applied it).
    dropped = copy.deepcopy(next(o for o in objects if o["kind"] == "ServiceAccount"))
    dropped["metadata"]["labels"] = {"tier": "web"}
    files = {"web.yaml": [o for o in objects if o["kind"] in ("Deployment", "Service")]}
    files["web.yaml"].append(dropped)
    (folder / "manifests" / "web.yaml").write_text(yaml.safe_dump_all(files["web.yaml"]))
    return namespace


@pytest.mark.parametrize("manager", ["argocd-controller"])
def test_a_server_side_deployer_is_fixed_under_its_own_manager(
    real: RealCluster, control_plane: ControlPlane, tmp_path: Path, manager: str
) -> None:
    namespace = _server_side_shop(real, tmp_path, manager)
    kubeconfig = control_plane.kubeconfig(tmp_path / "kubeconfig")

    code, before = report(tmp_path, kubeconfig)
    found = fixes(before)

    assert code == 1
    apply = ["kubectl", "apply", "--server-side", f"--field-manager={manager}", "--force-conflicts"]
    assert found["Deployment/web"]["command"] == [*apply, "-f", "manifests/web.yaml"]
    assert found["PodDisruptionBudget/web"]["command"] == [*apply, "-f", "manifests/pdb.yaml"]
    assert found["ConfigMap/web-config"]["then"] == [
        ["kubectl", "label", "configmap/web-config", "-n", namespace, "debug-"]
    ]
    [env] = found["Deployment/web"]["then"]
    assert env[:5] == ["kubectl", "patch", "deployment.apps/web", "-n", namespace]
    # Strategic merge put the env var first: removed by position, pinned by a test of its name.
    container, test, remove = json.loads(env[-1])
    assert container == {
        "op": "test", "path": "/spec/template/spec/containers/0/name", "value": "web"
    }  # fmt: skip
    assert test == {"op": "test", "path": remove["path"] + "/name", "value": "TRACE"}
    assert remove["op"] == "remove"
    assert remove["path"].startswith("/spec/template/spec/containers/0/env/")
    # The dropped label is the deployer's: its own apply removes it, no extra command.
    assert found["ServiceAccount/web"]["then"] == []

    run_fixes(
        before, kubectl=control_plane.binaries.kubectl, kubeconfig=kubeconfig, context="real",
        cwd=tmp_path,
    )  # fmt: skip
    code, after = report(tmp_path, kubeconfig)

    assert code == 0, after
    assert {k: statuses(after)[k] for k in found} == dict.fromkeys(found, "in_sync")


def test_a_kustomization_is_in_sync_after_kubectl_apply_k(
    real: RealCluster, control_plane: ControlPlane, tmp_path: Path
) -> None:
    """The example as a kustomization, applied with `kubectl apply -k` by the real kubectl
    (client-side), drifted by hand: its fix is `kubectl apply -k` of the folder, then the
    annotation's removal."""
    namespace = unique("fixk")
    objects = shop_manifests(namespace, tmp_path / "overlay")
    files = sorted(p.name for p in (tmp_path / "overlay").glob("*.yaml"))
    (tmp_path / "overlay" / "kustomization.yaml").write_text(yaml.safe_dump({"resources": files}))
    kubeconfig = control_plane.kubeconfig(tmp_path / "kubeconfig")
    kubectl = [str(control_plane.binaries.kubectl), f"--kubeconfig={kubeconfig}", "--context=real"]
    subprocess.run([*kubectl, "apply", "-k", "overlay"], cwd=tmp_path, check=True, timeout=60)
    drift_by_hand(real, namespace)
    assert objects

    result = run_cli(
        "--kustomize", "overlay", "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json", cwd=tmp_path,
    )  # fmt: skip
    before = json.loads(result.stdout)
    found = fixes(before)

    assert result.returncode == 1, result.stderr
    assert {tuple(fix["command"]) for fix in found.values()} == {
        ("kubectl", "apply", "-k", "overlay")
    }
    assert found["Service/web"]["then"] == [
        ["kubectl", "annotate", "service/web", "-n", namespace, "example.com/debug-owner-"]
    ]

    run_fixes(
        before, kubectl=control_plane.binaries.kubectl, kubeconfig=kubeconfig, context="real",
        cwd=tmp_path,
    )  # fmt: skip
    again = run_cli(
        "--kustomize", "overlay", "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json", cwd=tmp_path,
    )  # fmt: skip

    assert again.returncode == 0, again.stdout
