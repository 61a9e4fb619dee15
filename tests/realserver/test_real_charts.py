"""Real charts installed on the real API server the way Helm 3 and Argo CD install them, then
compared by drift-action: the server fills in its defaults (strategy, probes' timeouts,
terminationMessagePath, ipFamilies, clusterIP, ...) and canonicalizes quantities, and none of that
may be called drift. One hand edit after the install must be, and only that one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli
from support.charts import HELLO_WORLD, vendor_charts
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster

from drift_action.sources import HelmSpec, render


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = vendor_charts(tmp_path_factory.mktemp("charts"))
    (root / "hello-world").symlink_to(HELLO_WORLD)
    return root


@pytest.fixture(scope="module")
def kubeconfig(control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return control_plane.kubeconfig(tmp_path_factory.mktemp("kube") / "config")


def rendered(chart: Path, release: str, namespace: str) -> list[dict[str, Any]]:
    """What `helm template` gives (hooks left out, as Helm keeps no hook object)."""
    documents = render(HelmSpec(str(chart), release=release, namespace=namespace)).documents
    return [d.data for d in documents if isinstance(d.data, dict)]


def install(real: RealCluster, objects: list[dict[str, Any]], namespace: str, manager: str) -> None:
    """Helm 3 creates each object (POST, field manager `helm`); Argo CD and Flux apply
    server-side under their own managers. Namespaced objects land in the release namespace."""
    for obj in objects:
        resource = real.resource(obj["apiVersion"], obj["kind"])
        body = json.loads(json.dumps(obj))
        if resource.namespaced:
            body["metadata"].setdefault("namespace", namespace)
        if manager == "helm":
            resource.create(
                body=body, namespace=body["metadata"].get("namespace"), field_manager="helm"
            )
        else:
            real.server_side_apply(body, manager)


def compare(
    kubeconfig: Path, chart: Path, release: str, namespace: str
) -> tuple[int, dict[str, Any]]:
    result = run_cli(
        "--helm-chart", str(chart), "--release", release, "--namespace", namespace,
        "--kubeconfig", str(kubeconfig), "--context", "real", "-o", "json",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def not_in_sync(document: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{r['kind']}/{r['name']}": (r["status"], [(c["path"], c["live"]) for c in r["changes"]])
        for r in document["resources"]
        if r["status"] != "in_sync"
    }


@pytest.mark.parametrize("manager", ["helm", "argocd-controller", "kustomize-controller"])
@pytest.mark.parametrize("name", ["nginx", "memcached", "prometheus", "hello-world"])
def test_a_fresh_install_is_in_sync(
    real: RealCluster, charts: Path, kubeconfig: Path, name: str, manager: str
) -> None:
    namespace = real.namespace(name[:8])
    release = f"r{namespace.rsplit('-', 1)[-1]}"  # cluster-scoped names carry it: unique
    objects = rendered(charts / name, release, namespace)
    install(real, objects, namespace, manager)

    code, document = compare(kubeconfig, charts / name, release, namespace)

    assert not_in_sync(document) == {}
    assert (code, document["summary"]["in_sync"]) == (0, len(objects))


def test_one_hand_edit_after_a_helm_install_is_the_only_drift(
    real: RealCluster, charts: Path, kubeconfig: Path
) -> None:
    namespace = real.namespace("nginx")
    release = f"r{namespace.rsplit('-', 1)[-1]}"
    objects = rendered(charts / "nginx", release, namespace)
    install(real, objects, namespace, "helm")
    deployment = next(o for o in objects if o["kind"] == "Deployment")["metadata"]["name"]
    real.scale("apps/v1", "Deployment", deployment, namespace, 4)

    code, document = compare(kubeconfig, charts / "nginx", release, namespace)

    drift = not_in_sync(document)
    assert code == 1
    assert drift == {f"Deployment/{deployment}": ("drifted", [("spec.replicas", 4)])}
    assert yaml.safe_dump(document)  # the report is plain data, whole
