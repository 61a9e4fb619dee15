"""The benchmark runs end to end on a tiny cluster; structure and request counts, never time."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import ROOT
from support.bench_run import run_bench
from support.kube_emulator import KubeEmulator

from drift_action import pipeline
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions

BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def bench_modules() -> Iterator[tuple[ModuleType, ModuleType]]:
    """bench/generate.py and bench/measure.py (they import one another by bare name)."""
    sys.path.insert(0, str(BENCH))
    try:
        import generate
        import measure

        yield generate, measure
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    return run_bench(
        tmp_path_factory.mktemp("bench") / "rows.json",
        *("--sizes", "100", "300", "--latency-ms", "0", "--repeat", "1"),
        *("--baseline-sample", "20", "--kubectl-sample", "2", "--kubectl-diff-sample", "200"),
    )


def test_one_row_per_size_and_latency(bench_run: tuple[str, list[dict[str, Any]]]) -> None:
    stdout, rows = bench_run
    assert [(r["objects"], r["latency_ms"]) for r in rows] == [(100, 0.0), (300, 0.0)]
    assert "| objects | latency | drift-action (whole run) | live read (end to end) |" in stdout
    assert "| 100 | 0 ms |" in stdout
    assert "| 300 | 0 ms |" in stdout
    assert "Targets (issue 21):" in stdout
    assert "Targets (issue 4):" in stdout
    assert "| whole / (LIST + Git floor) | peak RSS / JSON read | `kubectl diff` |" in stdout
    for target in (
        "≤ 1.5x (LIST floor + Git floor)",
        "≤ 1.0x",
        "Peak RSS ≤ 4x",
        "`kubectl diff` at 20 ms",
        "Helm render stage ≤ 1.5x `helm template`",
    ):
        assert target in stdout
    assert "reading the cluster (kubeconfig, discovery, LISTs, parse, filter" in stdout
    assert "For context, not a target: the whole run also parses Git's YAML" in stdout
    assert all(r["live_seconds"] > 0 and r["scan_seconds"] > 0 for r in rows)
    assert "sampled: 20 random GETs" in stdout


def test_requests_do_not_grow_with_objects(bench_run: tuple[str, list[dict[str, Any]]]) -> None:
    _, rows = bench_run
    small, large = (r["drift_requests"] for r in rows)
    # 10 kinds, fewer than 500 objects each: one LIST page per kind, whatever the count, plus
    # Helm's release records listed by label, one LIST per namespace (4) for up to 50 releases.
    assert [r["release_records"] for r in rows] == [4, 10]
    assert small["list"] == large["list"] == 10
    assert 1 <= small["records"] <= 4 and 1 <= large["records"] <= 4
    assert small["discovery"] == large["discovery"]
    assert small["get"] == large["get"] == 0
    assert small["errors"] == large["errors"] == 0
    assert [r["floor_requests"] for r in rows] == [10, 10]


def test_the_comparison_finds_the_planted_drift(
    bench_run: tuple[str, list[dict[str, Any]]],
) -> None:
    _, rows = bench_run
    for row in rows:
        verdicts = row["verdicts"]
        assert verdicts["drifted"] == row["drifted_expected"] >= 1
        assert verdicts["in_sync"] + verdicts["drifted"] == row["objects"]
        assert verdicts["other"] == 0


def test_memory_and_bytes_are_reported(bench_run: tuple[str, list[dict[str, Any]]]) -> None:
    _, rows = bench_run
    for row in rows:
        assert row["peak_traced"] > 0
        assert row["peak_rss"] is not None
        assert row["drift_bytes"] >= row["floor_bytes"] > 0
        assert row["baseline_timed"] == 20


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_kubectl_reference_is_sampled(bench_run: tuple[str, list[dict[str, Any]]]) -> None:
    stdout, rows = bench_run
    assert all(r["kubectl_timed"] == 2 and r["kubectl_seconds"] > 0 for r in rows)
    assert "sampled: 2 random `kubectl get` processes" in stdout
    # kubectl diff reads all 100 objects, a sample of 200 (20 apps) of the 300
    assert [r["kubectl_diff_timed"] for r in rows] == [100, 200]
    assert "† sampled: `kubectl diff` of 200 objects" in stdout
    assert all(r["kubectl_diff_seconds"] > 0 and r["kubectl_all_seconds"] > 0 for r in rows)


# -- the data: shaped as real tools leave objects, and exactly the hand edits drift ----------


MIXES = {
    "kubectl, no annotations, no namespace": "kubectl=100,ssa=0,helm=0,annotated=0,namespaced=0",
    "server-side apply": "kubectl=0,ssa=100,helm=0",
    "helm 3": "kubectl=0,ssa=0,helm=100",
    "default": "",
}


@pytest.mark.parametrize("mix", MIXES.values(), ids=list(MIXES))
def test_exactly_the_hand_edited_objects_drift(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path, mix: str
) -> None:
    generate, measure = bench_modules
    dataset = generate.generate(120, drift_ratio=0.05, mix=generate.Mix.parse(mix))
    layout = generate.write(dataset, tmp_path)
    with KubeEmulator(dataset.live + dataset.records) as emulator:
        emulator.write_kubeconfig(tmp_path / "kubeconfig")
        spec = ClusterSpec(kubeconfig=str(tmp_path / "kubeconfig"))
        report = pipeline.run(RunOptions(measure.manifest_sources(layout.manifests), cluster=spec))
    drifted = sorted(
        f"{r.key.kind} {r.key.namespace}/{r.key.name}" for r in report.resources if r.is_drift
    )
    assert drifted == sorted(dataset.drifted)
    assert len(report.resources) == 120
    assert report.warnings == ()


def test_objects_look_as_the_tools_leave_them(
    bench_modules: tuple[ModuleType, ModuleType],
) -> None:
    generate, _ = bench_modules
    dataset = generate.generate(400, drift_ratio=0)
    by_tool: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for index, (live, desired) in enumerate(zip(dataset.live, dataset.desired, strict=True)):
        by_tool.setdefault(dataset.apps[index // 10].tool, []).append((live, desired))
    assert set(by_tool) == {"kubectl", "ssa", "helm"}
    for live, desired in by_tool["kubectl"]:
        applied = json.loads(live["metadata"]["annotations"][generate.LAST_APPLIED])
        # kubectl records the namespace it defaulted in, and `annotations: {}` when none
        assert applied["metadata"]["namespace"] == live["metadata"]["namespace"]
        assert applied["metadata"]["annotations"] == desired["metadata"].get("annotations", {})
        assert live["metadata"]["managedFields"][0]["manager"] == "kubectl-client-side-apply"
    assert any("namespace" not in d["metadata"] for _, d in by_tool["kubectl"])
    assert any("annotations" not in d["metadata"] for _, d in by_tool["kubectl"])
    for live, _ in by_tool["ssa"]:
        first = live["metadata"]["managedFields"][0]
        assert first["operation"] == "Apply"
        assert generate.LAST_APPLIED not in live["metadata"].get("annotations", {})
    for live, _ in by_tool["helm"]:
        meta = live["metadata"]
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        assert (
            meta["annotations"]["meta.helm.sh/release-name"]
            == meta["labels"]["app.kubernetes.io/instance"]
        )
        assert meta["managedFields"][0] == meta["managedFields"][0] | {
            "manager": "helm",
            "operation": "Update",
        }
    releases = {r["metadata"]["labels"]["name"] for r in dataset.records}
    assert releases == {a.name for a in dataset.apps if a.tool == "helm"}
    sizes = [len(json.dumps(o, separators=(",", ":"))) for o in dataset.live]
    assert 2000 <= sum(sizes) / len(sizes) <= 8000
    assert max(sizes) <= 9000


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/api", "discovery"),
        ("GET", "/apis/apps/v1", "discovery"),
        ("GET", "/api/v1/configmaps", "list"),
        ("GET", "/apis/apps/v1/namespaces/shop/deployments", "list"),
        ("GET", "/api/v1/namespaces", "list"),
        ("GET", "/api/v1/namespaces/shop", "get"),
        ("GET", "/apis/apps/v1/namespaces/shop/deployments/web", "get"),
        ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", "other"),
        ("GET", "/healthz", "other"),
    ],
)
def test_requests_are_classified(method: str, path: str, kind: str) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import serve
    finally:
        sys.path.remove(str(BENCH))
    assert serve.classify(method, path) == kind
