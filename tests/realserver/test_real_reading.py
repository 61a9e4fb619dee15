"""How drift-action reads a real API server: discovery, a CRD made while the server runs, paged
LISTs, cluster-wide against per-namespace lists, a kind the cluster does not serve, and Helm's
release record. The real server's audit log shows which requests were made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli
from support.charts import HELLO_WORLD
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster, unique

from drift_action.core.model import Status
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.sources import HelmSpec, render
from drift_action.sources.manifests import ManifestsSpec


@pytest.fixture
def kubeconfig(control_plane: ControlPlane, tmp_path: Path) -> Path:
    return control_plane.kubeconfig(tmp_path / "kubeconfig")


class Audit:
    """The admin's requests from here on (the tier runs one test at a time)."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.start = len(plane.audit_events())

    def lists(self, resource: str) -> list[str]:
        events = self.plane.audit_events()[self.start :]
        return [
            e["requestURI"]
            for e in events
            if e["verb"] == "list" and e.get("objectRef", {}).get("resource") == resource
        ]


def configmaps(namespace: str, count: int, prefix: str = "cm") -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{prefix}-{i:03d}", "namespace": namespace},
            "data": {"index": str(i)},
        }
        for i in range(count)
    ]


def compare(manifests: Path, kubeconfig: Path, **spec: Any) -> Any:
    sources = (ManifestsSpec((str(manifests),), "default"),)
    cluster = ClusterSpec(kubeconfig=str(kubeconfig), context="real", **spec)
    return run(RunOptions(sources, cluster=cluster))


def write(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump_all(objects))
    return path


def test_pages_are_followed_to_the_end_with_a_small_limit(
    real: RealCluster, control_plane: ControlPlane, kubeconfig: Path, tmp_path: Path
) -> None:
    namespace = real.namespace("pages")
    objects = configmaps(namespace, 23)
    for obj in objects:
        real.client_side_apply(obj)
    audit = Audit(control_plane)

    report = compare(write(tmp_path / "m.yaml", objects), kubeconfig, page_size=5)

    assert report.counts[Status.IN_SYNC] == 23
    lists = audit.lists("configmaps")
    assert all("limit=5" in uri for uri in lists), lists
    assert sum("continue=" in uri for uri in lists) == len(lists) - 1 >= 4


def test_cluster_wide_when_cheaper_per_namespace_when_the_cluster_holds_many_more(
    real: RealCluster, control_plane: ControlPlane, kubeconfig: Path, tmp_path: Path
) -> None:
    mine = [real.namespace("mine") for _ in range(3)]
    objects = [o for ns in mine for o in configmaps(ns, 2)]
    for obj in objects:
        real.client_side_apply(obj)
    manifests = write(tmp_path / "m.yaml", objects)

    audit = Audit(control_plane)
    report = compare(manifests, kubeconfig, page_size=500)
    assert report.counts[Status.IN_SYNC] == 6
    assert [uri.split("?")[0] for uri in audit.lists("configmaps")] == ["/api/v1/configmaps"]

    # Many more ConfigMaps elsewhere: the first page's remainingItemCount says reading them all
    # would take more requests than listing the three namespaces.
    noise = real.namespace("noise")
    for obj in configmaps(noise, 40, "noise"):
        real.client_side_apply(obj)
    audit = Audit(control_plane)
    report = compare(manifests, kubeconfig, page_size=5)
    assert report.counts[Status.IN_SYNC] == 6
    per_namespace = {uri.split("?")[0] for uri in audit.lists("configmaps")} - {
        "/api/v1/configmaps"
    }
    assert per_namespace == {f"/api/v1/namespaces/{ns}/configmaps" for ns in mine}


CRD_GROUP = "drift.example.com"


def crd(plural: str) -> dict[str, Any]:
    kind = plural.capitalize()[:-1]
    fields = {"name": {"type": "string"}, "port": {"type": "integer"}}
    # The real server refuses a list-map key that is neither required nor defaulted.
    item = {"type": "object", "required": ["name"], "properties": fields}
    ports = {
        "type": "array", "items": item,
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
    }  # fmt: skip
    spec = {
        "type": "object",
        "properties": {
            "size": {"type": "integer", "default": 3},  # a default the real server fills in
            "ports": ports,
            "owner": {"type": "string"},
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{CRD_GROUP}"},
        "spec": {
            "group": CRD_GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
            "versions": [
                {
                    "name": "v1", "served": True, "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec}}},
                }
            ],
        },
    }  # fmt: skip


@pytest.fixture
def custom_kind(real: RealCluster) -> Iterator[tuple[str, dict[str, Any]]]:
    """A CRD created while the server runs, Established before use (one kind per test)."""
    plural = f"gadgets{unique('x').replace('-', '')}"
    definition = crd(plural)
    real.create_crd(definition)
    yield definition["spec"]["names"]["kind"], definition


def test_a_crd_made_at_run_time_is_discovered_and_its_schema_read(
    real: RealCluster, kubeconfig: Path, tmp_path: Path, custom_kind: tuple[str, dict[str, Any]]
) -> None:
    kind, definition = custom_kind
    namespace = real.namespace("crd")
    desired = {
        "apiVersion": f"{CRD_GROUP}/v1",
        "kind": kind,
        "metadata": {"name": "one", "namespace": namespace},
        "spec": {"ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 9090}]},
    }
    real.client_side_apply(desired)
    stored = real.get(f"{CRD_GROUP}/v1", kind, "one", namespace)
    assert stored["spec"]["size"] == 3  # the schema's default, filled in by the real server

    # Git lists the ports in another order: a list map, so not drift; the CRD is in Git too.
    git = json.loads(json.dumps(desired))
    git["spec"]["ports"].reverse()
    manifests = write(tmp_path / "m.yaml", [definition, git])
    result = run_cli(
        "--manifests", str(manifests), "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json", "--explain",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    (custom,) = [r for r in document["resources"] if r["kind"] == kind]
    assert custom["status"] == "in_sync"
    assert "schema-list-map" in {n["rule"] for n in custom["normalized"]}

    def take_over(body: dict[str, Any]) -> None:
        body["spec"]["owner"] = "someone"
        body["spec"]["ports"][1]["port"] = 9191

    real.edit(f"{CRD_GROUP}/v1", kind, "one", namespace, take_over)
    result = run_cli(
        "--manifests", str(manifests), "--kubeconfig", str(kubeconfig), "--context", "real",
        "-o", "json",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    (custom,) = [r for r in json.loads(result.stdout)["resources"] if r["kind"] == kind]
    changed = {(c["path"], c["attribution"]["manager"]) for c in custom["changes"]}
    assert changed == {
        ("spec.ports[name=metrics].port", "kubectl-edit"),
        ("spec.owner", "kubectl-edit"),
    }


def test_a_kind_the_cluster_does_not_serve_is_an_error_on_its_objects_alone(
    real: RealCluster, kubeconfig: Path, tmp_path: Path
) -> None:
    namespace = real.namespace("unserved")
    served = configmaps(namespace, 1)
    real.client_side_apply(served[0])
    missing_crd = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "api", "namespace": namespace},
        "spec": {"endpoints": [{"port": "http"}]},
    }
    # A group that is served, with a kind it does not have.
    missing_kind = {
        "apiVersion": "apps/v1",
        "kind": "Rollout",
        "metadata": {"name": "api", "namespace": namespace},
    }
    result = run_cli(
        "--manifests", str(write(tmp_path / "m.yaml", [*served, missing_crd, missing_kind])),
        "--kubeconfig", str(kubeconfig), "--context", "real", "-o", "json",
    )  # fmt: skip

    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert {r["kind"]: r["status"] for r in document["resources"]} == {
        "ConfigMap": "in_sync",
        "ServiceMonitor": "error",
        "Rollout": "error",
    }
    assert document["summary"]["errors"] == 2


def test_helms_release_record_names_what_the_chart_dropped(
    real: RealCluster, control_plane: ControlPlane, kubeconfig: Path
) -> None:
    """Installed at an older chart version with a `tier` label and `minReadySeconds` that the
    chart in Git no longer has; Helm's record (a real Secret) holds what that install applied."""
    namespace = real.namespace("helm")
    objects = [
        d.data
        for d in render(HelmSpec(str(HELLO_WORLD), release="hello", namespace=namespace)).documents
    ]
    for obj in objects:
        obj["metadata"]["namespace"] = namespace
        if obj["kind"] == "Deployment":
            obj["metadata"]["labels"]["tier"] = "web"
            obj["spec"]["minReadySeconds"] = 5
        real.resource(obj["apiVersion"], obj["kind"]).create(
            body=obj, namespace=namespace, field_manager="helm"
        )
    real.helm_release("hello", namespace, yaml.safe_dump_all(objects), revision=2)
    audit = Audit(control_plane)

    result = run_cli(
        "--helm-chart", str(HELLO_WORLD), "--release", "hello", "--namespace", namespace,
        "--kubeconfig", str(kubeconfig), "--context", "real", "-o", "json", "--explain",
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    (deployment,) = [r for r in document["resources"] if r["kind"] == "Deployment"]
    paths = sorted(c["path"] for c in deployment["changes"])
    assert paths == ["metadata.labels.tier", "spec.minReadySeconds"]
    record = [n for n in deployment["normalized"] if n["rule"] == "helm-release-record"]
    assert {n["path"] for n in record} == set(paths)
    assert all("sh.helm.release.v1.hello.v2" in n["reason"] for n in record)
    assert any("labelSelector=owner%3Dhelm" in uri for uri in audit.lists("secrets"))
