"""A fresh clone installs what was reviewed: the locks pin every dependency, with hashes, within
pyproject.toml's ranges; and a failing property test reports in seconds, not minutes."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from hypothesis import Phase, settings
from support import ROOT

LOCKS = (
    ROOT / "requirements.lock",
    ROOT / "requirements-test.lock",
    ROOT / "requirements-lint.lock",
    ROOT / "requirements-release.lock",
)


def check_locks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_locks", ROOT / "scripts" / "check_locks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_locks_are_in_step_with_pyproject() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_locks.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_stale_lock_is_caught(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("pyyaml==5.4.1 \\\n    --hash=sha256:00\n")
    found = check_locks().problems(["PyYAML>=6.0", "pathspec>=0.12"], lock)
    assert any("PyYAML==5.4.1 is outside" in line for line in found), found
    assert any("pathspec is not pinned" in line for line in found), found


def test_every_pin_carries_hashes() -> None:
    for lock in LOCKS:
        text = lock.read_text(encoding="utf-8")
        pins = re.findall(r"^[A-Za-z0-9][\w.-]*==\S+", text, re.MULTILINE)
        assert pins, lock
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        for block in blocks:
            if re.match(r"[A-Za-z0-9][\w.-]*==", block):
                assert "--hash=sha256:" in block, (lock.name, block.splitlines()[0])


def test_a_failure_is_reported_as_found_not_shrunk() -> None:
    # Shrinking one failure once took over 5 minutes of a CI run; DRIFT_FUZZ_SHRINK=1 opts in.
    if os.environ.get("DRIFT_FUZZ_SHRINK") == "1":
        assert Phase.shrink in settings.default.phases
    else:
        assert Phase.shrink not in settings.default.phases
    assert settings.default.print_blob
