"""The records of one adoption: what to change in which file, and what was left alone."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from drift_action.core.model import ResourceKey
from drift_action.core.paths import Path


class Action(enum.Enum):
    SET = "set"  # write the live value at the path (changed, added, removed from Git)
    DELETE = "delete"  # drop the path from Git (Git sets it, the cluster does not)


@dataclass(frozen=True)
class Edit:
    """One field of one object to make equal to the live value."""

    path: Path
    action: Action
    value: Any  # the live value for SET; None for DELETE
    git: Any  # what Git's rendered object holds there (None: unset), to check the file agrees
    present: bool  # whether Git's rendered object sets the path


@dataclass(frozen=True)
class Target:
    """The edits of one object, in the file it was declared in."""

    file: str  # as the report names it
    key: ResourceKey
    api_version: str
    line: int | None  # the line its document starts, when the source knows
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class FileChange:
    """A file's text before and after adoption; `path` is relative to the repository root."""

    path: str
    before: str
    after: str


@dataclass(frozen=True)
class AdoptPlan:
    files: tuple[FileChange, ...] = ()
    # Differences not adopted and why, one line each (Secret values, controllers, Helm...).
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.files
