"""Issue 21: does reading the cluster while Git is parsed (drift_action/live/prefetch.py) pay?

The whole run, serial (RunOptions(overlap=False): parse Git, then read the cluster) against
overlapped (the default), against the same emulator process (serve.py, its own process) with
the latency each row names. The two take turns, the first of each pair alternating, after an
untimed warm-up of each; medians of --repeat. Each pair must give the same report and send
the same requests, or the script stops.

    python bench/overlap_bench.py [--sizes 1000 10000] [--latency-ms 0 20 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import generate
import measure
from run_bench import Server, timed

from drift_action import pipeline
from drift_action.core.model import Report
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions
from drift_action.sources.manifests import ManifestsSpec


def one_run(kubeconfig: Path, manifests: Path, *, overlap: bool) -> tuple[Report, int]:
    """The whole run as the CLI makes it (report not rendered), and the requests it sent."""
    spec = ClusterSpec(kubeconfig=str(kubeconfig))
    options = RunOptions(
        sources=(ManifestsSpec((str(manifests),), "default"),), cluster=spec, overlap=overlap
    )
    with measure._recording_clients() as clients:
        report = pipeline.run(options)
    return report, sum(c.counters.requests for c in clients)


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
                    server.command(f"latency {latency:g}")
                    times: dict[bool, list[float]] = {False: [], True: []}
                    requests: dict[bool, int] = {}
                    manifests = layout.manifests
                    for index in range(args.repeat + 1):  # the first pair warms up
                        order = (False, True) if index % 2 == 0 else (True, False)
                        reports = {}
                        for overlap in order:
                            seconds, (report, sent), _ = timed(
                                server,
                                lambda o=overlap, k=kubeconfig, m=manifests: one_run(
                                    k, m, overlap=o
                                ),
                            )
                            reports[overlap], requests[overlap] = report, sent
                            if index:
                                times[overlap].append(seconds)
                        if reports[False] != reports[True] or requests[False] != requests[True]:
                            sys.exit(f"{size} objects, {latency:g} ms: the two runs differ")
                    serial, overlapped = (statistics.median(times[o]) for o in (False, True))
                    # Each pair ran back to back: its ratio is steadier than the medians' on a
                    # shared machine.
                    ratios = sorted(o / s for s, o in zip(times[False], times[True], strict=True))
                    rows.append((size, latency, serial, overlapped, ratios, requests[True]))
                    print(
                        f"# {size} objects, {latency:g} ms: serial {serial:.3f}s, "
                        f"overlapped {overlapped:.3f}s",
                        file=sys.stderr,
                        flush=True,
                    )
    print(f"Median of {args.repeat} pairs, the first of each pair alternating.\n")
    print(
        "| objects | latency | serial (s) | overlapped (s) | overlapped / serial, per pair: "
        "median (min-max) | requests (each) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for size, latency, serial, overlapped, ratios, sent in rows:
        print(
            f"| {size:,} | {latency:g} ms | {serial:.3f} | {overlapped:.3f} | "
            f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}) | {sent} |"
        )


if __name__ == "__main__":
    main()
