"""Issue 21: does reading the cluster while Git is parsed (drift_action/live/prefetch.py) pay?

The whole run, serial (RunOptions(overlap=False): parse Git, then read the cluster) against
overlapped (the default), against the same emulator process (serve.py, its own process) with
the latency each row names. The two take turns, the first of each pair alternating, after an
untimed warm-up of each; medians of --repeat. Each pair must give the same report and send
the same requests, or the script stops.

    python bench/overlap_bench.py [--sizes 1000 10000] [--latency-ms 0 20 50] [--repeat 5]

Result (2 cores shared with other work; `--repeat 7`, and 9 for the 10,000-object rows at
20 and 50 ms), whole run, overlapped / serial, median of the pairs' ratios:

| objects | 0 ms | 20 ms | 50 ms |
|---:|---:|---:|---:|
| 1,000 | 1.02x (0.98-1.07) | 0.94x (0.87-0.98) | 0.80x (0.62-0.87) |
| 10,000 | 1.01x (0.98-1.02) | 0.99x (0.93-1.04) | 0.96x (0.91-1.00) |

Kept: it pays where the run waits on the server (1,000 objects: 6% at 20 ms, 20% at 50 ms)
and costs nothing measurable at 0 ms. At 10,000 objects it gains little: the LISTs are then
mostly json.loads of the pages, CPU that the GIL serializes with the YAML parse, and the
prefetched answers are all in before the parse ends (the read takes every one of them and
sends no LIST itself); overlapped runs use 0-4% more CPU (GIL hand-offs). Requests and reports
are the serial run's in every pair.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import generate
import measure
from run_bench import Server, timed

from drift_action import pipeline
from drift_action.core.model import Report
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions
from drift_action.sources.manifests import ManifestsSpec


def one_run(kubeconfig: Path, manifests: Path, *, overlap: bool) -> tuple[Report, int, float]:
    """The whole run as the CLI makes it (report not rendered): the report, the requests it
    sent and the CPU seconds of this process (all threads) it took."""
    spec = ClusterSpec(kubeconfig=str(kubeconfig))
    options = RunOptions(
        sources=(ManifestsSpec((str(manifests),), "default"),), cluster=spec, overlap=overlap
    )
    cpu = time.process_time()
    with measure._recording_clients() as clients:
        report = pipeline.run(options)
    return report, sum(c.counters.requests for c in clients), time.process_time() - cpu


@dataclass
class Row:
    objects: int
    latency_ms: float
    wall: dict[bool, list[float]] = field(default_factory=lambda: {False: [], True: []})
    cpu: dict[bool, list[float]] = field(default_factory=lambda: {False: [], True: []})
    requests: int = 0

    def median(self, of: dict[bool, list[float]], overlap: bool) -> float:
        return statistics.median(of[overlap])

    def ratios(self) -> list[float]:
        """Each pair ran back to back: its ratio is steadier than the medians' on a busy
        machine."""
        return sorted(o / s for s, o in zip(self.wall[False], self.wall[True], strict=True))


def measure_row(server: Server, row: Row, kubeconfig: Path, manifests: Path, repeat: int) -> None:
    server.command(f"latency {row.latency_ms:g}")
    for index in range(repeat + 1):  # the first pair warms up
        results = {}
        for overlap in (False, True) if index % 2 == 0 else (True, False):
            wall, (report, sent, cpu), _ = timed(
                server, functools.partial(one_run, kubeconfig, manifests, overlap=overlap)
            )
            results[overlap] = (report, sent)
            if index:
                row.wall[overlap].append(wall)
                row.cpu[overlap].append(cpu)
        if results[False] != results[True]:
            sys.exit(f"{row.objects} objects, {row.latency_ms:g} ms: the two runs differ")
        row.requests = results[True][1]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 20.0, 50.0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="overlap-bench-") as work:
        for size in args.sizes:
            layout = generate.write(generate.generate(size), Path(work) / str(size))
            kubeconfig = Path(work) / str(size) / "kubeconfig"
            with Server(layout.live_json, kubeconfig) as server:
                for latency in args.latency_ms:
                    row = Row(size, latency)
                    measure_row(server, row, kubeconfig, layout.manifests, args.repeat)
                    rows.append(row)
                    print(f"# {size} objects, {latency:g} ms done", file=sys.stderr, flush=True)
    print(f"Median of {args.repeat} pairs, the first of each pair alternating.\n")
    print(
        "| objects | latency | serial (s) | overlapped (s) | overlapped / serial, per pair: "
        "median (min-max) | CPU serial (s) | CPU overlapped (s) | requests (each) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ratios = row.ratios()
        print(
            f"| {row.objects:,} | {row.latency_ms:g} ms | {row.median(row.wall, False):.3f} | "
            f"{row.median(row.wall, True):.3f} | {statistics.median(ratios):.2f}x "
            f"({ratios[0]:.2f}-{ratios[-1]:.2f}) | {row.median(row.cpu, False):.3f} | "
            f"{row.median(row.cpu, True):.3f} | {row.requests} |"
        )


if __name__ == "__main__":
    main()
