"""How big the container image is, and does it work: its final stage assembled without Docker.

    python bench/image_size.py [--kustomize PATH] [--no-smoke] [--keep DIR] [--json FILE]

No Docker engine is needed, only a Debian 12 machine (its package index and Python 3.11, the
same suite as the image) and root for the smoke run. The script builds the final stage's file
tree the way the Dockerfile does, with the Dockerfile's own scripts:

1. the runtime base: the Debian packages the distroless python3-debian12 image is made of
   (RUNTIME_PACKAGES, from that project's build files), fetched with `apt-get download` and
   unpacked, plus its python3 links, /tmp and the CA bundle;
2. the virtual environment: Debian's python3.11 makes it, pip installs requirements.lock (hashes
   checked) and the package, and scripts/trim_image.py trims it;
3. git: scripts/stage_git.py against that base;
4. kustomize: --kustomize PATH, else built from its Go module at the Dockerfile's version with
   the release's flags (`CGO_ENABLED=0`, `-ldflags=-s`), cached under ~/.cache/drift-action;
5. the smoke run: scripts/image_smoke.py inside a chroot of the tree (in a private mount
   namespace with /dev and /proc bound), as the Dockerfile's final RUN does. It leaves the
   standard library's bytecode for what a run imports, as in the image. Then start-up inside the
   chroot: `--version` and the README example, median of 5 runs each.

Sizes are apparent file sizes (a symlink counts as the link), what an image layer stores. The
"before" column is the single-stage image this replaced, estimated as it was: python:3.11-slim
taken as --base-mb (130 MB, not measured), git's Debian package closure by Installed-Size, the
same lock untrimmed, and the same kustomize.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import stage_git  # noqa: E402

TRIM = ROOT / "scripts" / "trim_image.py"
SMOKE = ROOT / "scripts" / "image_smoke.py"
CHART = ROOT / "tests" / "data" / "charts" / "helm__examples" / "charts" / "hello-world"
MB = 1_000_000
BASE_MB = 130.0
TARGET_MB = 250.0
VENV = "opt/drift-action/venv"
DEBIAN_PYTHON = Path("/usr/bin/python3.11")
CACHE = Path.home() / ".cache" / "drift-action"
# distroless: base (base-files, netbase, tzdata, ca-certificates, libc6, libssl3), cc (libgcc-s1,
# libgomp1, libstdc++6) and python3's list for debian12.
RUNTIME_PACKAGES = (
    "base-files", "netbase", "tzdata", "ca-certificates", "libc6", "libssl3",
    "libgcc-s1", "libgomp1", "libstdc++6",
    "libbz2-1.0", "libdb5.3", "libexpat1", "liblzma5", "libsqlite3-0", "libuuid1",
    "libncursesw6", "libtinfo6", "python3-distutils", "zlib1g", "libcom-err2", "libcrypt1",
    "libgssapi-krb5-2", "libk5crypto3", "libkeyutils1", "libkrb5-3", "libkrb5support0",
    "libnsl2", "libreadline8", "libtirpc3", "libffi8",
    "libpython3.11-minimal", "libpython3.11-stdlib", "python3.11-minimal",
)  # fmt: skip
README_EXAMPLE = [
    "--manifests",
    "examples/manifests",
    "--live-snapshot",
    "examples/live/drifted.yaml",
]


class BenchError(Exception):
    pass


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, text=True, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def checked(argv: list[str], what: str, **kwargs: object) -> str:
    done = run(argv, **kwargs)
    if done.returncode:
        raise BenchError(f"{what} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def tree_bytes(path: Path) -> int:
    """Apparent size of everything under path (a symlink counts as the link, not its target)."""
    total = 0
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            entry = Path(folder) / name
            if not entry.is_dir() or entry.is_symlink():
                total += entry.lstat().st_size
    return total


def require_debian_12() -> None:
    release = (
        Path("/etc/os-release").read_text(encoding="utf-8")
        if Path("/etc/os-release").exists()
        else ""
    )
    missing = [t for t in ("apt-get", "dpkg-deb", "ldd") if shutil.which(t) is None]
    if 'VERSION_ID="12"' not in release or "ID=debian" not in release or missing:
        raise BenchError(
            "needs Debian 12 (its package index, apt-get, dpkg-deb, ldd): the image's base "
            "is Debian 12's packages"
        )
    if not DEBIAN_PYTHON.is_file():
        raise BenchError(f"needs Debian's {DEBIAN_PYTHON} (apt-get install python3.11)")
    for program in stage_git.PROGRAMS:
        if not (Path("/") / program).is_file():
            raise BenchError(f"needs Debian's git (/{program}): apt-get install git")


def runtime_base(root: Path, debs: Path) -> None:
    debs.mkdir(parents=True, exist_ok=True)
    checked(["apt-get", "download", *RUNTIME_PACKAGES], "apt-get download", cwd=debs)
    for deb in sorted(debs.glob("*.deb")):
        checked(["dpkg-deb", "-x", str(deb), str(root)], f"dpkg-deb -x {deb.name}")
    for link in ("python", "python3"):
        (root / "usr" / "bin" / link).symlink_to("python3.11")
    (root / "tmp").mkdir(exist_ok=True)
    (root / "tmp").chmod(0o1777)
    # distroless concatenates the package's certificates into the bundle; so do we.
    bundle = root / "etc" / "ssl" / "certs" / "ca-certificates.crt"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    certs = sorted((root / "usr" / "share" / "ca-certificates").rglob("*.crt"))
    bundle.write_bytes(b"".join(c.read_bytes() for c in certs))


def install_venv(venv: Path, *, trimmed: bool, python: Path = DEBIAN_PYTHON) -> list[str]:
    """The Dockerfile's builder steps: a venv without pip, the lock, the package, the trim."""
    checked([str(python), "-m", "venv", "--without-pip", str(venv)], "venv")
    source = venv.parent / "src"
    source.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", source)
    shutil.copy2(ROOT / "README.md", source)
    shutil.copytree(ROOT / "drift_action", source / "drift_action",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q"]
    lock = str(ROOT / "requirements.lock")
    checked([*pip, "--no-cache-dir", "--require-hashes", "-r", lock], "pip install the lock")
    checked([*pip, "--no-cache-dir", "--no-deps", str(source)], "pip install the package")
    shutil.rmtree(source)
    if not trimmed:
        return []
    return checked([str(python), str(TRIM), str(site_packages(venv))], "trim_image.py").splitlines()


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def dockerfile_arg(name: str) -> str:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    match = re.search(rf"^ARG {name}=(\S+)$", text, re.M)
    if not match:
        raise BenchError(f"the Dockerfile has no ARG {name}")
    return match[1]


def kustomize_binary(explicit: str | None) -> tuple[Path, str]:
    if explicit:
        return Path(explicit), f"{explicit} (given)"
    version = dockerfile_arg("KUSTOMIZE_VERSION")
    folder = CACHE / f"kustomize-v{version}-release-flags"
    binary = folder / "kustomize"
    if not binary.is_file():
        if shutil.which("go") is None:
            raise BenchError("kustomize: pass --kustomize PATH (go is not on PATH to build it)")
        env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(folder)}
        module = f"sigs.k8s.io/kustomize/kustomize/v5@v{version}"
        checked(
            ["go", "install", "-trimpath", "-ldflags=-s", module], f"go install {module}", env=env
        )
    return binary, f"v{version} from its Go module, CGO_ENABLED=0 -ldflags=-s (the release's)"


def chroot_ready() -> str | None:
    """Why the smoke run cannot happen here, or None."""
    if os.geteuid() != 0:
        return "not root (chroot and mounts need it)"
    for tool in ("unshare", "chroot", "mount", "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    probe = run(["unshare", "--mount", "true"])
    if probe.returncode:
        return f"unshare --mount is refused here: {probe.stderr.strip()}"
    return None


def in_chroot(root: Path, shared: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """argv run in a chroot of root, /dev, /proc and `shared` (at /smoke, read-only, as the
    Dockerfile's bind mount) bound in a private mount namespace (gone with the process), with
    the image's environment."""
    for folder in ("dev", "proc", "smoke"):
        (root / folder).mkdir(exist_ok=True)
    env = {
        "PATH": f"/{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "HOME": "/root",
        "PYTHONSAFEPATH": "1",
    }
    script = (
        'root="$1"; mount --bind /dev "$root/dev" && mount -t proc proc "$root/proc" && '
        'mount --bind "$2" "$root/smoke" && mount -o remount,bind,ro "$root/smoke" && '
        'shift 2 && exec "$@"'
    )
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
    # env runs outside (the image has no env); chroot's argv is run with only `env`'s variables.
    outer = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), str(shutil.which("chroot"))]
    return run([*command, str(root), str(shared), *outer, str(root), *argv], timeout=600)


# Run inside the chroot, so the times leave out unshare and the mounts: each command `runs`
# times after one warm-up, in a fresh process each time; prints the medians and the exit codes.
TIMER = """
import json, statistics, subprocess, sys, time
runs, commands = int(sys.argv[1]), json.loads(sys.argv[2])
medians, codes = {}, {}
for name, argv in commands.items():
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        done = subprocess.run(argv, cwd="/smoke", **quiet)
        times.append(time.perf_counter() - started)
        codes.setdefault(name, set()).add(done.returncode)
    medians[name] = statistics.median(times[1:])
print(json.dumps({"medians": medians, "codes": {k: sorted(v) for k, v in codes.items()}}))
"""
# What each timed command must exit with (the README example shows drift), so a failing run is
# never timed as a fast one.
TIMED = {"--version": (["--version"], 0), "README example": (README_EXAMPLE, 1)}


def chroot_timings(root: Path, shared: Path, runs: int = 5) -> dict[str, float]:
    python = [f"/{VENV}/bin/python", "-I", "-m", "drift_action"]
    commands = {name: [*python, *args] for name, (args, _) in TIMED.items()}
    argv = [f"/{VENV}/bin/python", "-I", "-c", TIMER, str(runs), json.dumps(commands)]
    done = in_chroot(root, shared, argv)
    if done.returncode:
        raise BenchError(f"timing in the chroot failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    for name, (_, expected) in TIMED.items():
        if result["codes"][name] != [expected]:
            raise BenchError(f"{name} in the chroot exited {result['codes'][name]}, not {expected}")
    medians: dict[str, float] = result["medians"]
    return medians


def smoke(root: Path, work: Path) -> dict[str, object]:
    shared = work / "shared"
    shared.mkdir()
    shutil.copy2(SMOKE, shared)
    shutil.copytree(CHART, shared / "hello-world")
    shutil.copytree(ROOT / "examples", shared / "examples")
    # The builder's step: a throwaway CA and server certificate, made outside the image.
    checked([sys.executable, str(SMOKE), "--make-tls", str(shared / "tls")], "--make-tls")
    argv = [
        f"/{VENV}/bin/python",
        "-I",
        "/smoke/image_smoke.py",
        "/smoke/hello-world",
        "/smoke/tls",
    ]
    done = in_chroot(root, shared, argv)
    result: dict[str, object] = {"passed": done.returncode == 0, "lines": done.stdout.splitlines()}
    if done.returncode:
        result["error"] = (done.stderr or done.stdout)[-3000:]
    else:
        result["startup_s"] = chroot_timings(root, shared)
    for folder in ("dev", "proc", "smoke"):
        (root / folder).rmdir()
    return result


def git_estimate_bytes() -> int:
    """Installed-Size of git's Debian closure less what a slim base has (the old image's git)."""

    def closure(package: str) -> set[str]:
        flags = ["--recurse", "--no-recommends", "--no-suggests", "--no-conflicts"]
        flags += ["--no-breaks", "--no-replaces", "--no-enhances"]
        deps = run(["apt-cache", "depends", *flags, package])
        return {line for line in deps.stdout.splitlines() if re.fullmatch(r"[a-z0-9.+-]+", line)}

    wanted = closure("git")
    records = run(["apt-cache", "show", "--no-all-versions", *sorted(wanted)]).stdout
    fields = [dict(re.findall(r"^([A-Za-z-]+): (.*)$", r, re.M)) for r in records.split("\n\n")]
    fields = [f for f in fields if f.get("Package")]
    base = closure("apt")
    for f in fields:
        if f.get("Essential") == "yes" or f.get("Priority") == "required":
            base |= closure(f["Package"])
    return sum(int(f.get("Installed-Size", "0")) for f in fields if f["Package"] not in base) * 1024


def measure(args: argparse.Namespace, work: Path) -> dict[str, object]:
    require_debian_12()
    root = work / "rootfs"
    root.mkdir()
    print("runtime base: Debian packages", file=sys.stderr, flush=True)
    runtime_base(root, work / "debs")
    base = tree_bytes(root)
    print("virtual environment: the lock, the package, the trim", file=sys.stderr)
    venv = root / VENV
    venv.parent.mkdir(parents=True)
    steps = install_venv(venv, trimmed=True)
    site = site_packages(venv)
    staged = stage_git.stage(Path("/"), root, root)
    kustomize, kustomize_note = kustomize_binary(args.kustomize)
    (root / "usr" / "local" / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(kustomize, root / "usr" / "local" / "bin" / "kustomize")
    stdlib = root / "usr" / "lib" / "python3.11"
    before_smoke = tree_bytes(stdlib)
    why_not = "--no-smoke" if args.no_smoke else chroot_ready()
    if why_not is None:
        print("smoke run in a chroot", file=sys.stderr)
        smoked: dict[str, object] = smoke(root, work)
    else:
        smoked = {"passed": None, "skipped": why_not}
    parts = {
        "runtime base (Debian packages)": base,
        "virtual environment": tree_bytes(venv),
        "of which helm_python": tree_bytes(site / "helm_python"),
        "of which kubernetes": tree_bytes(site / "kubernetes"),
        "git (staged)": sum(
            (root / line.split(" -> ")[0].lstrip("/")).lstat().st_size for line in staged
        ),
        "kustomize": (root / "usr" / "local" / "bin" / "kustomize").stat().st_size,
        "standard library bytecode from the smoke run": tree_bytes(stdlib) - before_smoke,
    }
    if args.keep:
        shutil.copytree(root, args.keep, symlinks=True)
    total = tree_bytes(root)
    before = None
    if not args.no_baseline:
        print("before: the same lock, untrimmed", file=sys.stderr)
        (work / "before").mkdir()
        untrimmed = install_venv(work / "before" / "venv", trimmed=False)
        assert not untrimmed
        before_venv = tree_bytes(work / "before" / "venv")
        git_estimate = git_estimate_bytes()
        before = {
            "base (python:3.11-slim, assumed)": int(args.base_mb * MB),
            "virtual environment": before_venv,
            "git (Debian package closure, estimate)": git_estimate,
            "kustomize": parts["kustomize"],
        }
    return {
        "parts": parts,
        "total": total,
        "target_mb": TARGET_MB,
        "trim_steps": steps,
        "git_staged": staged,
        "kustomize": kustomize_note,
        "smoke": smoked,
        "before": before,
    }


def mb(value: object) -> str:
    return "" if value is None else f"{int(str(value)) / MB:.1f}"


def markdown(result: dict[str, object]) -> str:
    parts = result["parts"]
    before = result["before"] or {}
    assert isinstance(parts, dict) and isinstance(before, dict)
    rows = [
        (
            "base",
            before.get("base (python:3.11-slim, assumed)"),
            parts["runtime base (Debian packages)"],
        ),
        ("virtual environment", before.get("virtual environment"), parts["virtual environment"]),
        ("… of which helm_python", None, parts["of which helm_python"]),
        ("… of which kubernetes", None, parts["of which kubernetes"]),
        ("git", before.get("git (Debian package closure, estimate)"), parts["git (staged)"]),
        ("kustomize", before.get("kustomize"), parts["kustomize"]),
        (
            "standard library bytecode (smoke run)",
            None,
            parts["standard library bytecode from the smoke run"],
        ),
    ]
    total_before = sum(int(str(v)) for v in before.values()) if before else None
    lines = [
        "| MB (10^6 bytes) | before: one stage on python:3.11-slim (estimate) "
        "| this image: distroless, assembled |",
        "|---|---:|---:|",
        *(f"| {name} | {mb(a)} | {mb(b)} |" for name, a, b in rows),
        f"| **image content** | {mb(total_before) and f'**{mb(total_before)}**'} "
        f"| **{mb(result['total'])}** |",
    ]
    smoked = result["smoke"]
    assert isinstance(smoked, dict)
    if smoked.get("passed"):
        timings = smoked["startup_s"]
        assert isinstance(timings, dict)
        lines.append("")
        lines.append(
            "Smoke run in the chroot: passed ("
            + "; ".join(s.removeprefix("image smoke: ") for s in smoked["lines"])
            + ")."
        )  # type: ignore[union-attr]
        lines.append(
            "Start-up in the chroot, median of 5: "
            + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in timings.items())
            + "."
        )
    else:
        lines.append(f"\nSmoke run: {smoked.get('skipped') or 'FAILED'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kustomize", help="kustomize binary to use (default: build it)")
    parser.add_argument("--no-smoke", action="store_true", help="measure only; no chroot run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the 'before' column")
    parser.add_argument("--base-mb", type=float, default=BASE_MB, help="python:3.11-slim size")
    parser.add_argument("--keep", type=Path, help="copy the assembled tree here")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="image-size-") as tmp:
            result = measure(args, Path(tmp))
    except BenchError as exc:
        print(f"image_size: {exc}", file=sys.stderr)
        return 2
    print(markdown(result))
    print("\ntrim: " + "; ".join(str(s) for s in result["trim_steps"]))  # type: ignore[attr-defined]
    print(f"kustomize: {result['kustomize']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    smoked = result["smoke"]
    assert isinstance(smoked, dict)
    if smoked.get("passed") is False:
        print(smoked.get("error"), file=sys.stderr)
        return 1
    return 0 if int(str(result["total"])) < TARGET_MB * MB else 1


if __name__ == "__main__":
    sys.exit(main())
