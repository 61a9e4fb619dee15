"""What each class of difference means to a reviewer, and the report's resources sorted into
sections by class (drift, conflicts, what the PR changes, adopted), shared by text and
Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drift_action.core.model import (
    Change,
    ChangeClass,
    ChangeType,
    Report,
    ResourceResult,
    Severity,
    Status,
)

TITLES = {
    ChangeClass.DRIFT: "Drift already in the cluster",
    ChangeClass.CONFLICT: "Conflicts",
    ChangeClass.PLANNED: "What this PR changes",
    ChangeClass.ADOPTED: "Adopted from the cluster",
}
ERRORS_TITLE = "Could not be checked"
# What a left-out summary line counts as, after "N resources".
COUNTS_AS = {
    ChangeClass.DRIFT: "with drift",
    ChangeClass.CONFLICT: "with conflicts",
    ChangeClass.PLANNED: "changed by this PR",
    ChangeClass.ADOPTED: "adopted from the cluster",
    None: "that could not be checked",
}
HIDDEN = "(hidden)"


class _Nothing:
    """A side where the field is not set (absent from the cluster, not in Git)."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()


@dataclass(frozen=True)
class Terms:
    """How the report names the desired state: "Git", or "Desired" for a Terraform plan."""

    desired: str = "Git"  # a label: "`-` Git"
    where: str = "Git"  # in a sentence: "in Git, not in the cluster"
    outside: str = "outside Git"


GIT = Terms()
TERRAFORM = Terms("Desired", "the desired state", "outside Terraform")


def terms_for(report: Report) -> Terms:
    terraform = any(r.source is not None and r.source.address for r in report.resources)
    return TERRAFORM if terraform else GIT


@dataclass(frozen=True)
class Entry:
    """One resource in one section: the changes of that class, or the object as a whole."""

    result: ResourceResult
    change_class: ChangeClass | None  # None: the resource could not be checked
    changes: tuple[Change, ...]
    whole: bool  # the object itself differs: missing, extra, created, deleted or adopted

    @property
    def result_key(self) -> str:
        return f"{self.result.key.group}/{self.result.key}"

    @property
    def key(self) -> str:
        """The resource in this section, for counting what a cut leaves out."""
        which = self.change_class.value if self.change_class else "error"
        return f"{which}:{self.result_key}"

    @property
    def severity(self) -> Severity | None:
        return min((c.severity for c in self.changes), key=lambda s: s.rank, default=None)

    @property
    def tag(self) -> str:
        """The worst severity, or what happens to the object as a whole."""
        if self.change_class is None:
            return "error"
        if self.whole:
            return _WHOLE_TAG[(self.change_class, self.result.status)]
        return self.severity.value if self.severity else "changed"

    def sort_key(self) -> tuple[int, int, tuple[str, str, str, str]]:
        # A whole object ranks with the most severe field changes; then missing before extra.
        rank = 0 if self.whole or self.severity is None else self.severity.rank
        key = self.result.key
        return (
            rank,
            _STATUS_ORDER[self.result.status],
            (key.group, key.kind, key.namespace, key.name),
        )


_STATUS_ORDER = {status: i for i, status in enumerate(Status)}
_WHOLE_TAG = {
    (ChangeClass.DRIFT, Status.MISSING): "missing",
    (ChangeClass.DRIFT, Status.EXTRA): "extra",
    (ChangeClass.PLANNED, Status.MISSING): "new",
    (ChangeClass.PLANNED, Status.EXTRA): "deleted",
    (ChangeClass.ADOPTED, Status.IN_SYNC): "adopted",
    (ChangeClass.CONFLICT, Status.MISSING): "missing",
    (ChangeClass.CONFLICT, Status.EXTRA): "extra",
}


@dataclass(frozen=True)
class Section:
    change_class: ChangeClass | None  # None: resources that could not be checked
    entries: tuple[Entry, ...]

    @property
    def title(self) -> str:
        return ERRORS_TITLE if self.change_class is None else TITLES[self.change_class]

    @property
    def counts_as(self) -> str:
        return COUNTS_AS[self.change_class]


def sections(report: Report) -> tuple[Section, ...]:
    """Non-empty sections in reading order: errors, then each class; in each, most severe
    first across all resources."""
    errors = [Entry(r, None, (), whole=True) for r in report.resources if r.status is Status.ERROR]
    found: list[Section] = []
    if errors:
        found.append(Section(None, tuple(sorted(errors, key=Entry.sort_key))))
    for change_class in ChangeClass:
        entries = [e for r in report.resources if (e := _entry(r, change_class)) is not None]
        if entries:
            found.append(Section(change_class, tuple(sorted(entries, key=Entry.sort_key))))
    return tuple(found)


def _entry(result: ResourceResult, change_class: ChangeClass) -> Entry | None:
    if result.status is Status.ERROR or change_class not in result.classes:
        return None
    changes = tuple(c for c in result.changes if c.change_class is change_class)
    whole = (result.object_class or ChangeClass.DRIFT) is change_class and (
        result.status in (Status.MISSING, Status.EXTRA)
        or (result.status is Status.IN_SYNC and result.object_class is change_class)
    )
    return Entry(result, change_class, changes, whole)


def is_hidden(change: Change) -> bool:
    """Secret data and sensitive values: no side, the base included, is ever shown."""
    return change.redacted or HIDDEN in (change.desired, change.live)


def sides(change: Change, change_class: ChangeClass | None) -> tuple[Any, Any]:
    """(old, new) in the order things happened or will happen: Git -> cluster for drift;
    cluster -> this PR for planned changes and conflicts (what merging does); Git at base ->
    this PR for adopted values. NOTHING where the field is not set."""
    git = NOTHING if change.type in (ChangeType.REMOVED, ChangeType.ADDED) else change.desired
    live = NOTHING if change.type is ChangeType.MISSING else change.live
    if change_class is ChangeClass.ADOPTED:
        return (NOTHING if change.base is None else change.base), git
    if change_class in (ChangeClass.PLANNED, ChangeClass.CONFLICT):
        return live, git
    return git, live


def attributed(change_class: ChangeClass | None) -> bool:
    """Whether who last wrote the live value matters: not for what the PR itself changes."""
    return change_class is not ChangeClass.PLANNED


def kind_text(change: Change, change_class: ChangeClass | None, terms: Terms) -> str:
    """What kind of difference it is, when not a plain change of value ("" then)."""
    if change_class is ChangeClass.PLANNED:
        if change.type is ChangeType.MISSING:
            return "added by this PR"
        return "" if change.type is ChangeType.CHANGED else "removed by this PR"
    if change_class is ChangeClass.ADOPTED:
        return f"new in {terms.where}" if change.base is None else ""
    if change_class is ChangeClass.CONFLICT:
        return ""
    return {
        ChangeType.CHANGED: "",
        ChangeType.MISSING: "not in the cluster",
        ChangeType.REMOVED: f"removed from {terms.where}, still live",
        ChangeType.ADDED: f"added {terms.outside}",
    }[change.type]


def hidden_text(change: Change, change_class: ChangeClass | None, terms: Terms) -> str:
    """A Secret's or sensitive value's change: what happened, never the value."""
    kind = kind_text(change, change_class, terms)
    return f"{kind} (value hidden)" if kind else "value changed (hidden)"


def whole_text(entry: Entry, terms: Terms) -> str:
    """What happens to an object as a whole, in a few words."""
    status = entry.result.status
    if entry.change_class is ChangeClass.PLANNED:
        if status is Status.MISSING:
            return "created on merge"
        return "deleted on merge if your deployer prunes, else left orphaned"
    if entry.change_class is ChangeClass.ADOPTED:
        return f"this PR adds it to {terms.where} as it is live"
    if status is Status.MISSING:
        return f"in {terms.where}, not in the cluster"
    return f"in the cluster, not in {terms.where}"
