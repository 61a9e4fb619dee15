"""The lock files are in step with pyproject.toml (run by .ci/run, offline).

Every dependency that pyproject.toml names is pinned in requirements.lock (runtime) and
requirements-test.lock (runtime plus the `test` extra) at a version its range allows, and the two
locks pin the runtime packages alike; the tool locks (requirements-lint.lock,
requirements-release.lock) pin what their .in files name. When this fails, rerun scripts/lock.sh
and commit the locks.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
# The image and CI run Python 3.11 on Linux; a marker that excludes them needs no pin.
ENVIRONMENT = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux"}


def pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            found[canonicalize_name(match[1])] = match[2]
    return found


def problems(requirements: list[str], lock: Path) -> list[str]:
    pinned = pins(lock)
    out = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(ENVIRONMENT):
            continue
        version = pinned.get(canonicalize_name(req.name))
        if version is None:
            out.append(f"{lock.name}: {req.name} is not pinned (pyproject.toml: {text})")
        elif not req.specifier.contains(version, prereleases=True):
            out.append(f"{lock.name}: {req.name}=={version} is outside pyproject.toml's {text}")
    return out


def requirements_in(path: Path) -> list[str]:
    """The requirements of a .in file (one a line; comments and blank lines skipped)."""
    lines = (
        line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
    )
    return [line for line in lines if line]


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = project.get("dependencies", [])
    test = project.get("optional-dependencies", {}).get("test", [])
    runtime_lock, test_lock = ROOT / "requirements.lock", ROOT / "requirements-test.lock"
    found = problems(runtime, runtime_lock) + problems(runtime + test, test_lock)
    for tools in ("lint", "release"):
        found += problems(
            requirements_in(ROOT / f"requirements-{tools}.in"), ROOT / f"requirements-{tools}.lock"
        )
    test_pins = pins(test_lock)
    for name, version in pins(runtime_lock).items():
        if test_pins.get(name) != version:
            found.append(
                f"{test_lock.name} pins {name} at {test_pins.get(name)}, "
                f"{runtime_lock.name} at {version}"
            )
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print("The locks are out of step with pyproject.toml: run scripts/lock.sh", file=sys.stderr)
        return 1
    print("the locks pin every dependency pyproject.toml names, within its ranges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
