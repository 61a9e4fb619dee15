"""How reports show a drifted object's fix: shell lines, one line for text, a copyable block
for Markdown, argv lists for JSON."""

from __future__ import annotations

import re
import shlex
from typing import Any

from drift_action.core.fixes import HIDDEN_VALUE, Remediation

_BACKTICKS = re.compile(r"`+")
# Said with a fix that has placeholders, in every format (Markdown quotes the placeholder, or
# GitHub would take it for an HTML tag and show nothing).
FILL_IN = "replace each {placeholder} with the value the run was given, which is never printed"


def shell_lines(fix: Remediation) -> list[str]:
    """Each command as a shell line, quoted so that it runs as the argv it stands for."""
    return [shlex.join(command) for command in fix.commands]


def text_line(fix: Remediation) -> str:
    """One line: the commands joined with `&&`, so that each runs only when the one before
    worked (a follow-up on an object whose apply failed would change the wrong state)."""
    line = " && ".join(shell_lines(fix)).replace("\n", "\\n")
    said = FILL_IN.format(placeholder=HIDDEN_VALUE)
    return f"fix: {line}" + (f"  ({said})" if fix.redacted else "")


def markdown_lines(fix: Remediation) -> list[str]:
    """A fenced `sh` block, one command a line; the fence outgrows any backticks in a path."""
    lines = shell_lines(fix)
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=2)
    fence = "`" * max(3, longest + 1)
    fill_in = FILL_IN.format(placeholder=f"`{HIDDEN_VALUE}`")
    said = f"Fix ({fill_in}):" if fix.redacted else "Fix:"
    return [said, "", f"{fence}sh", *lines, fence]


def as_json(fix: Remediation) -> dict[str, Any]:
    return {
        "kind": fix.kind.value,
        "command": list(fix.command),
        "then": [list(command) for command in fix.then],
        "redacted": fix.redacted,
    }
