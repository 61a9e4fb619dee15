"""How big the container image's content is: the trimmed image against main's untrimmed install.

    python bench/image_size.py [--kustomize PATH] [--baseline-ref main] [--json FILE]

No Docker engine is needed. For each side, the script installs a lock into a fresh virtual
environment without pip (as the Dockerfile's builder does), then the package without
dependencies, and adds up the files (apparent sizes, symlinks as links; what an image layer
stores):

* "main today": `git show REF:requirements.lock` (the lock the old single-stage image
  installed), untrimmed; when REF is not in this clone, this checkout's lock, untrimmed.
* "this image": this checkout's requirements.lock, then scripts/trim_image.py, the very
  step the Dockerfile runs (one libhelm_c, no kubernetes/aio, no aiohttp stack).

Both keep their bytecode (pip compiles it; the image keeps it so each run does not recompile
the kubernetes client). Then the parts outside Python, the same on both sides:

* kustomize: the file --kustomize names, else `kustomize` on PATH, else not counted (said so).
  .ci/run builds it with `go install`, which is somewhat bigger than the release binary the
  Dockerfile fetches.
* git: an estimate from this machine's Debian package index (apt-cache): the Installed-Size of
  git's dependency closure without recommends, less the packages of Priority required (those
  a Debian slim base already has). Not counted when apt-cache is missing.
* the base (python:3.11-slim): assumed --base-mb (130 MB uncompressed), not measured.

After trimming, the script renders tests/data/charts/helm__examples/charts/hello-world with the
trimmed install (as the Dockerfile's smoke step does) and reports whether it worked.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIM = ROOT / "scripts" / "trim_image.py"
CHART = ROOT / "tests" / "data" / "charts" / "helm__examples" / "charts" / "hello-world"
MB = 1_000_000
BASE_MB = 130.0
EMPTY_LIVE = "apiVersion: v1\nkind: List\nitems: []\n"


def tree_bytes(path: Path) -> int:
    """Apparent size of everything under path (a symlink counts as the link, not its target)."""
    total = 0
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            entry = Path(folder) / name
            stat = entry.lstat()
            if not entry.is_dir() or entry.is_symlink():
                total += stat.st_size
    return total


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, text=True, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def site_packages(venv: Path) -> Path:
    out = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ]
    )
    return Path(out.stdout.strip())


def install(venv: Path, lock: Path) -> None:
    """The Dockerfile's two pip steps, into a venv without pip of its own."""
    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    if made.returncode:
        raise SystemExit(f"venv: {made.stderr}")
    # The files the Dockerfile copies, so the build leaves nothing in the checkout.
    source = venv.parent / "src"
    source.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", source)
    shutil.copy2(ROOT / "README.md", source)
    shutil.copytree(ROOT / "drift_action", source / "drift_action",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q"]
    for args in (["--require-hashes", "-r", str(lock)], ["--no-deps", str(source)]):
        done = run([*pip, *args])
        if done.returncode:
            raise SystemExit(f"pip install {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def renders(venv: Path, work: Path) -> bool:
    live = work / "live.yaml"
    live.write_text(EMPTY_LIVE, encoding="utf-8")
    code = "import sys; from drift_action.cli import main; sys.exit(main())"
    argv = [str(venv / "bin" / "python"), "-I", "-c", code, "--helm-chart", str(CHART)]
    argv += ["--live-snapshot", str(live), "--output", "json", "--fail-on", "none"]
    done = run(argv, cwd=work, timeout=300)
    if done.returncode:
        return False
    summary = json.loads(done.stdout)["summary"]
    return bool(summary["missing"] > 0 and summary["errors"] == 0)


def kustomize_bytes(explicit: str | None) -> tuple[int | None, str]:
    found = explicit or shutil.which("kustomize")
    if not found:
        return None, "not found (pass --kustomize PATH): not counted"
    return Path(found).stat().st_size, found


def _closure(package: str) -> set[str]:
    deps = run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", package]
    )  # fmt: skip
    if deps.returncode:
        return set()
    return {line for line in deps.stdout.splitlines() if re.fullmatch(r"[a-z0-9.+-]+", line)}


def git_estimate_bytes() -> tuple[int | None, str]:
    """Installed-Size of what git adds on top of a Debian slim base.

    git's dependency closure (no recommends) less what a slim base already holds: apt and its
    closure, and the Essential or Priority: required packages with theirs. The python image
    adds a few libraries of its own (libssl3, ...) that this still counts: an upper estimate.
    """
    if not shutil.which("apt-cache"):
        return None, "apt-cache not found: not counted"
    wanted = _closure("git")
    if "git" not in wanted:
        return None, "apt-cache knows no git: not counted"
    records = run(["apt-cache", "show", "--no-all-versions", *sorted(wanted)]).stdout
    fields = [
        dict(re.findall(r"^([A-Za-z-]+): (.*)$", r, re.MULTILINE)) for r in records.split("\n\n")
    ]
    fields = [f for f in fields if f.get("Package")]
    base = _closure("apt")
    for f in fields:
        if f.get("Essential") == "yes" or f.get("Priority") == "required":
            base |= _closure(f["Package"])
    kept = [f for f in fields if f["Package"] not in base]
    total = sum(int(f.get("Installed-Size", "0")) for f in kept) * 1024
    return (
        total,
        f"estimate: {len(kept)} Debian packages not in a slim base (apt-cache Installed-Size)",
    )


def measure_side(work: Path, lock: Path, trimmed: bool) -> dict[str, object]:
    venv = work / "venv"
    install(venv, lock)
    site = site_packages(venv)
    steps: list[str] = []
    if trimmed:
        done = run([sys.executable, str(TRIM), str(site)])
        if done.returncode:
            raise SystemExit(f"trim_image.py failed:\n{done.stderr}")
        steps = done.stdout.splitlines()
    return {
        "site_packages": tree_bytes(site),
        "venv": tree_bytes(venv),
        "helm_python": tree_bytes(site / "helm_python"),
        "kubernetes": tree_bytes(site / "kubernetes"),
        "renders": renders(venv, work),
        "trim_steps": steps,
    }


def baseline_lock(ref: str, work: Path) -> tuple[Path, str]:
    shown = run(["git", "-C", str(ROOT), "show", f"{ref}:requirements.lock"])
    if shown.returncode == 0:
        lock = work / "main-requirements.lock"
        lock.write_text(shown.stdout, encoding="utf-8")
        return lock, f"{ref}:requirements.lock"
    return ROOT / "requirements.lock", f"requirements.lock ({ref} not found in this clone)"


def mb(value: object) -> str:
    return "n/a" if value is None else f"{float(str(value)) / MB:.1f}"


def table(result: dict[str, object]) -> str:
    main, image = result["main"], result["image"]
    assert isinstance(main, dict) and isinstance(image, dict)
    extra = [result["kustomize_bytes"], result["git_bytes"]]
    counted = sum(int(str(v)) for v in extra if v is not None)
    base = float(str(result["base_mb"])) * MB
    rows = [
        ("helm_python (site-packages)", main["helm_python"], image["helm_python"]),
        ("kubernetes (site-packages)", main["kubernetes"], image["kubernetes"]),
        ("site-packages, all", main["site_packages"], image["site_packages"]),
        ("virtual environment (site-packages + bin)", main["venv"], image["venv"]),
        ("kustomize binary", result["kustomize_bytes"], result["kustomize_bytes"]),
        ("git and its Debian dependencies (estimate)", result["git_bytes"], result["git_bytes"]),
        ("added to the base", int(str(main["venv"])) + counted, int(str(image["venv"])) + counted),
        (
            f"image content, with the base ({result['base_mb']} MB assumed)",
            int(str(main["venv"])) + counted + base,
            int(str(image["venv"])) + counted + base,
        ),
    ]
    lines = ["| MB (10^6 bytes) | main today | this image |", "|---|---:|---:|"]
    lines += [f"| {name} | {mb(a)} | {mb(b)} |" for name, a, b in rows]
    lines.append(
        f"| renders hello-world after the install | {main['renders']} | {image['renders']} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kustomize", help="kustomize binary to count (default: on PATH)")
    parser.add_argument("--baseline-ref", default="main", help="git ref of 'main today'")
    parser.add_argument("--no-baseline", action="store_true", help="measure this image only")
    parser.add_argument("--base-mb", type=float, default=BASE_MB, help="python:3.11-slim size")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="image-size-") as tmp:
        work = Path(tmp)
        (work / "image").mkdir()
        image = measure_side(work / "image", ROOT / "requirements.lock", trimmed=True)
        if args.no_baseline:
            main_side: dict[str, object] = dict.fromkeys(image, None) | {"renders": None}
            source = "not measured (--no-baseline)"
        else:
            (work / "main").mkdir()
            lock, source = baseline_lock(args.baseline_ref, work / "main")
            main_side = measure_side(work / "main", lock, trimmed=False)
    kustomize, kustomize_note = kustomize_bytes(args.kustomize)
    git, git_note = git_estimate_bytes()
    result: dict[str, object] = {
        "main": main_side,
        "image": image,
        "baseline": source,
        "kustomize_bytes": kustomize,
        "kustomize": kustomize_note,
        "git_bytes": git,
        "git": git_note,
        "base_mb": args.base_mb,
        "python": sysconfig.get_python_version(),
        "platform": sysconfig.get_platform(),
    }
    if not args.no_baseline:
        print(table(result))
    else:
        print(
            f"this image: site-packages {mb(image['site_packages'])} MB, renders {image['renders']}"
        )
    print(f"\nmain today: {source}; kustomize: {kustomize_note}; git: {git_note}")
    print("trim steps: " + "; ".join(str(s) for s in image["trim_steps"]))  # type: ignore[attr-defined]
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if image["renders"] else 1


if __name__ == "__main__":
    sys.exit(main())
