"""The one module that runs external programs (helm, kustomize, kubectl).

Every failure becomes a `ToolError`: one line naming the program, with the end of its error output,
so a missing binary, a crash or a timeout reads the same from every source.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

from drift_action.errors import DriftActionError

STDERR_LINES = 4  # the end of a tool's error output is where the reason is
LINE_CHARS = 400


class ToolError(DriftActionError):
    """An external program is missing, failed or timed out."""

    def __init__(
        self,
        message: str,
        *,
        program: str,
        stderr: tuple[str, ...] = (),
        returncode: int | None = None,
        file: str | None = None,
    ) -> None:
        self.program = program
        self.stderr = stderr  # trimmed: the last few non-blank lines
        self.returncode = returncode
        super().__init__(message, file=file)


def which(name: str) -> str | None:
    """The full path of program `name` on PATH, or None."""
    return shutil.which(name)


def run_tool(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    timeout: float = 120,
    file: str | None = None,
) -> str:
    """Run `argv` and return its standard output; `file` names the input in error messages."""
    program = argv[0]
    name = os.path.basename(program)
    try:
        completed = subprocess.run(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,  # a tool must never wait for a person to type
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        where = program if os.sep in program else "on PATH"
        raise ToolError(f"{name}: program not found {where}", program=name, file=file) from exc
    except PermissionError as exc:
        raise ToolError(f"{name}: not executable ({program})", program=name, file=file) from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(
            f"{name} did not finish within {timeout:g} seconds", program=name, file=file
        ) from exc
    except OSError as exc:
        raise ToolError(f"{name}: cannot run: {exc.strerror}", program=name, file=file) from exc
    if completed.returncode != 0:
        lines = trim_output(completed.stderr)
        how = (
            f"killed by signal {-completed.returncode}"
            if completed.returncode < 0
            else f"exit code {completed.returncode}"
        )
        detail = " | ".join(lines) if lines else "no error output"
        raise ToolError(
            f"{name} failed ({how}): {detail}",
            program=name,
            stderr=lines,
            returncode=completed.returncode,
            file=file,
        )
    return completed.stdout


def trim_output(text: str) -> tuple[str, ...]:
    """The last few non-blank lines of `text`, each cut to a readable length."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return tuple(_clip(line) for line in lines[-STDERR_LINES:])


def _clip(line: str) -> str:
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 3] + "..."
