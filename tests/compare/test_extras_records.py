"""Extras without a selector: live objects a deploying tool's record claims and Git no longer
declares (kubectl ApplySets, Argo CD tracking, Flux Kustomizations), against a snapshot through
the command and against the Kubernetes emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from support import run_cli
from support.kube_emulator import KubeEmulator

NS = "shop"


def configmap(name: str, labels: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": NS, **meta}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"a": "1"}}


def check(tmp_path: Path, desired: list[dict[str, Any]], live: list[dict[str, Any]]) -> Any:
    (tmp_path / "git.yaml").write_text(yaml.safe_dump_all(desired))
    (tmp_path / "live.yaml").write_text(yaml.safe_dump({"kind": "List", "apiVersion": "v1",
                                                          "items": live}))  # fmt: skip
    result = run_cli("--manifests", str(tmp_path / "git.yaml"), "--live-snapshot",
                     str(tmp_path / "live.yaml"), "-o", "json")  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def extras(document: dict[str, Any]) -> dict[str, str]:
    return {
        r["name"]: r.get("message", "") for r in document["resources"] if r["status"] == "extra"
    }


APPLYSET = {
    "applyset.kubernetes.io/part-of": "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"
}


def test_an_applyset_orphan_is_extra(tmp_path: Path) -> None:
    live = [configmap("kept", APPLYSET), configmap("orphan", APPLYSET), configmap("unrelated")]
    result, document = check(tmp_path, [configmap("kept")], live)
    assert result.returncode == 1
    found = extras(document)
    assert list(found) == ["orphan"]  # never one no record claims
    assert "applyset applyset-0eFHV8" in found["orphan"]


def test_argo_cd_tracking_annotation_and_label_mode(tmp_path: Path) -> None:
    tracked = {"argocd.argoproj.io/tracking-id": "shop-app:/ConfigMap:shop/kept"}
    gone = {"argocd.argoproj.io/tracking-id": "shop-app:/ConfigMap:shop/old"}
    other_app = {"argocd.argoproj.io/tracking-id": "other:/ConfigMap:shop/theirs"}
    live = [configmap("kept", annotations=tracked), configmap("old", annotations=gone),
            configmap("theirs", annotations=other_app)]  # fmt: skip
    _, document = check(tmp_path, [configmap("kept")], live)
    assert list(extras(document)) == ["old"]
    assert "Argo CD application shop-app" in extras(document)["old"]

    label = {"app.kubernetes.io/instance": "shop-app"}
    child = configmap("made-by-a-controller", label,
                      ownerReferences=[{"kind": "X", "name": "x", "uid": "1", "controller": True,
                                        "apiVersion": "v1"}])  # fmt: skip
    live = [configmap("kept", label), configmap("left-behind", label), child]
    _, document = check(tmp_path, [configmap("kept")], live)
    assert list(extras(document)) == ["left-behind"]


def test_a_flux_kustomization_s_labels_and_inventory(tmp_path: Path) -> None:
    flux = {"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace":
            "flux-system"}  # fmt: skip
    inventory = {"entries": [{"id": "shop_kept__ConfigMap", "v": "v1"},
                             {"id": "shop_listed-only__ConfigMap", "v": "v1"},
                             {"id": "elsewhere_x__ConfigMap", "v": "v1"}]}  # fmt: skip
    owner = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
             "metadata": {"name": "apps", "namespace": "flux-system"},
             "status": {"inventory": inventory}}  # fmt: skip
    live = [configmap("kept", flux), configmap("labelled", flux), configmap("listed-only"), owner]
    _, document = check(tmp_path, [configmap("kept")], live)
    found = extras(document)
    assert sorted(found) == ["labelled", "listed-only"]
    assert all("Flux Kustomization flux-system/apps" in why for why in found.values())
    warnings = [w for w in document["warnings"] if "inventory lists 1 objects" in w]
    assert len(warnings) == 1 and "flux-system/apps" in warnings[0]


def test_without_any_record_extras_are_not_checked(tmp_path: Path) -> None:
    _, document = check(tmp_path, [configmap("kept")], [configmap("kept"), configmap("other")])
    assert extras(document) == {}


def test_an_applyset_orphan_read_from_the_cluster(tmp_path: Path) -> None:
    (tmp_path / "git.yaml").write_text(yaml.safe_dump(configmap("kept")))
    live = [configmap("kept", APPLYSET), configmap("orphan", APPLYSET), configmap("unrelated")]
    with KubeEmulator(live, token="t0k3n-extras") as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
        result = run_cli("--manifests", str(tmp_path / "git.yaml"), "--kubeconfig",
                         str(kubeconfig), "-o", "json")  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert list(extras(json.loads(result.stdout))) == ["orphan"]


def test_an_applyset_orphan_of_a_kind_git_no_longer_declares(tmp_path: Path) -> None:
    """Only ConfigMaps are in Git now; the ApplySet's parent says it also holds Deployments,
    which are listed by the set's label to find the one left behind."""
    applyset_id = APPLYSET["applyset.kubernetes.io/part-of"]
    parent = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "shop-set",
            "namespace": NS,
            "labels": {"applyset.kubernetes.io/id": applyset_id},
            "annotations": {
                "applyset.kubernetes.io/contains-group-kinds": "ConfigMap,Deployment.apps",
                "applyset.kubernetes.io/tooling": "kubectl/v1.31",
            },
        },
    }
    orphan = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "old-worker", "namespace": NS, "labels": dict(APPLYSET)},
        "spec": {"replicas": 1},
    }
    bystander = {**orphan, "metadata": {"name": "not-in-the-set", "namespace": NS}}
    (tmp_path / "git.yaml").write_text(yaml.safe_dump(configmap("kept")))
    live = [configmap("kept", APPLYSET), parent, orphan, bystander]
    with KubeEmulator(live, token="t0k3n-extras") as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
        result = run_cli("--manifests", str(tmp_path / "git.yaml"), "--kubeconfig",
                         str(kubeconfig), "-o", "json")  # fmt: skip
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    found = {r["kind"]: r["name"] for r in document["resources"] if r["status"] == "extra"}
    assert found == {"Deployment": "old-worker"}
