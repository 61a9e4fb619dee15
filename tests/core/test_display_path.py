"""display_path names a file relative to the working directory when it is inside it, symlinks
resolved, as pathlib's resolve() + relative_to() does; it remembers folders it resolved (a run
names thousands of files), and that must not change what it shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drift_action.core.files import display_path


def by_pathlib(path: str) -> str:
    """The plain definition: what display_path showed before it remembered folders."""
    given = Path(path)
    if not given.is_absolute():
        return os.path.normpath(given)
    try:
        return str(given.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(given)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    (work / "apps" / "web").mkdir(parents=True)
    (work / "apps" / "web" / "deploy.yaml").write_text("{}")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.yaml").write_text("{}")
    (work / "linked").symlink_to(tmp_path / "outside")  # a folder link leading out
    (work / "inlink").symlink_to(work / "apps")  # a folder link staying in
    (work / "file-link.yaml").symlink_to(tmp_path / "outside" / "x.yaml")
    (tmp_path / "cwd-link").symlink_to(work)
    monkeypatch.chdir(work)
    return tmp_path


@pytest.mark.parametrize(
    "relative",
    [
        "work/apps/web/deploy.yaml",
        "work/apps/web/../web/deploy.yaml",
        "work/linked/x.yaml",
        "work/linked/../apps/web/deploy.yaml",  # `..` after a link: not lexical
        "work/inlink/web/deploy.yaml",
        "work/file-link.yaml",
        "outside/x.yaml",
        "work",
        "work/",
        "cwd-link/apps/web/deploy.yaml",
        "work//apps/./web/deploy.yaml",
        "work/missing/file.yaml",
    ],
)
def test_shown_as_resolve_and_relative_to_show_it(tree: Path, relative: str) -> None:
    path = f"{tree}/{relative}"
    for _ in range(2):  # the second time from what it remembered
        assert display_path(path) == by_pathlib(path)
        assert display_path(Path(path)) == by_pathlib(path)


def test_relative_paths_are_only_normalized(tree: Path) -> None:
    assert display_path("apps/./web/deploy.yaml") == "apps/web/deploy.yaml"
    assert display_path("inlink/../apps") == by_pathlib("inlink/../apps")


def test_a_changed_working_directory_is_followed(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"{tree}/work/apps/web/deploy.yaml"
    assert display_path(path) == "apps/web/deploy.yaml"
    monkeypatch.chdir(tree / "work" / "apps")
    assert display_path(path) == "web/deploy.yaml"
