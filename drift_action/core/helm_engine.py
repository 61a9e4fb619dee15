"""The Helm engine's process, started ahead of its render (a warm worker).

Starting the engine costs about as much as `helm template` takes for a whole chart: a Python
interpreter, the engine's modules and Helm's Go library (85 MB, with Go's runtime) load before
it reads its request. A run that knows it will render a chart calls `warm_up` as early as it
can (the CLI as soon as its flags name a chart, before it imports the rest of itself), and that
start overlaps the run's own work. The process then waits for its request on standard input.

Each render still gets a process of its own, used once: `render.py` gives it the same time,
output and memory limits, counted from the request, as to a process started for the render,
and the chart is first read after the request. A process started ahead and never asked is
killed when this process exits (or reads the end of its input, should this one die first).

The CLI imports this module before the rest of the run, so it lives here rather than beside
the engine in `sources/helm/` (importing that package loads every source: 60-120 ms before
the engine could start); it loads little (`core.tools`), and names the engine by its path.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

from drift_action.core.errors import DriftActionError
from drift_action.core.tools import Started, start_program

_ENGINE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "sources", "helm", "__main__.py")


def command() -> list[str]:
    # -P: the working directory (a repository) is not put on the module path, nor this
    # package's folder. By path rather than -m: see `__main__`.
    return [sys.executable, "-P", _ENGINE]


def environment() -> dict[str, str]:
    # Go's threads, and so its memory, do not grow with the machine's cores: a render runs on
    # one, and the memory limit must hold on any machine.
    return {"GOMAXPROCS": os.environ.get("GOMAXPROCS", "2")}


class _Engines:
    """The one process started ahead, and how many more renders the run announced."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spare: Started | None = None
        self.expected = 0  # renders announced and not asked for yet

    def warm_up(self, renders: int) -> None:
        with self.lock:
            self.expected = max(self.expected, renders)
            if self.spare is None or self.spare.poll() is not None:
                _discard(self.spare)
                self.spare = _start()

    def take(self, file: str | None) -> Started:
        with self.lock:
            process, self.spare = self.spare, None
            self.expected = max(0, self.expected - 1)
            if self.expected:
                self.spare = _start()  # loads while this render runs
        if process is not None and process.poll() is None:
            return process
        _discard(process)  # none started ahead, or it died waiting (killed from outside)
        return start_program(command(), env=environment(), file=file)

    def stop(self) -> None:
        with self.lock:
            process, self.spare = self.spare, None
        _discard(process)


_engines = _Engines()
atexit.register(_engines.stop)


def warm_up(renders: int = 1) -> None:
    """Start the engine for the first of `renders` renders the run will ask for (each later
    one is started when the one before is taken). Never fails: a process that cannot start
    fails again, and is reported, when the render asks for it."""
    _engines.warm_up(renders)


def take(file: str | None = None) -> Started:
    """An engine process for one render: the one started ahead if it is still running, else
    one started now (a `ToolError` if it cannot be)."""
    return _engines.take(file)


def _start() -> Started | None:
    try:
        return start_program(command(), env=environment())
    except DriftActionError:  # the render that asks for it says why
        return None


def _discard(process: Started | None) -> None:
    if process is None:
        return
    if process.poll() is None:
        process.kill()
        process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
