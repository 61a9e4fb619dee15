"""Where the real `kube-apiserver` and `etcd` come from: a folder named by the environment, or
tests/apiserver/build.sh, which builds the pinned versions once into a cache and reuses them."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from support import ROOT

BUILD = ROOT / "tests" / "apiserver" / "build.sh"
# A folder holding both binaries (CI sets it after running build.sh itself).
BIN_ENV = "DRIFT_APISERVER_BIN"
# "1": a missing control plane fails the tier instead of skipping it (CI with Go sets it).
REQUIRED_ENV = "DRIFT_APISERVER_REQUIRED"
# "0": skip the tier even where it could run.
ENABLED_ENV = "DRIFT_APISERVER"


def pinned(module: str) -> str:
    """The version tests/apiserver/go.mod pins `module` to."""
    for line in (BUILD.parent / "go.mod").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == module:
            return words[1]
    raise LookupError(f"tests/apiserver/go.mod does not pin {module}")


class Unavailable(Exception):
    """The real control plane cannot run here; the message says why, in one line."""


@dataclass(frozen=True)
class Binaries:
    kube_apiserver: Path
    etcd: Path
    kubectl: Path  # the same version, for running the commands reports print


def _in(folder: Path) -> Binaries:
    found = Binaries(folder / "kube-apiserver", folder / "etcd", folder / "kubectl")
    for binary in (found.kube_apiserver, found.etcd, found.kubectl):
        if not os.access(binary, os.X_OK):
            raise Unavailable(f"{BIN_ENV}={folder} holds no executable {binary.name}")
    return found


def locate() -> Binaries:
    """The named folder, else build.sh's cache (building it when Go is on PATH)."""
    if os.environ.get(ENABLED_ENV) == "0":
        raise Unavailable(f"{ENABLED_ENV}=0")
    named = os.environ.get(BIN_ENV)
    if named:
        return _in(Path(named))
    bash = shutil.which("bash")
    if bash is None:
        raise Unavailable("bash is not on PATH to run tests/apiserver/build.sh")
    # build.sh reuses a cached build without Go, and says so on exit 3 when there is none.
    result = subprocess.run(
        [bash, str(BUILD)], capture_output=True, text=True, check=False, timeout=3600
    )
    if result.returncode == 3:
        raise Unavailable("no Go toolchain and no cached build (tests/apiserver/build.sh)")
    if result.returncode != 0:
        tail = " / ".join(result.stderr.strip().splitlines()[-3:])
        raise Unavailable(f"tests/apiserver/build.sh failed: {tail}")
    return _in(Path(result.stdout.strip().splitlines()[-1]))
