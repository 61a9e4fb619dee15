"""The benchmark's peak RSS is the measured process's own, not its parent's.

`getrusage`'s ru_maxrss survives exec: a child started by a big parent reported the parent's
peak, which is how the 1,000-object run once read 48 MB instead of 26 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

BENCH = ROOT / "bench"
PARENT_MB = 200

CHILD = f"""
import json, resource, sys
sys.path.insert(0, {str(BENCH)!r})
import measure
inherited = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
reset = measure._reset_peak_rss()
print(json.dumps({{"inherited_mb": inherited, "reset": reset,
                  "hwm_mb": (measure._status_kb("VmHWM") or 0) // 1024}}))
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux /proc only")
def test_the_peak_starts_from_the_child_not_from_its_parent() -> None:
    ballast = bytearray(PARENT_MB * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))  # touch every page
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    del ballast
    seen = json.loads(done.stdout)
    assert seen["inherited_mb"] >= PARENT_MB  # what the old measure would have counted
    assert seen["reset"] is True
    assert seen["hwm_mb"] < PARENT_MB // 2
