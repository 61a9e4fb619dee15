"""Shared helpers for the tests: where things are, and how to run the CLI and the action."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"  # test data, most of it from other projects (see its READMEs)
GOLDEN = ROOT / "tests" / "golden"  # the expected reports of tests/report/test_reports.py


def cli_command() -> list[str]:
    """The installed console script, as a user runs it."""
    script = shutil.which("drift-action")
    if script is None:
        pytest.fail("drift-action is not installed: see the README's Quick start (step 2)")
    return [script]


def run_cli(
    *args: str,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    # The user's own cluster settings must not leak into a test.
    hidden = ("NO_COLOR", "KUBECONFIG", "DRIFT_ACTION_TOKEN", "KUBERNETES_SERVICE_HOST")
    env = {**{k: v for k, v in os.environ.items() if k not in hidden}, **(env or {})}
    return subprocess.run(
        [*cli_command(), *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def action_entrypoint() -> list[str]:
    """The Dockerfile's ENTRYPOINT (its last stage's, the image GitHub builds), with this
    interpreter in place of the image's virtual environment's `python`."""
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line.startswith("ENTRYPOINT ")]
    assert entries, "the Dockerfile has no ENTRYPOINT"
    argv = json.loads(entries[-1].removeprefix("ENTRYPOINT "))
    assert argv[0] == "/opt/drift-action/venv/bin/python", argv
    return [sys.executable, *argv[1:]]


def run_action(workspace: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """The action the way its container runs it: the Dockerfile's ENTRYPOINT, in the workspace."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    return subprocess.run(
        action_entrypoint(),
        cwd=workspace,
        capture_output=True,
        text=True,
        env={**base, "GITHUB_WORKSPACE": str(workspace), **env},
        timeout=120,
        check=False,
    )
