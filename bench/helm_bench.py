"""drift-action's Helm render beside `helm template` of the same chart, in one run.

    python bench/helm_bench.py [--repeat 7] [--json FILE|-]

The chart is the vendored prometheus chart with its 4 dependency charts (tests/data/charts),
rendered as release `prom` in namespace `monitoring`. The helm binary is `DRIFT_HELM_BIN`, else
`helm` on PATH, else the one `bench/build_helm.sh` builds (the Helm that helm-python-sdk
embeds); without one the ratios are n/a. Each repeat runs every workload once, in an order
that turns from repeat to repeat, so a change in the machine's load falls on all of them;
the table gives the median, min and max, and each median as a ratio to `helm template`'s.

- `helm template`: the binary, as a process, output read (the reference).
- render stage: `drift_action.sources.render(spec)` in this process, as the pipeline calls it,
  from asking to having the objects. *Cold*: the engine's process starts when asked. *Worker
  started ahead*: `core.helm_engine.warm_up()` first and a pause (untimed), as when the CLI starts
  the engine while it imports the rest of itself. *In the CLI*: timed inside a CLI run.
- whole run: `pipeline.run` in this process, and the CLI as a process, on the chart against an
  empty live snapshot (every object missing); and the CLI on the same objects as plain
  manifest files (the run without Helm).
- engine start-up: the engine's process with no request (interpreter, imports, Helm's Go
  library), which a started-ahead worker hides; parent import: what importing the Helm
  renderer costs a process that has the rest of drift-action (paid only when a chart is).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from drift_action.core.identity import canonical_group
from drift_action.core.model import Status
from drift_action.core.scope import ScopeResolver
from drift_action.pipeline import RunOptions, run
from drift_action.sources import HelmSpec, render

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ROOT / "tests/data/charts/prometheus-community__helm-charts/charts"
DEPENDENCIES = (
    "alertmanager",
    "kube-state-metrics",
    "prometheus-node-exporter",
    "prometheus-pushgateway",
)
RELEASE, NAMESPACE = "prom", "monitoring"
TARGET = 1.5  # render stage / helm template (issue 21)
PINNED = "v4.2.3"  # bench/build_helm.sh's helm_version: what helm-python-sdk 0.2.2 embeds
SETTLE = 1.0  # seconds a started-ahead worker gets before the render is asked (untimed)

# The CLI as its console script runs it, with the render stage timed from inside.
CLI_TIMED = """
import sys, time
import drift_action.sources as sources
spent = []
plain = sources.render
def timed(spec):
    started = time.perf_counter()
    try:
        return plain(spec)
    finally:
        spent.append(time.perf_counter() - started)
sources.render = timed
from drift_action.cli import main
code = main(sys.argv[1:])
print(f"RENDER {sum(spent)!r}", file=sys.stderr)
sys.exit(code)
"""
PARENT_IMPORT = """
import time
import drift_action.pipeline, drift_action.sources
started = time.perf_counter()
import drift_action.sources.helm.render
print(time.perf_counter() - started)
"""


def helm_binary() -> str | None:
    """`DRIFT_HELM_BIN`, else the build of bench/build_helm.sh (the Helm version the engine
    embeds), else `helm` on PATH (the test lock's helm-binary package puts v3 there)."""
    given = os.environ.get("DRIFT_HELM_BIN")
    if given:
        return given
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"), "drift-action/helm")
    built = cache / PINNED / "helm"
    if built.is_file():
        return str(built)
    return shutil.which("helm")


def helm_version(helm: str) -> str:
    argv = [helm, "version", "--short"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown version"


def vendored_chart(work: Path) -> Path:
    chart = work / "prometheus"
    shutil.copytree(CHARTS / "prometheus", chart)
    (chart / "charts").mkdir(exist_ok=True)
    for name in DEPENDENCIES:
        shutil.copytree(CHARTS / name, chart / "charts" / name)
    return chart


def live_snapshot(spec: HelmSpec, work: Path) -> Path:
    """The chart's own render with server fields added, as a live snapshot (every object in
    sync): for bench/nondet_bench.py."""
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


def _warm_up() -> Callable[[], None] | None:
    try:
        from drift_action.core.helm_engine import warm_up  # noqa: PLC0415 (may not exist)
    except ImportError:
        return None
    return warm_up


def _cli(args: list[str]) -> tuple[float, float | None]:
    """Wall time of one CLI run, and the render stage it timed inside."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CLI_TIMED, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"the CLI failed ({done.returncode}): {done.stderr[-2000:]}")
    spent = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("RENDER ")]
    return wall, float(spent[-1]) if spent else None


def _process(argv: list[str], **kwargs: Any) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, **kwargs)
    return time.perf_counter() - started


def _engine_command() -> list[str]:
    try:
        from drift_action.core.helm_engine import command  # noqa: PLC0415 (may not exist)
    except ImportError:
        # Before the warm worker: what the engine's process loads before it reads a request.
        return [sys.executable, "-P", "-c", "import drift_action.sources.helm.worker, helm_python"]
    return command()


class Bench:
    """The chart, its inputs and the workloads, each adding its time to `times`."""

    def __init__(self, work: Path, helm: str | None) -> None:
        chart = vendored_chart(work)
        self.spec = HelmSpec(str(chart), release=RELEASE, namespace=NAMESPACE)
        empty = work / "empty.yaml"
        empty.write_text("apiVersion: v1\nkind: List\nitems: []\n")
        # The first render also writes the bytecode and reads the library into the page cache.
        self.objects = [d.data for d in render(self.spec).documents]
        plain = work / "manifests"
        plain.mkdir()
        (plain / "all.yaml").write_text(yaml.safe_dump_all(self.objects))
        self.helm_argv = None
        if helm is not None:
            self.helm_argv = [helm, "template", RELEASE, str(chart), "--namespace", NAMESPACE]
            self.helm_argv.append("--include-crds")
            out = subprocess.run(self.helm_argv, capture_output=True, text=True, check=True)
            printed = [d for d in yaml.safe_load_all(out.stdout) if d]
            if len(printed) != len(self.objects):
                raise SystemExit(f"helm printed {len(printed)} objects, not {len(self.objects)}")
        self.chart_args = ["--helm-chart", str(chart), "--release", RELEASE]
        self.plain_args = ["--manifests", str(plain)]
        for args in (self.chart_args, self.plain_args):
            args += ["--namespace", NAMESPACE, "--live-snapshot", str(empty), "--format", "json"]
        self.options = RunOptions((self.spec,), live_snapshots=(str(empty),))
        self.warm_up = _warm_up()
        self.times: dict[str, list[float]] = {}

    def workloads(self) -> list[Callable[[], None]]:
        workloads = [
            self.helm_template,
            self.render_cold,
            self.render_started_ahead,
            self.whole_run,
            self.cli_chart,
            self.cli_plain,
            self.engine_start,
            self.parent_import,
        ]
        if self.helm_argv is None:
            workloads.remove(self.helm_template)
        if self.warm_up is None:
            workloads.remove(self.render_started_ahead)
        return workloads

    def add(self, name: str, seconds: float) -> None:
        self.times.setdefault(name, []).append(seconds)

    def helm_template(self) -> None:
        assert self.helm_argv is not None
        self.add("helm template", _process(self.helm_argv))

    def _render(self) -> float:
        started = time.perf_counter()
        render(self.spec)
        return time.perf_counter() - started

    def render_cold(self) -> None:
        self.add("render, cold", self._render())

    def render_started_ahead(self) -> None:
        assert self.warm_up is not None
        self.warm_up()
        time.sleep(SETTLE)
        self.add("render, worker started ahead", self._render())

    def whole_run(self) -> None:
        started = time.perf_counter()
        report = run(self.options)
        self.add("whole run, in process", time.perf_counter() - started)
        assert report.counts[Status.MISSING] == len(self.objects), report.counts

    def cli_chart(self) -> None:
        wall, inside = _cli(self.chart_args)
        self.add("whole run, CLI", wall)
        if inside is not None:
            self.add("render, in the CLI", inside)

    def cli_plain(self) -> None:
        self.add("whole run, CLI, same objects as manifests", _cli(self.plain_args)[0])

    def engine_start(self) -> None:
        seconds = _process(_engine_command(), stdin=subprocess.DEVNULL)
        self.add("engine start-up (no request)", seconds)

    def parent_import(self) -> None:
        argv = [sys.executable, "-c", PARENT_IMPORT]
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        self.add("import of the Helm renderer (parent)", float(done.stdout))


def measure(repeat: int, helm: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), helm)
        workloads = bench.workloads()
        for turn in range(repeat):
            shift = turn % len(workloads)
            for workload in workloads[shift:] + workloads[:shift]:
                workload()
    helm_name = None if helm is None else f"{helm} ({helm_version(helm)})"
    objects = len(bench.objects)
    return {"objects": objects, "repeat": repeat, "helm": helm_name, "times": bench.times}


def table(figures: dict[str, Any]) -> str:
    times: dict[str, list[float]] = figures["times"]
    reference = statistics.median(times["helm template"]) if "helm template" in times else None
    lines = [
        f"prometheus chart + {len(DEPENDENCIES)} subcharts: {figures['objects']} objects, "
        f"median of {figures['repeat']}; helm: {figures['helm'] or 'not found'}",
        "",
        "| workload | median | min | max | x helm template |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        shown = f"{median / reference:.2f}x" if reference else "n/a"
        lines.append(
            f"| {name} | {median:.3f} s | {min(values):.3f} s | {max(values):.3f} s | {shown} |"
        )
    lines.append("")
    for name in ("render, in the CLI", "render, worker started ahead", "render, cold"):
        if name in times and reference:
            ratio = statistics.median(times[name]) / reference
            verdict = "met" if ratio <= TARGET else "not met"
            lines.append(f"- {name} <= {TARGET}x helm template: **{verdict}** ({ratio:.2f}x)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", metavar="FILE", help="also write the figures ('-': stdout)")
    args = parser.parse_args()
    figures = measure(args.repeat, helm_binary())
    figures["medians"] = {name: statistics.median(v) for name, v in figures["times"].items()}
    if "helm template" in figures["medians"]:
        reference = figures["medians"]["helm template"]
        figures["ratios"] = {name: m / reference for name, m in figures["medians"].items()}
    if args.json == "-":
        json.dump(figures, sys.stdout, indent=2)
        print()
        return
    print(table(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
