"""Reading inputs and writing outputs on the filesystem, with errors people can act on."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from pathlib import Path

from drift_action.core.errors import InputError

STDIN = "-"


def display_path(path: Path | str) -> str:
    """A path as people expect to read it: relative to the working directory when inside it."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        return os.path.normpath(text)
    try:
        real, cwd = _real_file(text), _real_dir(os.getcwd())
    except (OSError, RuntimeError):  # a symlink loop: shown as given
        return str(Path(text))
    if real == cwd:
        return "."
    inside = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return real[len(inside) :] if real.startswith(inside) else str(Path(text))


def _real_file(path: str) -> str:
    """Path.resolve(), with the folder's part remembered: a run names thousands of files in
    a few hundred folders, and resolving each path component by component was a tenth of it."""
    if ".." in path.split(os.sep):  # `..` after a symlinked folder is not lexical
        return str(Path(path).resolve())
    folder, name = os.path.split(os.path.normpath(path))
    if not name or os.path.islink(path):
        return str(Path(path).resolve())  # raises RuntimeError on a loop, as a folder does
    return os.path.join(_real_dir(folder), name)


@functools.lru_cache(maxsize=4096)
def _real_dir(folder: str) -> str:
    return str(Path(folder).resolve())


def read_text(path: str) -> str:
    if path == STDIN:
        # The bytes, decoded as a file's are: the stream's own decoding could fail, or (in the C
        # locale) turn invalid UTF-8 into lone surrogates that nothing can encode again.
        stream = getattr(sys.stdin, "buffer", None)  # None: a text stream put in its place
        return sys.stdin.read() if stream is None else _decode(stream.read(), "<stdin>")
    shown = display_path(path)
    return _decode(read_bytes(path, shown=shown), shown)


def read_bytes(path: str, *, shown: str | None = None, expected: str = "a file") -> bytes:
    """A file's bytes, or an InputError people can act on; `-` is a file name here, not stdin.

    `shown` names the file in errors (default: `display_path(path)`), `expected` says what a
    folder was given in place of.
    """
    shown = display_path(path) if shown is None else shown
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InputError("no such file", file=shown) from exc
    except IsADirectoryError as exc:
        raise InputError(f"is a directory, expected {expected}", file=shown) from exc
    except PermissionError as exc:
        raise InputError("permission denied", file=shown) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=shown) from exc


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError("not valid UTF-8 text", file=shown, line=line) from exc


def write_atomic(path: str, text: str) -> None:
    """Write all of `text` or nothing: a failed run never leaves a half-written report.

    The file gets the mode a plain `open()` would give it (0644 under the usual umask), not the
    0600 of a temporary file: in the action the container writes it as root, and the next step
    (actions/upload-artifact) reads it as the runner's user.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=display_path(path)) from exc
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror}", file=display_path(path)) from exc


def _umask() -> int:
    # Only os.umask reads it, by setting it: set it back at once (the run writes from one thread).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def append_text(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=display_path(path)) from exc
