"""Which paths git ignores in a work tree: its `.gitignore` files and `.git/info/exclude`.

A manifests folder in a repository often holds generated or local files that git ignores
(rendered output, editor backups, a `values.local.yaml`); they are not the desired state that
Git holds. Matching follows git's rules (pathspec's GitIgnoreSpec): a deeper `.gitignore`
overrides a shallower one, the last matching line wins, `!` re-includes. What git's index
tracks is not known without git: a tracked file that a pattern matches is skipped too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pathspec import GitIgnoreSpec

_LIMIT = 1024 * 1024  # a .gitignore is a few lines; more is not read


class GitIgnored:
    """Answers whether a path below one work tree's root is ignored."""

    def __init__(self, root: Path, readable: Callable[[str], bool]) -> None:
        self.root = root
        self._readable = readable  # a pattern file outside the run's confinement is not read
        self._specs: dict[Path, GitIgnoreSpec | None] = {}

    @classmethod
    def around(cls, folder: Path, readable: Callable[[str], bool]) -> GitIgnored | None:
        """The work tree `folder` is in (a parent holding `.git`), or None outside one."""
        current = Path(folder).absolute()
        for candidate in (current, *current.parents):
            if (candidate / ".git").exists():
                return cls(candidate, readable)
        return None

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        """Whether git ignores `path` (its folders are taken as not ignored: the walk that
        asks prunes an ignored folder before it reaches what is inside)."""
        path = Path(path).absolute()
        folder = path.parent
        while True:
            spec = self._spec(folder)
            if spec is not None:
                relative = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                verdict = spec.check_file(relative).include
                if verdict is not None:
                    return verdict
            if folder in (self.root, folder.parent):
                return False
            folder = folder.parent

    def _spec(self, folder: Path) -> GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            if folder == self.root:  # lowest priority: read first, so later lines win
                lines += _lines(folder / ".git" / "info" / "exclude", self._readable)
            lines += _lines(folder / ".gitignore", self._readable)
            try:
                self._specs[folder] = GitIgnoreSpec.from_lines(lines) if lines else None
            except ValueError:  # a line pathspec cannot read: git skips such lines too
                self._specs[folder] = GitIgnoreSpec.from_lines(_valid(lines))
        return self._specs[folder]


def _lines(file: Path, readable: Callable[[str], bool]) -> list[str]:
    if not file.is_file() or not readable(str(file)):
        return []
    try:
        with open(file, "rb") as handle:
            data = handle.read(_LIMIT)
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def _valid(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        try:
            GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        kept.append(line)
    return kept
