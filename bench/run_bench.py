"""Benchmark drift-action's live read against the per-object baseline and the LIST floor.

For each size x latency, in the same run and against the same emulated API server (a separate
process), it times drift-action end to end (in this process), the bare paged LISTs parsed with
json.loads (the floor), one GET per object (the baseline) and, for reference, one `kubectl get`
process per object (a sample); peak memory is measured in child processes. Medians of --repeat
runs are printed as Markdown.

    python bench/run_bench.py [--sizes 1000 10000] [--latency-ms 0 20] [--repeat 3]
                              [--write bench/results.md] [--json results.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import generate
import measure
import phases

from drift_action.objects import RawObject

HERE = Path(__file__).resolve().parent
PHASES = (*phases.STAGES, "rest")
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    page_size: int
    concurrency: int
    repeat: int
    baseline_sample: int
    memory: bool
    kubectl: str | None  # the kubectl binary, None: not measured
    kubectl_sample: int


@dataclass
class Row:
    """The medians and counts for one size x latency."""

    objects: int
    kinds: int
    latency_ms: float
    drift_seconds: float
    live_seconds: float  # the live read alone: kubeconfig, discovery, LISTs, parse, filter
    floor_seconds: float
    baseline_seconds: float  # extrapolated when baseline_timed < objects
    baseline_timed: int  # GETs actually timed per repeat
    drift_requests: dict[str, int]  # discovery/list/get/other/errors, from the server's log
    floor_requests: int
    drift_bytes: int
    floor_bytes: int
    verdicts: dict[str, int]
    phases: dict[str, float]
    drifted_expected: int
    kubectl_seconds: float | None = None  # one kubectl process per object, extrapolated
    kubectl_timed: int = 0
    peak_rss: int | None = None
    peak_traced: int | None = None
    runs: dict[str, list[float]] = field(default_factory=dict)

    @property
    def speedup(self) -> float:
        return self.baseline_seconds / self.drift_seconds

    @property
    def kubectl_speedup(self) -> float | None:
        return None if self.kubectl_seconds is None else self.kubectl_seconds / self.drift_seconds

    @property
    def vs_floor(self) -> float:
        return self.drift_seconds / self.floor_seconds

    @property
    def live_vs_floor(self) -> float:
        return self.live_seconds / self.floor_seconds


# -- the emulator process ----------------------------------------------------------------------


class Server:
    """bench/serve.py in a child process, driven over its stdin/stdout."""

    def __init__(self, live_json: Path, kubeconfig: Path) -> None:
        command = [sys.executable, str(HERE / "serve.py"), "--live", str(live_json)]
        self.process = subprocess.Popen(
            [*command, "--kubeconfig", str(kubeconfig)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        if not ready.startswith("ready "):
            self.close()
            raise RuntimeError(f"the emulator did not start: {ready!r}")
        self.url = ready.split(" ", 1)[1]

    def _read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def command(self, text: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        return self._read()

    def stats(self) -> dict[str, int]:
        counts: dict[str, int] = json.loads(self.command("stats"))
        return counts

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.command("quit")
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def timed(server: Server, work: Callable[[], T]) -> tuple[float, T, dict[str, int]]:
    """Wall time of `work`, its result, and the requests the server saw meanwhile."""
    server.command("reset")
    gc.collect()
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    return elapsed, result, server.stats()


# -- one size x latency --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    layout: generate.Layout
    kubeconfig: Path
    collections: list[str]  # one cluster-wide LIST path per kind
    desired_raw: list[tuple[RawObject, str]]  # the manifests, parsed once for the live read
    sample: list[str]  # object paths the baseline GETs
    kubectl_sample: list[tuple[str, str, str]]  # (resource, namespace, name) kubectl gets
    objects: int
    drifted: int


def _peak_memory(case: Case, mode: str, settings: Settings) -> int:
    command = [sys.executable, str(HERE / "measure.py"), "memory", "--mode", mode]
    command += ["--kubeconfig", str(case.kubeconfig), "--manifests", str(case.layout.manifests)]
    command += ["--page-size", str(settings.page_size), "--concurrency", str(settings.concurrency)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    peak: int = json.loads(done.stdout)["peak"]
    return peak


@dataclass(frozen=True)
class Repeat:
    """One timing of each workload (the baseline already extrapolated to every object)."""

    drift: float
    live: float
    floor: float
    baseline: float
    kubectl: float | None
    run: measure.DriftRun
    floor_fetch: measure.Fetch
    requests: dict[str, int]
    phases: dict[str, float]


def _one_repeat(server: Server, case: Case, settings: Settings) -> Repeat:
    sizes = {"page_size": settings.page_size, "concurrency": settings.concurrency}
    with phases.phase_timer() as spent:
        drift_s, run, drift_requests = timed(
            server,
            lambda: measure.drift_action(case.kubeconfig, case.layout.manifests, **sizes),
        )
    live_s, live, _ = timed(
        server, lambda: measure.live_read(case.kubeconfig, case.desired_raw, **sizes)
    )
    floor_s, floor, _ = timed(
        server, lambda: measure.list_and_parse(case.kubeconfig, case.collections, **sizes)
    )
    base_s, _base, _ = timed(server, lambda: measure.per_object(case.kubeconfig, case.sample))
    if {floor.objects, run.fetch.objects, live.objects} != {case.objects}:
        raise RuntimeError(
            f"read {floor.objects}/{run.fetch.objects}/{live.objects} of {case.objects} objects"
        )
    baseline = base_s * case.objects / len(case.sample)
    kubectl = None
    if settings.kubectl and case.kubectl_sample:
        tool = settings.kubectl
        kubectl_s, _size, _ = timed(
            server,
            lambda: measure.kubectl_per_object(tool, case.kubeconfig, case.kubectl_sample),
        )
        kubectl = kubectl_s * case.objects / len(case.kubectl_sample)
    spent["rest"] = drift_s - sum(spent.values())  # outside the timed stages
    return Repeat(
        drift_s, live_s, floor_s, baseline, kubectl, run, floor, drift_requests, dict(spent)
    )


def measure_case(server: Server, case: Case, latency_ms: float, settings: Settings) -> Row:
    server.command(f"latency {latency_ms:g}")
    repeats = [_one_repeat(server, case, settings) for _ in range(settings.repeat)]
    last = repeats[-1]
    runs = {
        "drift": [r.drift for r in repeats],
        "live": [r.live for r in repeats],
        "floor": [r.floor for r in repeats],
        "baseline": [r.baseline for r in repeats],
        "kubectl": [r.kubectl for r in repeats if r.kubectl is not None],
    }
    return Row(
        objects=case.objects,
        kinds=len(case.collections),
        latency_ms=latency_ms,
        drift_seconds=statistics.median(runs["drift"]),
        live_seconds=statistics.median(runs["live"]),
        floor_seconds=statistics.median(runs["floor"]),
        baseline_seconds=statistics.median(runs["baseline"]),
        baseline_timed=len(case.sample),
        kubectl_seconds=statistics.median(runs["kubectl"]) if runs["kubectl"] else None,
        kubectl_timed=len(case.kubectl_sample) if runs["kubectl"] else 0,
        drift_requests=last.requests,
        floor_requests=last.floor_fetch.requests,
        drift_bytes=last.run.fetch.bytes_read,
        floor_bytes=last.floor_fetch.bytes_read,
        verdicts=asdict(last.run.verdicts),
        phases={k: statistics.median(r.phases.get(k, 0.0) for r in repeats) for k in PHASES},
        drifted_expected=case.drifted,
        runs=runs,
    )


def run_size(size: int, latencies: Sequence[float], settings: Settings, work: Path) -> list[Row]:
    """Every latency for one size; peak memory once, at the first latency (what drift-action
    holds does not depend on how slowly the server answers)."""
    case = prepare(size, work / str(size), settings)
    rows = []
    peaks: tuple[int | None, int | None] = (None, None)
    with Server(case.layout.live_json, case.kubeconfig) as server:
        if settings.kubectl and case.kubectl_sample:  # fill kubectl's discovery cache, untimed
            measure.kubectl_per_object(settings.kubectl, case.kubeconfig, case.kubectl_sample[:1])
        for index, latency in enumerate(latencies):
            row = measure_case(server, case, latency, settings)
            if index == 0 and settings.memory:
                peaks = (
                    _peak_memory(case, "rss", settings),
                    _peak_memory(case, "tracemalloc", settings),
                )
            row.peak_rss, row.peak_traced = peaks
            progress(row)
            rows.append(row)
    return rows


def prepare(size: int, directory: Path, settings: Settings) -> Case:
    """Generate and write the objects; pick the random samples the baselines read."""
    dataset = generate.generate(size)
    layout = generate.write(dataset, directory)
    shuffled = random.Random(size).sample(dataset.live, len(dataset.live))  # noqa: S311
    by_kubectl = [
        (generate.kubectl_resource(o["kind"]), o["metadata"]["namespace"], o["metadata"]["name"])
        for o in shuffled[: settings.kubectl_sample]
    ]
    return Case(
        layout=layout,
        kubeconfig=directory / "kubeconfig",
        collections=[generate.collection_path(kind) for kind in generate.KINDS],
        desired_raw=measure.prepared_desired(layout.manifests),
        sample=[generate.object_path(o) for o in shuffled[: settings.baseline_sample]],
        kubectl_sample=by_kubectl if settings.kubectl else [],
        objects=len(dataset.live),
        drifted=len(dataset.drifted),
    )


def progress(row: Row) -> None:
    print(
        f"# {row.objects} objects, {row.latency_ms:g} ms: drift-action {row.drift_seconds:.2f}s, "
        f"floor {row.floor_seconds:.2f}s, per-object {row.baseline_seconds:.2f}s",
        file=sys.stderr,
        flush=True,
    )


# -- the report ----------------------------------------------------------------------------------


def _mb(size: int | None) -> str:
    return "n/a" if size is None else f"{size / 1e6:.1f} MB"


def _seconds_cell(seconds: float | None, timed: int, objects: int, mark: str) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.2f} s" + (f" {mark}" if timed < objects else "")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def time_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| objects | latency | drift-action (whole run) | live read (end to end) "
        "| LIST+parse floor | one GET per object | speed-up vs GET per object "
        "| whole run / floor | live read / floor "
        "| one `kubectl get` per object | speed-up vs kubectl |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        gets = _seconds_cell(r.baseline_seconds, r.baseline_timed, r.objects, "*")
        kubectl = _seconds_cell(r.kubectl_seconds, r.kubectl_timed, r.objects, "**")
        lines.append(
            f"| {r.objects:,} | {r.latency_ms:g} ms | {r.drift_seconds:.2f} s "
            f"| {r.live_seconds:.2f} s | {r.floor_seconds:.2f} s | {gets} | {r.speedup:.1f}x "
            f"| {r.vs_floor:.1f}x | {r.live_vs_floor:.1f}x "
            f"| {kubectl} | {_ratio(r.kubectl_speedup)} |"
        )
    return lines


def request_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| objects | latency | drift-action requests (discovery + LIST + GET + other) "
        "| floor LISTs | per-object GETs | JSON read | peak RSS (delta) | peak tracemalloc "
        "| peak / JSON read (RSS, traced) "
        "| verdicts (in sync / drifted / other; expected drifted) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        q = r.drift_requests
        total = sum(q[k] for k in ("discovery", "list", "get", "other"))
        parts = f"{total} = {q['discovery']} + {q['list']} + {q['get']} + {q['other']}"
        ratio = ", ".join(
            f"{peak / r.drift_bytes:.1f}x" if peak is not None else "n/a"
            for peak in (r.peak_rss, r.peak_traced)
        )
        v = r.verdicts
        lines.append(
            f"| {r.objects:,} | {r.latency_ms:g} ms | {parts} | {r.floor_requests} "
            f"| {r.objects:,} | {_mb(r.drift_bytes)} | {_mb(r.peak_rss)} "
            f"| {_mb(r.peak_traced)} | {ratio} "
            f"| {v['in_sync']} / {v['drifted']} / {v['other']}; {r.drifted_expected} |"
        )
    return lines


def phase_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| objects | latency | " + " | ".join(PHASES) + " |",
        "|---:|---:|" + "---:|" * len(PHASES),
    ]
    for r in rows:
        cells = " | ".join(f"{r.phases.get(n, 0.0):.2f} s" for n in PHASES)
        lines.append(f"| {r.objects:,} | {r.latency_ms:g} ms | {cells} |")
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _speedup_target(rows: Sequence[Row]) -> list[str]:
    lines = []
    for r in rows:
        if r.latency_ms == 20 and r.objects == 1000:
            versus = f"; against one `kubectl get` process per object: {_ratio(r.kubectl_speedup)}"
            lines.append(
                f"- 20 ms, 1,000 objects, at least 20x faster than one GET per object: "
                f"{_met(r.speedup >= 20)} ({r.speedup:.1f}x against the client's GETs"
                f"{versus if r.kubectl_speedup is not None else ''})."
            )
    return lines


def _memory_target(rows: Sequence[Row]) -> list[str]:
    # Memory is measured once per size: one row per size.
    sizes = {r.objects: r for r in reversed(rows) if r.peak_rss is not None}
    measured = [sizes[n] for n in sorted(sizes)]
    if not measured:
        return []
    rss = [(r.peak_rss or 0) / r.drift_bytes for r in measured]
    traced = [(r.peak_traced or 0) / r.drift_bytes for r in measured]
    by_size = "; ".join(
        f"{r.objects:,} objects: {a:.2f}x by RSS, {b:.2f}x traced"
        for r, a, b in zip(measured, rss, traced, strict=True)
    )
    return [
        f"- Peak memory under 10x the JSON read: by RSS {_met(max(rss) < 10)}, "
        f"by tracemalloc {_met(max(traced) < 10)} ({by_size})."
    ]


def targets(rows: Sequence[Row]) -> list[str]:
    """Each target of the issue, judged on this run's numbers."""
    lists = {f"{r.objects:,}": r.drift_requests["list"] for r in rows}
    gets = sum(r.drift_requests["get"] for r in rows)
    pages = all(r.drift_requests["list"] == r.floor_requests for r in rows)
    within = "; ".join(f"{r.objects:,} @ {r.latency_ms:g} ms: {r.vs_floor:.1f}x" for r in rows)
    live = "; ".join(f"{r.objects:,} @ {r.latency_ms:g} ms: {r.live_vs_floor:.1f}x" for r in rows)
    return [
        f"- Requests grow with kinds and pages, not objects: {_met(pages and gets == 0)} "
        f"(LISTs by size {lists}, equal to the floor's page count: {pages}; "
        f"GETs of single objects: {gets}).",
        *_speedup_target(rows),
        "- End to end within 2x of LIST+parse, reading the cluster (kubeconfig, discovery, LISTs, "
        f"parse, filter, live objects): {_met(all(r.live_vs_floor <= 2 for r in rows))} ({live}).",
        "- The same for the whole run, which also parses Git's YAML and compares (work the floor "
        f"does not do): {_met(all(r.vs_floor <= 2 for r in rows))} ({within}).",
        *_memory_target(rows),
    ]


def _notes(rows: Sequence[Row]) -> list[str]:
    notes = []
    gets = [r for r in rows if r.baseline_timed < r.objects]
    if gets:
        notes.append(
            f"\\* sampled: {gets[0].baseline_timed:,} random GETs timed per repeat, "
            "extrapolated linearly to all objects."
        )
    kubectl = [r for r in rows if r.kubectl_seconds is not None and r.kubectl_timed < r.objects]
    if kubectl:
        notes.append(
            f"\\*\\* sampled: {kubectl[0].kubectl_timed:,} random `kubectl get` processes timed "
            "per repeat, extrapolated linearly to all objects."
        )
    return [line for note in notes for line in ("", note)]


def report(rows: Sequence[Row], settings: Settings, argv: Sequence[str]) -> str:
    command = shlex.join(["python", "bench/run_bench.py", *argv])
    header = [
        f"Command: `{command}`",
        "",
        f"Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}. Page size "
        f"{settings.page_size}, concurrency {settings.concurrency}, median of {settings.repeat}.",
        "",
    ]
    body = [
        *time_table(rows),
        *_notes(rows),
        "",
        *request_table(rows),
        "",
        "Where drift-action's time goes (median seconds per stage):",
        "",
        *phase_table(rows),
        "",
        "Targets:",
        "",
        *targets(rows),
    ]
    return "\n".join(header + body) + "\n"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 20.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=1000,
        help="time at most this many per-object GETs, extrapolate to the rest",
    )
    parser.add_argument(
        "--kubectl-sample",
        type=int,
        default=30,
        help="time this many `kubectl get` processes (0: none; skipped without kubectl)",
    )
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--write", type=Path, help="also write the Markdown report here")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--work-dir", type=Path, help="keep the generated data here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    settings = Settings(
        page_size=args.page_size,
        concurrency=args.concurrency,
        repeat=args.repeat,
        baseline_sample=args.baseline_sample,
        memory=not args.no_memory,
        kubectl=shutil.which("kubectl") if args.kubectl_sample > 0 else None,
        kubectl_sample=args.kubectl_sample,
    )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as scratch:
        work = args.work_dir or Path(scratch)
        for size in args.sizes:
            rows.extend(run_size(size, args.latency_ms, settings, work))
    text = report(rows, settings, argv)
    print(text)
    if args.write:
        args.write.write_text(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
