"""The pull request's base commit, checked out beside the work tree with the git CLI.

The one module that runs git. It runs with hooks off (a checkout runs `post-checkout`), no
prompt for credentials, and any directory owner accepted: in the container the workspace
belongs to the runner's user, not ours, and git refuses such repositories by default.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from drift_action.core.errors import InputError, UsageError
from drift_action.core.tools import ToolError, run_program, which

log = logging.getLogger(__name__)

_OPTIONS = ("-c", "core.hooksPath=/dev/null", "-c", "safe.directory=*")
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
_TIMEOUT = 300.0
_USERINFO = re.compile(r"(://)[^/@\s]+@")  # credentials in a remote URL, in git's messages


class NoGit(UsageError):
    """git is not on PATH."""


def git(repo: str, *args: str, timeout: float = _TIMEOUT) -> str:
    """Run git in `repo`; its errors, without credentials, as ToolError."""
    program = which("git")
    if program is None:
        raise NoGit("the base ref needs git, and git is not on PATH")
    try:
        return run_program(
            [program, *_OPTIONS, *args], cwd=repo, env=_ENV, timeout=timeout
        ).stdout.strip()
    except ToolError as exc:
        raise ToolError(
            _USERINFO.sub(r"\1***@", str(exc)),
            program="git",
            stderr=tuple(_USERINFO.sub(r"\1***@", line) for line in exc.stderr),
            returncode=exc.returncode,
        ) from exc


def resolve(repo: str, ref: str, *, fetch: bool, hint: str) -> str:
    """The commit `ref` names, fetched from `origin` first when the clone lacks it and `fetch`
    is set (a shallow clone of a pull request holds only its merge commit)."""
    if not ref or ref.startswith("-") or any(c.isspace() or c == "\0" for c in ref):
        raise UsageError(f"base ref {ref!r} is not a git ref or commit")
    try:
        inside = git(repo, "rev-parse", "--is-inside-work-tree") if os.path.isdir(repo) else ""
    except ToolError:
        inside = ""
    if inside != "true":
        raise UsageError(f"{repo} is not a git work tree: the base ref needs a clone")
    found = _commit(repo, ref)
    if found is None and fetch:
        try:
            git(repo, "fetch", "--no-tags", "--depth=1", "origin", ref)
        except ToolError as exc:
            log.info("fetching the base %s failed: %s", ref, exc)
        else:  # a branch name fetched into a shallow clone is only in FETCH_HEAD
            found = _commit(repo, ref) or _commit(repo, "FETCH_HEAD")
    if found is None:
        shallow = git(repo, "rev-parse", "--is-shallow-repository") == "true"
        why = "this shallow clone does not hold it" if shallow else "no such commit or ref"
        raise InputError(f"base ref {ref}: {why}; {hint}")
    return found


def _commit(repo: str, ref: str) -> str | None:
    try:
        return git(
            repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
    except ToolError:
        return None


@contextmanager
def worktree(repo: str, commit: str) -> Iterator[str]:
    """`commit` checked out in a temporary worktree (outside `repo`), removed afterwards."""
    parent = tempfile.mkdtemp(prefix="drift-base-")
    path = os.path.join(parent, "base")
    try:
        git(repo, "worktree", "add", "--detach", "--quiet", path, commit)
        log.info("checked out the base commit %s in %s", commit[:12], path)
        yield path
    finally:
        try:
            git(repo, "worktree", "remove", "--force", path)
        except ToolError as exc:
            log.info("removing the base worktree: %s", exc)
        shutil.rmtree(parent, ignore_errors=True)
        try:
            git(repo, "worktree", "prune")
        except ToolError as exc:
            log.info("pruning worktrees: %s", exc)
