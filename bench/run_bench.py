"""Benchmark drift-action's live read against the per-object baseline and the LIST floor.

For each size x latency, in the same run and against the same emulated API server (a separate
process), it times drift-action end to end (in this process), the bare paged LISTs parsed with
json.loads (the floor), one GET per object (the baseline) and, for reference, one `kubectl get`
process per object (a sample); peak memory is measured in child processes. Medians of --repeat
runs are printed as Markdown.

    python bench/run_bench.py [--sizes 1000 10000] [--latency-ms 0 20] [--repeat 3]
                              [--write bench/results.md] [--json results.json]

With `--server real`, the same workloads run against the real kube-apiserver and etcd instead
(real_server.py: started and loaded once per size, latency 0 only).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, TypeVar

import generate
import measure
import phases
from real_server import RealServer
from tables import PHASES, Helm, Row, Settings, report

from drift_action.core.objects import RawObject

HERE = Path(__file__).resolve().parent
T = TypeVar("T")


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


class Commands(Protocol):
    """What the workloads need of a server: serve.py's emulator or the real kube-apiserver."""

    def command(self, text: str) -> str: ...

    def stats(self) -> dict[str, int]: ...


SERVERS: dict[str, Callable[[Path, Path], Server | RealServer]] = {
    "emulator": Server,
    "real": RealServer,
}


def timed(server: Commands, work: Callable[[], T]) -> tuple[float, T, dict[str, int]]:
    """Wall time of `work`, its result, and the requests the server saw meanwhile.

    Every workload runs with the cyclic garbage collector off, as drift-action's own run does:
    with it on, collections alone tripled the floor's time at 10,000 objects."""
    server.command("reset")
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
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
    diff_folders: list[tuple[Path, str]]  # what `kubectl diff` reads: all, or a sample of apps
    diff_objects: int  # the objects in diff_folders
    records: int  # Helm release Secrets in the cluster, in no manifest (the floor lists them)


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
    scan: float
    baseline: float
    kubectl: float | None
    kubectl_all: float | None  # `kubectl get -A -o json` of the kinds
    kubectl_diff: float | None  # extrapolated when diff_objects < objects
    run: measure.DriftRun
    floor_fetch: measure.Fetch
    requests: dict[str, int]
    phases: dict[str, float]


def _one_repeat(server: Commands, case: Case, settings: Settings) -> Repeat:
    # the real server's own objects and Helm's release records: in the floor's LISTs too
    extra = getattr(server, "extra_objects", 0) + case.records
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
    scan_s, _events, _ = timed(server, lambda: measure.yaml_scan(case.layout.manifests))
    base_s, _base, _ = timed(server, lambda: measure.per_object(case.kubeconfig, case.sample))
    # the live read keeps the release records it read for the comparison
    if {floor.objects - extra, run.fetch.objects, live.objects - case.records} != {case.objects}:
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
    kubectl_all = kubectl_diff = None
    if settings.kubectl:
        tool, resources = settings.kubectl, [generate.kubectl_resource(k) for k in generate.KINDS]
        kubectl_all, _size, _ = timed(
            server, lambda: measure.kubectl_get_all(tool, case.kubeconfig, resources)
        )
        if case.diff_objects:
            diff_s, _size, _ = timed(
                server, lambda: measure.kubectl_diff(tool, case.kubeconfig, case.diff_folders)
            )
            kubectl_diff = diff_s * case.objects / case.diff_objects
    spent["rest"] = drift_s - sum(spent.values())  # outside the timed stages
    return Repeat(
        drift_s,
        live_s,
        floor_s,
        scan_s,
        baseline,
        kubectl,
        kubectl_all,
        kubectl_diff,
        run,
        floor,
        drift_requests,
        dict(spent),
    )


def measure_case(server: Commands, case: Case, latency_ms: float, settings: Settings) -> Row:
    server.command(f"latency {latency_ms:g}")
    repeats = [_one_repeat(server, case, settings) for _ in range(settings.repeat)]
    last = repeats[-1]
    runs = {
        "drift": [r.drift for r in repeats],
        "live": [r.live for r in repeats],
        "floor": [r.floor for r in repeats],
        "scan": [r.scan for r in repeats],
        "baseline": [r.baseline for r in repeats],
        "kubectl": [r.kubectl for r in repeats if r.kubectl is not None],
        "kubectl_all": [r.kubectl_all for r in repeats if r.kubectl_all is not None],
        "kubectl_diff": [r.kubectl_diff for r in repeats if r.kubectl_diff is not None],
        # the ratio each target judges, per repeat (its median is what the targets quote)
        "whole_vs_floors": [r.drift / (r.floor + r.scan) for r in repeats],
    }
    return Row(
        objects=case.objects,
        kinds=len(case.collections),
        latency_ms=latency_ms,
        drift_seconds=statistics.median(runs["drift"]),
        live_seconds=statistics.median(runs["live"]),
        floor_seconds=statistics.median(runs["floor"]),
        scan_seconds=statistics.median(runs["scan"]),
        baseline_seconds=statistics.median(runs["baseline"]),
        baseline_timed=len(case.sample),
        kubectl_seconds=statistics.median(runs["kubectl"]) if runs["kubectl"] else None,
        kubectl_timed=len(case.kubectl_sample) if runs["kubectl"] else 0,
        kubectl_all_seconds=_median_or_none(runs["kubectl_all"]),
        kubectl_diff_seconds=_median_or_none(runs["kubectl_diff"]),
        kubectl_diff_timed=case.diff_objects if runs["kubectl_diff"] else 0,
        drift_requests=last.requests,
        floor_requests=last.floor_fetch.requests,
        drift_bytes=last.run.fetch.bytes_read,
        floor_bytes=last.floor_fetch.bytes_read,
        verdicts=asdict(last.run.verdicts),
        phases={k: statistics.median(r.phases.get(k, 0.0) for r in repeats) for k in PHASES},
        drifted_expected=case.drifted,
        release_records=case.records,
        runs=runs,
    )


def _median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def run_size(size: int, latencies: Sequence[float], settings: Settings, work: Path) -> list[Row]:
    """Every latency for one size; peak memory once, at the first latency (what drift-action
    holds does not depend on how slowly the server answers)."""
    case = prepare(size, work / str(size), settings)
    rows = []
    peaks: tuple[int | None, int | None] = (None, None)
    with SERVERS[settings.server](case.layout.live_json, case.kubeconfig) as server:
        load_seconds = getattr(server, "load_seconds", None)
        if settings.kubectl:  # fill kubectl's discovery cache, untimed
            measure.kubectl_warm(settings.kubectl, case.kubeconfig)
        for index, latency in enumerate(latencies):
            row = measure_case(server, case, latency, settings)
            if index == 0 and settings.memory:
                # tracemalloc slows a run several times over: skipped past --traced-max
                traced = size <= settings.traced_max
                peaks = (
                    _peak_memory(case, "rss", settings),
                    _peak_memory(case, "tracemalloc", settings) if traced else None,
                )
            row.peak_rss, row.peak_traced = peaks
            row.load_seconds = load_seconds
            progress(row)
            rows.append(row)
    return rows


def _diff_sample(
    dataset: generate.Dataset, layout: generate.Layout, limit: int, directory: Path
) -> tuple[list[tuple[Path, str]], int]:
    """What `kubectl diff` reads: every namespace folder up to `limit` objects; past that,
    the files of random apps (about `limit` objects) copied into folders of their own."""
    folders = generate.namespace_folders(layout.manifests)
    if limit <= 0:
        return [], 0
    if len(dataset.live) <= limit:
        return folders, len(dataset.live)
    per_app = len(generate.KINDS)
    apps = random.Random(limit).sample(dataset.apps, max(1, limit // per_app))  # noqa: S311
    sample = directory / "diff-sample"
    shutil.rmtree(sample, ignore_errors=True)
    for app in apps:
        source = layout.manifests / app.namespace
        target = sample / app.namespace
        target.mkdir(parents=True, exist_ok=True)
        if (source / app.name).is_dir():
            shutil.copytree(source / app.name, target / app.name)
        else:
            shutil.copy(source / f"{app.name}.yaml", target)
    return generate.namespace_folders(sample), len(apps) * per_app


def prepare(size: int, directory: Path, settings: Settings) -> Case:
    """Generate and write the objects; pick the random samples the baselines read."""
    # The real server creates every object by POST (kubectl-client-side-apply): only the
    # kubectl shape can be loaded into it as generated.
    mix = generate.KUBECTL_ONLY if settings.server == "real" else settings.mix
    dataset = generate.generate(size, mix=mix)
    layout = generate.write(dataset, directory)
    print(f"# {generate.describe(dataset, layout)}", file=sys.stderr, flush=True)
    diff_folders, diff_objects = _diff_sample(
        dataset, layout, settings.kubectl_diff_sample if settings.kubectl else 0, directory
    )
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
        diff_folders=diff_folders,
        diff_objects=diff_objects,
        records=len(dataset.records),
    )


def measure_helm(repeat: int) -> Helm:
    """`helm template` of the prometheus chart (4 subcharts) beside drift-action's Helm render
    stage inside a CLI run, both measured by bench/helm_bench.py in turn (its own table has the
    other figures: the render with the engine started ahead, cold, the whole run)."""
    import helm_bench  # noqa: PLC0415 (only this peer needs it)

    name = "prometheus with its 4 subcharts"
    helm = helm_bench.helm_binary()  # the build of bench/build_helm.sh first: the engine's Helm
    if helm is None:
        return Helm(name, None, None, "no helm binary: DRIFT_HELM_BIN, bench/build_helm.sh or PATH")
    times = helm_bench.measure(max(repeat, 5), helm)["times"]
    others = ", ".join(
        f"{label} {statistics.median(times[label]):.3f} s"
        for label in ("render, worker started ahead", "render, cold")
        if label in times
    )
    return Helm(
        f"{name}, {helm_bench.helm_version(helm)}",
        statistics.median(times["helm template"]),
        statistics.median(times["render, in the CLI"]),
        f"the render stage inside a CLI run; {others}",
    )


def progress(row: Row) -> None:
    print(
        f"# {row.objects} objects, {row.latency_ms:g} ms: drift-action {row.drift_seconds:.2f}s, "
        f"floors {row.floor_seconds:.2f}s + {row.scan_seconds:.2f}s "
        f"({row.whole_vs_floors:.2f}x), per-object {row.baseline_seconds:.2f}s, kubectl diff "
        f"{row.kubectl_diff_seconds or 0:.2f}s, get -A {row.kubectl_all_seconds or 0:.2f}s",
        file=sys.stderr,
        flush=True,
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default="emulator",
        help="emulator (default) or real: kube-apiserver and etcd, latency 0 only",
    )
    parser.add_argument("--latency-ms", type=float, nargs="+")
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
    parser.add_argument(
        "--kubectl-diff-sample",
        type=int,
        default=1000,
        help="`kubectl diff` every object up to this many, else this many (0: not measured)",
    )
    parser.add_argument(
        "--traced-max",
        type=int,
        default=10000,
        help="measure the tracemalloc peak only up to this many objects (RSS always)",
    )
    parser.add_argument("--mix", type=generate.Mix.parse, default=generate.Mix())
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--no-helm", action="store_true", help="skip the `helm template` peer")
    parser.add_argument("--write", type=Path, help="also write the Markdown report here")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--work-dir", type=Path, help="keep the generated data here")
    args = parser.parse_args(argv)
    if args.latency_ms is None:
        args.latency_ms = [0.0, 20.0] if args.server == "emulator" else [0.0]
    if args.server == "real" and any(args.latency_ms):
        parser.error("--server real: latency is an emulator feature, use --latency-ms 0")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    settings = Settings(
        page_size=args.page_size,
        concurrency=args.concurrency,
        repeat=args.repeat,
        baseline_sample=args.baseline_sample,
        memory=not args.no_memory,
        kubectl=shutil.which("kubectl"),
        kubectl_sample=args.kubectl_sample,
        server=args.server,
        kubectl_diff_sample=args.kubectl_diff_sample,
        traced_max=args.traced_max,
        mix=args.mix,
    )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as scratch:
        work = args.work_dir or Path(scratch)
        for size in args.sizes:
            rows.extend(run_size(size, args.latency_ms, settings, work))
        helm = None if args.no_helm else measure_helm(args.repeat)
    text = report(rows, settings, argv, helm)
    print(text)
    if args.write:
        args.write.write_text(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
