"""GitHub Actions' file and log protocols: step summary, step outputs, workflow commands."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from drift_action.core.files import append_text


def command(name: str, message: str) -> str:
    """A workflow command line such as `::warning::text`, escaped so it stays one command."""
    escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{name}::{escaped}"


def append_summary(path: str, markdown: str) -> None:
    append_text(path, markdown if markdown.endswith("\n") else markdown + "\n")


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    lines = []
    for name, value in outputs.items():
        if "\n" in value:
            delimiter = f"EOF_{uuid.uuid4().hex}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    append_text(path, "".join(lines))
