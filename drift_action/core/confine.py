"""Keep the files a run reads inside one folder: the workspace in the action, `--confine-to`.

A repository is data, and a pull request can add a symlink: `deploy/x.yaml -> /etc/passwd`, a
chart file pointing at the runner's credentials, a values file outside the checkout. With a root
set, every path a run is given, and every file found by walking a folder, must resolve (symlinks
followed) inside it; otherwise the run stops with one line naming the input and the path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from drift_action.core.errors import InputError
from drift_action.core.files import STDIN, display_path


@dataclass(frozen=True)
class PathPolicy:
    """Where input files may be; `root=None` (the default): anywhere."""

    root: str | None = None  # a real path: symlinks resolved
    name: str = "the workspace"  # how messages name the root

    @classmethod
    def inside(cls, folder: str, name: str) -> PathPolicy:
        return cls(os.path.realpath(folder), name)

    def allows(self, path: str) -> bool:
        """Whether `path` resolves inside the root (always, with no root)."""
        return self.root is None or path == STDIN or _within(os.path.realpath(path), self.root)

    def check(self, path: str, what: str) -> None:
        """Refuse `path` (`what` names the input) when it resolves outside the root."""
        if self.root is None or path == STDIN:
            return
        real = os.path.realpath(path)
        if not _within(real, self.root):
            shown = display_path(path)
            how = "" if os.path.normpath(os.path.abspath(path)) == real else f" resolves to {real},"
            raise InputError(f"{what}{how} outside {self.name} ({self.root}): refused", file=shown)

    def check_tree(self, folder: str, what: str) -> None:
        """`folder` and every symlink below it must resolve inside the root (a file that is
        not a link lies where its folder does)."""
        if self.root is None:
            return
        self.check(folder, what)
        if not os.path.isdir(folder):
            return
        for parent, folders, files in os.walk(folder):  # links to folders are not entered
            for entry in (*folders, *files):
                path = os.path.join(parent, entry)
                if os.path.islink(path):
                    self.check(path, f"a link in the {what}")


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)
