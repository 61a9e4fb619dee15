"""The base of a pull request, made ready for the pipeline: a folder given by hand, or a ref
checked out in a temporary git worktree (removed after)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from drift_action.config.file import load_config
from drift_action.core.errors import DriftActionError, UsageError
from drift_action.desired import BaseOptions
from drift_action.sources import SourceSpec, TerraformSpec
from drift_action.sources.git_base import NoGit, git, resolve, worktree
from drift_action.sources.reroot import moved

log = logging.getLogger(__name__)

PRIOR_STATE = "the plan's prior state"


@contextmanager
def base_checkout(
    specs: Sequence[SourceSpec],
    *,
    folder: str | None = None,
    ref: str | None = None,
    config_file: str | None = None,
    fetch: bool = False,
    hint: str = "fetch it first (git fetch origin REF), or give a checkout of it with --base DIR",
    no_git_hint: str = "check out the base commit yourself and give its folder with --base DIR",
) -> Iterator[BaseOptions | None]:
    """What the pipeline compares the head with: None without a folder or ref. `config_file`
    is the config whose sources the run uses (None: the sources come from flags or inputs);
    the base's own copy of it then says which sources the base had."""
    if folder is None and not ref:
        yield None
        return
    if specs and all(isinstance(spec, TerraformSpec) for spec in specs):
        yield BaseOptions(PRIOR_STATE)  # a plan carries its own base: no checkout needed
        return
    cwd = os.getcwd()
    if folder is not None:
        root = os.path.abspath(folder)
        yield BaseOptions(
            f"base checkout {folder}", root, _sources(config_file, root, cwd), checked_out=False
        )
        return
    assert ref is not None
    try:
        commit = resolve(cwd, ref, fetch=fetch, hint=hint)
    except NoGit as exc:
        raise UsageError(f"{exc}: install git, or {no_git_hint}") from exc
    prefix = git(cwd, "rev-parse", "--show-prefix")  # the working directory, in the repository
    named = commit[:12] if ref.lower().startswith(commit[:12].lower()) else f"{commit[:12]} ({ref})"
    with worktree(cwd, commit) as path:
        root = os.path.join(path, prefix)
        yield BaseOptions(
            f"base commit {named}", root, _sources(config_file, root, cwd), checked_out=True
        )


def _sources(config_file: str | None, root: str, cwd: str) -> tuple[SourceSpec, ...] | None:
    """The sources the base's copy of the config file lists; None: use the run's own (no
    config file, or none at the base, or one that cannot be read there)."""
    if config_file is None:
        return None
    at_base = moved(config_file, root, cwd)
    if not os.path.isfile(at_base):
        return None
    try:
        found = load_config(at_base, programs=False).sources
    except DriftActionError as exc:
        log.warning("the base's config file is not used (%s): the head's sources are", exc)
        return None
    return found or None
