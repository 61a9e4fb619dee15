"""Field paths such as `spec.template.spec.containers[name=web].image`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ListKey:
    """A list item chosen by its merge key: `[name=web]`, `[containerPort=80,protocol=TCP]`."""

    fields: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return "[" + ",".join(f"{k}={v}" for k, v in self.fields) + "]"


Segment = str | int | ListKey
Path = tuple[Segment, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def format_path(path: Path) -> str:
    """Dotted path; other keys are quoted: `metadata.labels["app.kubernetes.io/name"]`."""
    out: list[str] = []
    for segment in path:
        if isinstance(segment, ListKey):
            out.append(str(segment))
        elif isinstance(segment, int):
            out.append(f"[{segment}]")
        elif _PLAIN_KEY.match(segment):
            out.append(f".{segment}" if out else segment)
        else:
            out.append(f"[{json.dumps(segment)}]")
    return "".join(out)
