"""bench/overlap_bench.py runs end to end on a tiny cluster: its table, never its times (the
script itself stops when the serial and the overlapped run differ in report or requests)."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT


def test_the_overlap_bench_prints_one_row_per_size_and_latency() -> None:
    done = subprocess.run(
        [
            *(sys.executable, str(ROOT / "bench" / "overlap_bench.py")),
            *("--sizes", "100", "--latency-ms", "0", "5", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "| objects | latency | serial (s) | overlapped (s) |" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 100 |")]
    assert [row.split("|")[2].strip() for row in rows] == ["0 ms", "5 ms"]
