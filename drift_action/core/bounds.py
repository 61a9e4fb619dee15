"""How long a render may run and how much it may print (kustomize, helm and the Helm engine),
and how deep a document may nest.

A chart whose template loops without end, or prints gigabytes, must stop the run with one line,
not hang it or exhaust the machine's memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drift_action.core.errors import UsageError

MIB = 1024 * 1024
DEFAULT_TIMEOUT = 120.0  # seconds
DEFAULT_MAX_BYTES = 256 * MIB
# The bundled Helm engine renders in a child process whose data memory is limited: Python and
# Go take about 150 MiB to start (Go limited to 2 threads), and the rendered text is held a few
# times over (Go's strings, the JSON handed to Python, the decoded result) before it is counted.
BASE_MEMORY = 512 * MIB
MEMORY_PER_OUTPUT_BYTE = 4

# How deep lists and mappings may nest in one document read as YAML or JSON. Far deeper than any
# manifest (a CRD's schema nests some tens of levels), and shallow enough for the recursive walks
# that normalize, compare and report objects (about 500 levels ended in a RecursionError there).
# libyaml stops at 1,000 levels of its own; this limit is counted first (`yaml_build`).
MAX_NESTING = 200

_SIZE = re.compile(r"(\d+)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}


@dataclass(frozen=True)
class RenderLimits:
    timeout: float = DEFAULT_TIMEOUT  # seconds for one render (one chart, one kustomization)
    max_bytes: int = DEFAULT_MAX_BYTES  # of rendered output

    @property
    def memory_bytes(self) -> int:
        """The address space the bundled Helm engine's child process may use for data."""
        return BASE_MEMORY + MEMORY_PER_OUTPUT_BYTE * self.max_bytes


def parse_size(text: str, what: str) -> int:
    """`268435456`, `256M`, `256MiB`, `64k`, `1G`: a positive number of bytes."""
    match = _SIZE.fullmatch(text.strip())
    if match is None or int(match.group(1)) <= 0:
        raise UsageError(f"{what}: expected a size such as 256M, 64K or 1G, got {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def parse_seconds(text: str, what: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise UsageError(f"{what}: expected a positive number of seconds, got {text!r}")
    return seconds


def format_size(size: int) -> str:
    """`268435456` -> `256 MiB`; sizes below a KiB in bytes."""
    for unit, factor in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"
