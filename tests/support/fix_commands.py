"""Running the fixes a JSON report prints, as a person would paste them: each command of each
drifted or missing resource, in order, with the real `kubectl` against a given cluster."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def fixes(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`Kind/name` -> its remediation, for every resource that has one."""
    return {
        f"{r['kind']}/{r['name']}": r["remediation"]
        for r in document["resources"]
        if r.get("remediation") is not None
    }


def run_fixes(
    document: Mapping[str, Any],
    *,
    kubectl: Path,
    kubeconfig: Path,
    context: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> list[list[str]]:
    """Run every command as printed, the report's relative paths resolved from `cwd`; only
    `kubectl` is replaced by the given binary and the cluster named. Returns what ran."""
    ran: list[list[str]] = []
    for fix in fixes(document).values():
        for argv in [fix["command"], *fix["then"]]:
            assert argv[0] == "kubectl", argv
            full = [str(kubectl), *argv[1:], f"--kubeconfig={kubeconfig}", f"--context={context}"]
            done = subprocess.run(
                full, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
            )
            assert done.returncode == 0, (argv, done.stdout, done.stderr)
            ran.append(argv)
    return ran
