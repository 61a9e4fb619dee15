"""Runs that adopt nothing never load the YAML editor: the entry points import no ruamel."""

from __future__ import annotations

import subprocess
import sys


def test_the_entry_points_do_not_import_ruamel() -> None:
    code = (
        "import sys, drift_action.action, drift_action.cli, drift_action.github.publish\n"
        "print(sorted(m for m in sys.modules if m.startswith('ruamel')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
