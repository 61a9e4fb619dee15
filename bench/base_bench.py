"""Benchmark what comparing with a pull request's base costs (issue 16).

For each size, against the same emulated API server (bench/serve.py, a separate process), it
times in this process, with medians of --repeat runs:

- one render of the head's manifests (read, parse, collect): "one render";
- the whole run without a base;
- the whole run with a base checkout (the same manifests with 1% of the images changed).

The base adds a render of the base and a second comparison with the same live objects; the live
state is read once (the LIST requests are counted for both runs and must be equal). The claim
checked: the base adds less than one render plus one comparison, i.e. less than a second run.

    python bench/base_bench.py [--sizes 1000 10000] [--repeat 5] [--write bench/base_results.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import generate
import yaml
from run_bench import Server, timed

from drift_action import sources
from drift_action.core.model import ChangeClass, Report
from drift_action.core.objects import collect
from drift_action.desired import BaseOptions
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.sources import ManifestsSpec


def _head_with_changes(base: Path, head: Path, every: int = 100) -> int:
    """A copy of `base` where every `every`-th Deployment's image is bumped: the PR's change."""
    shutil.copytree(base, head)
    changed = 0
    seen = 0
    for path in sorted(head.rglob("*.yaml")):
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        touched = False
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "Deployment":
                seen += 1
                if seen % every == 0:
                    container = doc["spec"]["template"]["spec"]["containers"][0]
                    container["image"] = container["image"] + "-pr"
                    changed += 1
                    touched = True
        if touched:
            path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return changed


def _medians(
    repeat: int, server: Server, work: dict[str, Callable[[], object]]
) -> tuple[dict[str, float], dict[str, int], dict[str, object]]:
    """Each workload `repeat` times, interleaved (one of each per round, the order rotating),
    so that warm caches and machine noise fall on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in work}
    requests: dict[str, int] = {}
    results: dict[str, object] = {}
    names = list(work)
    for round_ in range(repeat):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            elapsed, results[name], stats = timed(server, work[name])
            times[name].append(elapsed)
            requests[name] = stats["list"] + stats["get"] + stats["discovery"]
    return {n: statistics.median(t) for n, t in times.items()}, requests, results


def measure(size: int, repeat: int, work: Path) -> dict[str, float | int]:
    layout = generate.write(generate.generate(size, mix=generate.KUBECTL_ONLY), work / f"n{size}")
    root = layout.manifests.parent
    base = root / "base"
    shutil.move(str(layout.manifests), base)
    changed = _head_with_changes(base, root / "head")
    kubeconfig = root / "kubeconfig"
    os.chdir(root / "head")  # the head is the working directory, as in a checkout
    with Server(layout.live_json, kubeconfig) as server:
        cluster = ClusterSpec(kubeconfig=str(kubeconfig))
        spec = ManifestsSpec((".",), "default")
        plain = RunOptions((spec,), cluster=cluster)
        with_base = RunOptions(
            (spec,), cluster=cluster, base=BaseOptions("bench", str(base), checked_out=True)
        )

        def render_once() -> object:
            return collect(sources.render(spec).documents, strict=False)

        times, requests, results = _medians(
            repeat,
            server,
            {"render": render_once, "run": lambda: run(plain), "base": lambda: run(with_base)},
        )
    report = results["base"]
    assert isinstance(report, Report) and report.classes[ChangeClass.PLANNED] == changed
    return {
        "objects": size,
        "changed": changed,
        "render": times["render"],
        "run": times["run"],
        "run_with_base": times["base"],
        "extra": times["base"] - times["run"],
        "requests": requests["run"],
        "requests_with_base": requests["base"],
    }


def table(rows: list[dict[str, float | int]]) -> str:
    lines = [
        "| objects | one render (s) | run (s) | run with base (s) | base adds (s) | "
        "adds / (render) | adds / run | API requests without / with base |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['objects']:,} | {r['render']:.2f} | {r['run']:.2f} | {r['run_with_base']:.2f}"
            f" | {r['extra']:.2f} | {r['extra'] / r['render']:.2f} | {r['extra'] / r['run']:.2f}"
            f" | {r['requests']} / {r['requests_with_base']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    here = os.getcwd()
    work = Path(tempfile.mkdtemp(prefix="drift-base-bench-"))
    try:
        rows = [measure(size, args.repeat, work) for size in args.sizes]
    finally:
        os.chdir(here)
        shutil.rmtree(work, ignore_errors=True)
    text = table(rows)
    sys.stdout.write(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
