"""Running bench/run_bench.py as a user would, for the benchmark's smoke tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from support import ROOT

BENCH = ROOT / "bench"


def run_bench(out: Path, *args: str) -> tuple[str, list[dict[str, Any]]]:
    """Its standard output and the rows it wrote to `out` (--json), after asserting it passed."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_bench.py"), *args, "--json", str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads(out.read_text())
