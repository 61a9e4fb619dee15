"""The benchmark runs end to end on a tiny cluster; structure and request counts, never time."""

from __future__ import annotations

import shutil
import sys
from typing import Any

import pytest
from support import ROOT
from support.bench_run import run_bench

BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    return run_bench(
        tmp_path_factory.mktemp("bench") / "rows.json",
        *("--sizes", "100", "300", "--latency-ms", "0", "--repeat", "1"),
        *("--baseline-sample", "20", "--kubectl-sample", "2"),
    )


def test_one_row_per_size_and_latency(bench_run: tuple[str, list[dict[str, Any]]]) -> None:
    stdout, rows = bench_run
    assert [(r["objects"], r["latency_ms"]) for r in rows] == [(100, 0.0), (300, 0.0)]
    assert "| objects | latency | drift-action (whole run) | live read (end to end) |" in stdout
    assert "| 100 | 0 ms |" in stdout
    assert "| 300 | 0 ms |" in stdout
    assert "Targets:" in stdout
    assert "reading the cluster (kubeconfig, discovery, LISTs, parse, filter" in stdout
    assert "For context, not a target: the whole run also parses Git's YAML" in stdout
    assert all(r["live_seconds"] > 0 and r["scan_seconds"] > 0 for r in rows)
    assert "sampled: 20 random GETs" in stdout


def test_requests_do_not_grow_with_objects(bench_run: tuple[str, list[dict[str, Any]]]) -> None:
    _, rows = bench_run
    small, large = (r["drift_requests"] for r in rows)
    # 10 kinds, fewer than 500 objects each: one LIST page per kind, whatever the count.
    assert small["list"] == large["list"] == 10
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
