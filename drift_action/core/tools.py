"""The one module that runs external programs (helm, kustomize, kubectl, the Helm engine).

Every failure becomes a `ToolError`: one line naming the program, with the end of its error output,
so a missing binary, a crash or a timeout reads the same from every source. Every run is bounded:
a program that runs past its time, prints more than its share or (where asked) uses more memory
is killed with the processes it started, and its output is read as it comes, never held past the
limit.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from drift_action.core.bounds import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, format_size
from drift_action.core.errors import DriftActionError

STDERR_LINES = 4  # the end of a tool's error output is where the reason is
LINE_CHARS = 400
STDERR_KEPT = 64 * 1024  # bytes of a tool's error output kept: its end
_CHUNK = 64 * 1024
# How Go's runtime, Python and C libraries say that an allocation failed.
_OUT_OF_MEMORY = (b"out of memory", b"cannot allocate memory", b"Cannot allocate", b"MemoryError")


class ToolError(DriftActionError):
    """An external program is missing, failed, or went past a limit."""

    def __init__(
        self,
        message: str,
        *,
        program: str,
        stderr: tuple[str, ...] = (),
        returncode: int | None = None,
        file: str | None = None,
        limit: str | None = None,
        error_output: str = "",
    ) -> None:
        self.program = program
        self.stderr = stderr  # trimmed: the last few non-blank lines
        self.error_output = error_output  # the end of its error output, untrimmed
        self.returncode = returncode
        self.limit = limit  # "time", "output" or "memory" when a limit stopped the program
        super().__init__(message, file=file)


def which(name: str) -> str | None:
    """The full path of program `name` on PATH, or None.

    Relative PATH entries (`.`, an empty entry, `bin`) are skipped, as Go's exec.LookPath does:
    they resolve against the working directory, which in the action is the repository under
    review, and a `kustomize` committed there must not be what runs.
    """
    path = os.environ.get("PATH", os.defpath)
    absolute = os.pathsep.join(p for p in path.split(os.pathsep) if os.path.isabs(p))
    return shutil.which(name, path=absolute)


# A program started by `start_program`, for `finish_program`.
Started = subprocess.Popen[bytes]


@dataclass(frozen=True)
class Finished:
    stdout: str
    stderr: str  # its end: the last STDERR_KEPT bytes


def run_tool(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    file: str | None = None,
    input: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    memory_bytes: int | None = None,
) -> str:
    """Run `argv` and return its standard output; `file` names the input in error messages.

    `input` is written to its standard input (else it reads nothing). Past `timeout` seconds, or
    once its output passes `max_bytes`, the program and everything it started are killed.
    `memory_bytes` limits the data memory of the program (Linux).
    """
    return run_program(
        argv,
        cwd=cwd,
        timeout=timeout,
        file=file,
        input=input,
        max_bytes=max_bytes,
        memory_bytes=memory_bytes,
    ).stdout


def run_program(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    file: str | None = None,
    input: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    memory_bytes: int | None = None,
) -> Finished:
    """As `run_tool`, and the end of the program's error output too (where it logs); `env` is
    added to this process's environment."""
    process = start_program(argv, cwd=cwd, env=env, stdin=input is not None, file=file)
    return finish_program(
        process,
        timeout=timeout,
        file=file,
        input=input,
        max_bytes=max_bytes,
        memory_bytes=memory_bytes,
    )


def start_program(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bool = True,
    file: str | None = None,
) -> Started:
    """`argv` started, with pipes, in its own process group, for `finish_program`: a program
    may be started ahead, to load itself while this process does other work, and given its
    input and its limits once there is work for it."""
    program = argv[0]
    name = os.path.basename(program)
    try:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else {**os.environ, **env},
            # A tool must never wait for a person to type.
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a kill reaches what it started
        )
    except FileNotFoundError as exc:
        where = program if os.sep in program else "on PATH"
        raise ToolError(f"{name}: program not found {where}", program=name, file=file) from exc
    except PermissionError as exc:
        raise ToolError(f"{name}: not executable ({program})", program=name, file=file) from exc
    except OSError as exc:
        raise ToolError(f"{name}: cannot run: {exc.strerror}", program=name, file=file) from exc


def finish_program(
    process: Started,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    file: str | None = None,
    input: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    memory_bytes: int | None = None,
) -> Finished:
    """`run_program` from a started program on: its limits count from now."""
    args = process.args
    program = str(args[0] if isinstance(args, Sequence) and not isinstance(args, str) else args)
    name = os.path.basename(program)
    if memory_bytes is not None:
        _limit_memory(process.pid, memory_bytes)
    if input is None and process.stdin is not None:
        process.stdin.close()  # nothing to give it: it reads the end at once
    out = _Output(process, max_bytes)
    err = _Tail()
    if _wait(process, out, err, input, timeout):
        _kill(process)
        message = f"{name} did not finish within {timeout:g} seconds"
        raise ToolError(message, program=name, file=file, limit="time")
    if out.overflow:
        _kill(process)
        raise ToolError(
            f"{name} printed more than {format_size(max_bytes)} of output",
            program=name,
            file=file,
            limit="output",
        )
    returncode = process.returncode
    error_bytes = err.bytes()
    error_output = error_bytes.decode("utf-8", "replace")
    if returncode != 0:
        lines = trim_output(error_output)
        if memory_bytes is not None and any(sign in error_bytes for sign in _OUT_OF_MEMORY):
            raise ToolError(
                f"{name} ran out of memory (limit {format_size(memory_bytes)})",
                program=name,
                stderr=lines,
                returncode=returncode,
                file=file,
                limit="memory",
                error_output=error_output,
            )
        how = f"killed by signal {-returncode}" if returncode < 0 else f"exit code {returncode}"
        detail = " | ".join(lines) if lines else "no error output"
        raise ToolError(
            f"{name} failed ({how}): {detail}",
            program=name,
            stderr=lines,
            returncode=returncode,
            file=file,
            error_output=error_output,
        )
    stdout = _universal_newlines(out.bytes().decode("utf-8", "replace"))
    return Finished(stdout, error_output)


def _wait(
    process: subprocess.Popen[bytes], out: _Output, err: _Tail, input: str | None, timeout: float
) -> bool:
    """Feed and read the program until it ends and its pipes close; False once it has, True
    when `timeout` passed first."""
    threads = [
        threading.Thread(target=out.read, args=(process.stdout,), daemon=True),
        threading.Thread(target=err.read, args=(process.stderr,), daemon=True),
    ]
    if input is not None:
        threads.append(
            threading.Thread(target=_feed, args=(process.stdin, input.encode()), daemon=True)
        )
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    try:
        # The pipes close when the last process holding them ends. Joined first: Popen.wait
        # with a timeout polls, and notices the end up to 50 ms late.
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return True
    except BaseException:  # Ctrl-C: its own process group does not get the terminal's signal
        _kill(process)
        raise
    return any(thread.is_alive() for thread in threads) and not out.overflow


class _Output:
    """A program's standard output, read as it comes; past the limit the program is killed."""

    def __init__(self, process: subprocess.Popen[bytes], limit: int) -> None:
        self.process = process
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.overflow = False

    def read(self, pipe: IO[bytes]) -> None:
        while chunk := pipe.read1(_CHUNK):  # type: ignore[attr-defined]
            self.size += len(chunk)
            if self.size > self.limit:
                self.overflow = True
                self.chunks.clear()
                _kill(self.process)
                return
            self.chunks.append(chunk)

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


class _Tail:
    """The end of a program's error output: the reason is there, and it may be endless."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.size = 0

    def read(self, pipe: IO[bytes]) -> None:
        while chunk := pipe.read1(_CHUNK):  # type: ignore[attr-defined]
            self.chunks.append(chunk)
            self.size += len(chunk)
            while self.size - len(self.chunks[0]) >= STDERR_KEPT:
                self.size -= len(self.chunks.popleft())

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


def _feed(pipe: IO[bytes], data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the program stopped reading (it failed, or was killed): its exit says why


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the program and the processes it started (its process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    except AttributeError:  # no process groups on this platform
        process.kill()
    process.wait()


def _limit_memory(pid: int, limit: int) -> None:
    """At most `limit` bytes of data memory (RLIMIT_DATA: what the program writes, not the
    address space Go reserves); where the platform offers no prlimit, no limit."""
    try:
        import resource  # noqa: PLC0415 (POSIX only)

        resource.prlimit(pid, resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def trim_output(text: str) -> tuple[str, ...]:
    """The last few non-blank lines of `text`, each cut to a readable length."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return tuple(_clip(line) for line in lines[-STDERR_LINES:])


def _clip(line: str) -> str:
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 3] + "..."
