"""Start-up time of the `drift-action` command: a base commit (main) and this tree, side by side.

    python bench/startup.py [--base REF] [--runs N] [--warmup N] [--top N] [--json FILE]

The base is checked out as a detached `git worktree` in a temporary folder (removed at the
end); both trees run on this interpreter and its installed dependencies, each with its own
checkout first on `sys.path` (`PYTHONPATH` and the working directory), so only drift_action's
own code differs. Each command runs as the console script does (`from drift_action.cli import
main; sys.exit(main())`) in a fresh process, the two trees taking turns run by run so that a
change in the machine's load falls on both. Wall time: median, min and max of `--runs` runs
after `--warmup` runs (which also write the base's bytecode). Then `python -X importtime` of
`--version`, the `--top` imports with the largest cumulative time (medians of 5 runs).

Prints Markdown (for bench/results.md); `--json` also writes the figures. Nothing is asserted:
tests/entry/test_lazy_imports.py checks which modules a run loads, never how long it takes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from drift_action.cli import main; sys.exit(main())"
COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "README example": [
        "--manifests",
        "examples/manifests",
        "--live-snapshot",
        "examples/live/drifted.yaml",
    ],
}
IMPORTTIME_RUNS = 5


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """A detached checkout of `ref`, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="drift-startup-")) / "base"
    _git("worktree", "add", "--detach", "--quiet", str(folder), ref)
    try:
        yield folder
    finally:
        _git("worktree", "remove", "--force", str(folder))
        shutil.rmtree(folder.parent, ignore_errors=True)


def _env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DRIFT_ACTION"))}
    env["PYTHONPATH"] = str(tree)
    env["NO_COLOR"] = "1"
    return env


def _run(tree: Path, args: Sequence[str], *, python_flags: Sequence[str] = ()) -> tuple[float, str]:
    """Wall seconds of one run, and its stderr."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *python_flags, "-c", ENTRY, *args],
        cwd=tree,
        env=_env(tree),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: the README example finds drift
        raise SystemExit(f"{tree}: {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return elapsed, done.stderr


def _check_tree(tree: Path) -> None:
    """The package imported is the tree's own, not the installed one."""
    code = "import drift_action; print(drift_action.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tree,
        env=_env(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    found = Path(done.stdout.strip()).resolve()
    if not found.is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}: drift_action comes from {found}, not from the tree")


def wall_times(trees: dict[str, Path], runs: int, warmup: int) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {name: {} for name in COMMANDS}
    for name, args in COMMANDS.items():
        for label, tree in trees.items():
            for _ in range(warmup):
                _run(tree, args)
            times[name][label] = []
        for _ in range(runs):
            for label, tree in trees.items():
                times[name][label].append(_run(tree, args)[0])
    return times


def import_times(tree: Path, top: int) -> list[tuple[str, float, float]]:
    """(module, cumulative ms, self ms) for the `top` largest cumulative times of `--version`,
    medians over IMPORTTIME_RUNS runs."""
    cumulative: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    for _ in range(IMPORTTIME_RUNS):
        _, err = _run(tree, ["--version"], python_flags=["-X", "importtime"])
        for line in err.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, cumulative_us, name = line[len("import time:") :].split("|")
            cumulative.setdefault(name.strip(), []).append(int(cumulative_us))
            own.setdefault(name.strip(), []).append(int(self_us))
    rows = [
        (name, statistics.median(c) / 1000, statistics.median(own[name]) / 1000)
        for name, c in cumulative.items()
    ]
    return sorted(rows, key=lambda row: -row[1])[:top]


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})"


def markdown(
    base: str,
    head: str,
    times: dict[str, dict[str, list[float]]],
    imports: dict[str, list[tuple[str, float, float]]],
    *,
    runs: int,
    load: tuple[str, str],
) -> str:
    lines = [
        f"Base `{base}` against this tree (`{head}`); {runs} runs each, taking turns, after "
        f"warm-up. Python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load[0]} before and {load[1]} after.",
        "",
        "| command | base: median (min-max) | this tree: median (min-max) | ratio |",
        "|---|---|---|---|",
    ]
    for name, by_tree in times.items():
        ratio = statistics.median(by_tree["base"]) / statistics.median(by_tree["head"])
        lines.append(
            f"| `{name}` | {_cell(by_tree['base'])} | {_cell(by_tree['head'])} | {ratio:.1f}x |"
        )
    for label, title in (("base", "base"), ("head", "this tree")):
        lines += [
            "",
            f"`python -X importtime`, `--version`, {title}: the largest cumulative times "
            f"(ms, medians of {IMPORTTIME_RUNS} runs)",
            "",
            "| module | cumulative | self |",
            "|---|---:|---:|",
        ]
        lines += [f"| `{name}` | {cum:.1f} | {own:.1f} |" for name, cum, own in imports[label]]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="the commit to compare with (default: where HEAD left main)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    base = _git("rev-parse", "--short", args.base or _git("merge-base", "HEAD", "main"))
    head = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--untracked-files=no", "drift_action"):
        head += ", with uncommitted changes"
    load_before = _load()
    with worktree(base) as base_tree:
        trees = {"base": base_tree, "head": ROOT}
        for tree in trees.values():
            _check_tree(tree)
        times = wall_times(trees, args.runs, args.warmup)
        imports = {label: import_times(tree, args.top) for label, tree in trees.items()}
    load = (load_before, _load())
    print(markdown(base, head, times, imports, runs=args.runs, load=load), end="")
    if args.json:
        figures = {"base": base, "head": head, "load": load, "times": times, "imports": imports}
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
