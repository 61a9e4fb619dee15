"""The live-cluster benchmark against the real kube-apiserver (`run_bench.py --server real`), on
100 objects: structure, request counts and verdicts, never times."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from support import ROOT
from support.bench_run import run_bench
from support.real_apiserver import REQUIRED_ENV, Unavailable, locate

BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[Any]:
    """bench/ importable: its modules import one another by bare name."""
    sys.path.insert(0, str(BENCH))
    try:
        import generate
        import real_server
        import run_bench

        yield generate, real_server, run_bench
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    try:
        locate()
    except Unavailable as why:
        if os.environ.get(REQUIRED_ENV) == "1":
            pytest.fail(f"the real API server tier must run here ({REQUIRED_ENV}=1): {why}")
        pytest.skip(f"real API server tier: {why}")
    return run_bench(
        tmp_path_factory.mktemp("bench-real") / "rows.json",
        *("--server", "real", "--sizes", "100", "--repeat", "1"),
        *("--baseline-sample", "20", "--kubectl-sample", "2"),
    )


def test_the_real_server_row_reads_by_pages_and_finds_the_planted_drift(
    real_run: tuple[str, list[dict[str, Any]]],
) -> None:
    stdout, rows = real_run
    assert [(r["objects"], r["latency_ms"]) for r in rows] == [(100, 0.0)]
    assert "Server: the real kube-apiserver and etcd" in stdout
    assert "| 100 | 0 ms |" in stdout
    (row,) = rows
    assert row["load_seconds"] is not None
    requests = row["drift_requests"]
    # 10 kinds, one page each; discovery as against the emulator; no single-object GET.
    assert requests["list"] == row["floor_requests"] == 10
    assert requests["get"] == requests["other"] == requests["errors"] == 0
    assert requests["discovery"] >= 3
    verdicts = row["verdicts"]
    assert verdicts["drifted"] == row["drifted_expected"] >= 1
    assert verdicts["in_sync"] + verdicts["drifted"] == row["objects"]
    assert verdicts["other"] == 0


def test_a_hand_edited_object_is_created_as_before_the_edit_then_edited(bench: Any) -> None:
    generate, real_server, _ = bench
    # The real server is loaded with the kubectl shape only (run_bench.prepare).
    dataset = generate.generate(400, drift_ratio=0.2, mix=generate.KUBECTL_ONLY)
    managers: set[str] = set()
    for live in dataset.live:
        body, edit = real_server.plan(live)
        assert not set(real_server.SERVER_SET) & set(body["metadata"])
        assert "status" not in body
        assert "clusterIP" not in body.get("spec", {})
        if edit is None:
            continue
        *_, manager = edit
        managers.add(manager)
        # The body created is what `kubectl apply` made: the desired values, not the edit's.
        desired = json.loads(live["metadata"]["annotations"][generate.LAST_APPLIED])
        assert body["metadata"]["labels"] == desired["metadata"]["labels"]
        assert body.get("data") == desired.get("data")
        if live["kind"] == "DaemonSet":
            containers = [o["spec"]["template"]["spec"]["containers"] for o in (body, desired)]
            assert containers[0][0]["image"] == containers[1][0]["image"]
        if "replicas" in desired.get("spec", {}):
            assert body["spec"]["replicas"] == desired["spec"]["replicas"]
    assert managers == set(real_server.EDITS)


def test_the_real_server_takes_no_injected_latency(bench: Any) -> None:
    *_, run_bench = bench
    assert run_bench.parse_args(["--server", "real"]).latency_ms == [0.0]
    with pytest.raises(SystemExit):
        run_bench.parse_args(["--server", "real", "--latency-ms", "0", "20"])
