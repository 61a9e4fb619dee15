"""The one user-facing error base: entry points turn it into exit code 2 and one line."""

from __future__ import annotations


class DriftActionError(Exception):
    """An error the user can act on; its message is a single line."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.detail = message
        super().__init__(_one_line(_locate(message, file, line)))


class UsageError(DriftActionError):
    """The command line or the action inputs are wrong."""


class InputError(DriftActionError):
    """A manifest, snapshot or other input file cannot be used."""


class GitHubError(DriftActionError):
    """GitHub refused a request (`status`: 401, 403, 404, 422 ...) or did not answer after
    retries (`status` 5xx, or None when it could not be reached). Publishing turns it into a
    warning: the report's own exit code stands."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)

    @property
    def refused(self) -> bool:
        return self.status is not None and self.status < 500


def _locate(message: str, file: str | None, line: int | None) -> str:
    if file is None:
        return message
    if line is None:
        return f"{file}: {message}"
    return f"{file}:{line}: {message}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
