"""Render the prometheus chart (with its 4 dependency charts) and compare it with a live snapshot.

    python bench/helm_bench.py [--repeat 7]

The live snapshot is the chart's own render with server fields added, so the comparison walks
every object in full. The first run in a process also loads Helm's Go library; later runs show
the steady cost. Times are wall-clock medians on this machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from drift_action.core.identity import canonical_group
from drift_action.core.model import Status
from drift_action.core.scope import ScopeResolver
from drift_action.pipeline import RunOptions, run
from drift_action.sources import HelmSpec, render

CHARTS = (
    Path(__file__).resolve().parent.parent
    / "tests/data/charts/prometheus-community__helm-charts/charts"
)
DEPENDENCIES = ("alertmanager", "kube-state-metrics", "prometheus-node-exporter")
DEPENDENCIES += ("prometheus-pushgateway",)


def vendored_chart(work: Path) -> Path:
    chart = work / "prometheus"
    shutil.copytree(CHARTS / "prometheus", chart)
    for name in DEPENDENCIES:
        shutil.copytree(CHARTS / name, chart / "charts" / name)
    return chart


def live_snapshot(spec: HelmSpec, work: Path) -> Path:
    objects = [doc.data for doc in render(spec).documents if isinstance(doc.data, dict)]
    live: list[dict[str, Any]] = json.loads(json.dumps(objects))
    for i, obj in enumerate(live):
        group = canonical_group(obj["apiVersion"], obj["kind"])
        if not ScopeResolver().is_cluster_scoped(group, obj["kind"]):
            obj["metadata"].setdefault("namespace", spec.namespace)
        obj["metadata"].update({"uid": f"uid-{i}", "resourceVersion": str(i)})
        obj["status"] = {}
    path = work / "live.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": live}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        spec = HelmSpec(str(vendored_chart(work)), release="prom", namespace="monitoring")
        options = RunOptions((spec,), live_snapshots=(str(live_snapshot(spec, work)),))
        render_times, run_times = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            count = len(render(spec).documents)
            render_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            report = run(options)
            run_times.append(time.perf_counter() - started)
            assert report.counts[Status.IN_SYNC] == len(report.resources), report.counts
    print(f"prometheus chart + 4 subcharts: {count} objects, {args.repeat} runs")
    print(f"render only:           median {statistics.median(render_times):.3f} s")
    print(f"render + compare:      median {statistics.median(run_times):.3f} s")
    print("(the Go library's one-time load happened while making the snapshot, before timing)")


if __name__ == "__main__":
    main()
