"""What charts that render differently every time cost (issue 17).

    python bench/nondet_bench.py [--repeat 9]

bitnami nginx (its generated TLS Secret) is rendered three ways: once (the scan turned off, as
before issue 17), twice in one engine process (what a run does now), and twice as two separate
renders (the naive way: a second engine process that loads Helm's library and the chart again).
The template scan that decides is timed alone on nginx and on the prometheus chart with its
four subcharts (which calls none of the functions and so renders once). Then a second run
against the first run's render as the live snapshot: in sync. Wall-clock medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from helm_bench import live_snapshot, vendored_chart  # beside this script: on the path

from drift_action.core.model import Status
from drift_action.pipeline import RunOptions, run
from drift_action.sources import HelmSpec, render
from drift_action.sources.helm import render as helm_render
from drift_action.sources.helm.nondet import calls_nondeterministic

BITNAMI = Path(__file__).resolve().parent.parent / "tests/data/charts/bitnami__charts/bitnami"


def nginx_chart(work: Path) -> Path:
    chart = work / "nginx"
    shutil.copytree(BITNAMI / "nginx", chart)
    shutil.copytree(BITNAMI / "common", chart / "charts" / "common")
    return chart


def median(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nginx = HelmSpec(str(nginx_chart(work)), namespace="web")
        prometheus = vendored_chart(work)
        render(nginx)  # the Go library's one-time load, outside the timings
        scan = helm_render.calls_nondeterministic
        helm_render.calls_nondeterministic = lambda chart: False  # type: ignore[assignment]
        once = median(args.repeat, lambda: render(nginx))
        separate = median(args.repeat, lambda: (render(nginx), render(nginx)))
        helm_render.calls_nondeterministic = scan
        twice = median(args.repeat, lambda: render(nginx))
        scan_nginx = median(args.repeat, lambda: calls_nondeterministic(nginx.chart))
        scan_prometheus = median(args.repeat, lambda: calls_nondeterministic(str(prometheus)))
        options = RunOptions((nginx,), live_snapshots=(str(live_snapshot(nginx, work)),))
        report = run(options)
        assert report.counts[Status.IN_SYNC] == len(report.resources), report.counts
        second_run = median(args.repeat, lambda: run(options))
    print(f"bitnami nginx, {args.repeat} runs, medians:")
    print(f"render once (no scan):             {once:.3f} s")
    print(f"render twice in one process (now): {twice:.3f} s  (+{twice - once:.3f} s)")
    print(f"two separate renders:              {separate:.3f} s  (+{separate - once:.3f} s)")
    print(f"second run, render + compare:      {second_run:.3f} s  (in sync)")
    print(f"template scan: nginx {scan_nginx * 1000:.1f} ms (calls genCA: renders twice),")
    print(f"  prometheus + 4 subcharts {scan_prometheus * 1000:.1f} ms (calls none: renders once)")


if __name__ == "__main__":
    main()
