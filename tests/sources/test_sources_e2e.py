"""Helm charts, Kustomize overlays and several sources in one config, through the CLI and the
action, compared with live snapshots made from what the real engines render."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA, run_action, run_cli

from drift_action.sources import HelmSpec, KustomizeSpec, render

HELLO = DATA / "charts" / "helm__examples" / "charts" / "hello-world"
PODINFO = (
    DATA / "kustomize" / "fluxcd__flux2" / "cmd" / "flux" / "testdata" / "build-kustomization"
) / "podinfo"


def rendered(spec: Any) -> list[dict[str, Any]]:
    return [doc.data for doc in render(spec).documents if isinstance(doc.data, dict)]


def as_live(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """What the API server would return: namespaced, with server fields added."""
    live = json.loads(json.dumps(objects))
    for i, obj in enumerate(live):
        metadata = obj["metadata"]
        if obj["kind"] not in ("Namespace", "ClusterRole", "CustomResourceDefinition"):
            metadata.setdefault("namespace", namespace)
        metadata.update({"uid": f"uid-{i}", "resourceVersion": str(100 + i)})
        metadata["creationTimestamp"] = "2026-11-20T09:00:00Z"
    return live


def snapshot(tmp_path: Path, objects: list[dict[str, Any]], name: str = "live.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": objects}))
    return path


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    target = tmp_path / "hello-world"
    shutil.copytree(HELLO, target)
    return target


def test_helm_chart_in_sync_and_drifted(chart: Path, tmp_path: Path) -> None:
    live = as_live(rendered(HelmSpec(str(chart), release="hello", namespace="web")), "web")
    in_sync = snapshot(tmp_path, live)
    deployment = next(obj for obj in live if obj["kind"] == "Deployment")
    deployment["spec"]["replicas"] = 4
    drifted = snapshot(tmp_path, live, "drifted.yaml")

    args = ("--helm-chart", str(chart), "--release", "hello", "--namespace", "web")
    ok = run_cli(*args, "--live-snapshot", str(in_sync))
    bad = run_cli(*args, "--live-snapshot", str(drifted), "--format", "json")

    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert bad.returncode == 1, bad.stderr
    (changed,) = [r for r in json.loads(bad.stdout)["resources"] if r["status"] == "drifted"]
    assert changed["source"]["file"] == "hello-world/templates/deployment.yaml"
    assert [c["path"] for c in changed["changes"]] == ["spec.replicas"]


def test_helm_values_and_set_reach_the_templates(chart: Path, tmp_path: Path) -> None:
    values = tmp_path / "prod.yaml"
    values.write_text("replicaCount: 3\n")
    spec = HelmSpec(str(chart), values=(str(values),), set=("replicaCount=5",), namespace="web")
    live = snapshot(tmp_path, as_live(rendered(spec), "web"))

    result = run_cli(
        "--helm-chart", str(chart), "-f", str(values), "--set", "replicaCount=5",
        "--namespace", "web", "--live-snapshot", str(live),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    deployment = next(obj for obj in rendered(spec) if obj["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 5


def test_kustomize_overlay(tmp_path: Path) -> None:
    objects = rendered(KustomizeSpec(str(PODINFO)))
    live = as_live(objects, "default")
    service = next(obj for obj in live if obj["kind"] == "Service")
    service["spec"]["ports"][0]["port"] = 9899
    result = run_cli(
        "--kustomize", str(PODINFO), "--live-snapshot", str(snapshot(tmp_path, live)),
        "--format", "json",
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["drifted"] == 1
    assert report["summary"]["in_sync"] == len(objects) - 1


def test_several_sources_in_one_config_make_one_report(chart: Path, tmp_path: Path) -> None:
    manifests = tmp_path / "extra"
    manifests.mkdir()
    (manifests / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: '1'}\n"
    )
    helm_objects = as_live(rendered(HelmSpec(str(chart), release="hello", namespace="web")), "web")
    kustomize_objects = as_live(rendered(KustomizeSpec(str(PODINFO))), "default")
    live = snapshot(tmp_path, helm_objects + kustomize_objects)
    config = tmp_path / ".drift.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {"helm": "hello-world", "release": "hello", "namespace": "web"},
                    {"kustomize": str(PODINFO)},
                    {"manifests": ["extra"], "namespace": "tools"},
                ]
            }
        )
    )

    result = run_cli("--live-snapshot", str(live), "--format", "json", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    resources = json.loads(result.stdout)["resources"]
    by_status = {r["status"] for r in resources}
    assert by_status == {"in_sync", "missing"}
    (missing,) = [r for r in resources if r["status"] == "missing"]
    assert (missing["kind"], missing["namespace"], missing["name"]) == (
        "ConfigMap",
        "tools",
        "extra",
    )
    sources = {r["source"]["file"].split("/")[0] for r in resources}
    assert {"hello-world", "extra"} <= sources


@pytest.mark.parametrize(
    ("entry", "culprit", "message"),
    [
        ({"helm": "c", "kustomize": "k"}, "- helm", "name exactly one kind of source"),
        ({"helm": "c", "valuse": ["v.yaml"]}, "valuse", "did you mean 'values'"),
        (
            {"helm": "c", "kubeVersion": 1.30},
            "kubeVersion",
            'quote the version: kubeVersion: "1.3"',
        ),
        ({"kustomize": "k", "release": "x"}, "release", "unknown key 'release'"),
    ],
)
def test_bad_source_entries_name_the_line(
    tmp_path: Path, entry: Any, culprit: str, message: str
) -> None:
    config = tmp_path / ".drift.yaml"
    text = "# the environment\n" + yaml.safe_dump({"sources": [entry]})
    config.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.lstrip().startswith(culprit))
    result = run_cli("--live-snapshot", "-", cwd=tmp_path, stdin="")

    assert result.returncode == 2
    assert result.stderr.startswith(f"drift-action: error: .drift.yaml:{line}: "), result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_helm_flag_without_a_chart() -> None:
    result = run_cli("--values", "prod.yaml", "--live-snapshot", "-", stdin="")
    assert result.returncode == 2
    assert "--values needs --helm-chart" in result.stderr


def test_action_renders_helm_and_kustomize(workspace: Path) -> None:
    shutil.copytree(HELLO, workspace / "hello-world")
    shutil.copytree(PODINFO, workspace / "podinfo")
    (workspace / "values.yaml").write_text("replicaCount: 2\n")
    helm = HelmSpec(
        str(workspace / "hello-world"),
        values=(str(workspace / "values.yaml"),),
        set=("serviceAccount.create=false",),
        release="hello",
        namespace="web",
    )
    live = as_live(rendered(helm), "web") + as_live(
        rendered(KustomizeSpec(str(workspace / "podinfo"))), "web"
    )
    snapshot(workspace, live)

    result = run_action(
        workspace,
        {
            "INPUT_HELM_CHART": "hello-world",
            "INPUT_VALUES": "values.yaml",
            "INPUT_SET": "serviceAccount.create=false",
            "INPUT_RELEASE": "hello",
            "INPUT_NAMESPACE": "web",
            "INPUT_KUSTOMIZE": "podinfo",
            "INPUT_LIVE_SNAPSHOT": "live.yaml",
            "GITHUB_OUTPUT": str(workspace / "out.txt"),
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "drifted_count=0" in (workspace / "out.txt").read_text()


def test_helm_chart_compared_with_a_cluster(chart: Path, tmp_path: Path) -> None:
    from support.kube_emulator import KubeEmulator

    live = as_live(rendered(HelmSpec(str(chart), release="hello", namespace="web")), "web")
    next(obj for obj in live if obj["kind"] == "Service")["spec"]["type"] = "NodePort"
    with KubeEmulator(live) as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig")
        result = run_cli(
            "--helm-chart", str(chart), "--release", "hello", "--namespace", "web",
            "--kubeconfig", str(kubeconfig), "--format", "json",
        )  # fmt: skip

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["drifted"] == 1
    assert report["summary"]["in_sync"] == len(live) - 1
