"""Immutable records that flow between the pipeline stages."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drift_action.core.fixes import Origin, Remediation
from drift_action.core.paths import Path, format_path

if TYPE_CHECKING:
    from drift_action.core.reconcile import Reconciliation


class Status(enum.Enum):
    """Verdict for one resource, in the order reports list them."""

    MISSING = "missing"
    DRIFTED = "drifted"
    ERROR = "error"
    EXTRA = "extra"
    IN_SYNC = "in_sync"

    @property
    def is_drift(self) -> bool:
        return self in (Status.MISSING, Status.DRIFTED, Status.EXTRA)


class ChangeClass(enum.Enum):
    """What a difference means for a pull request (base, head and live state compared), in the
    order reports list them. Without a base every difference is DRIFT, as before."""

    DRIFT = "drift"  # the cluster moved off Git: merging re-applies Git and reverts it
    CONFLICT = "conflict"  # the PR and the cluster both moved, in different directions
    PLANNED = "planned"  # the PR changes it on merge (a preview, not drift)
    ADOPTED = "adopted"  # the PR writes the live (hand-made) value into Git

    @property
    def fails(self) -> bool:
        """Whether it fails the job under the default `fail_on: drift`."""
        return self in (ChangeClass.DRIFT, ChangeClass.CONFLICT)

    @property
    def rank(self) -> int:
        return list(ChangeClass).index(self)


class FailOn(enum.Enum):
    """Which differences fail the run (exit 1)."""

    DRIFT = "drift"  # drift and conflicts
    ANY = "any"  # planned and adopted changes too
    NONE = "none"


class Observer(enum.Enum):
    """Who saw the live state a result is about."""

    LIVE = "live"  # drift-action read the object: a snapshot or the cluster
    TERRAFORM = "terraform"  # Terraform's refresh, recorded in a plan's resource_drift


class ChangeType(enum.Enum):
    CHANGED = "changed"  # both sides have the field, with different values
    MISSING = "missing"  # the desired object sets the field, the live object lacks it
    REMOVED = "removed"  # Git no longer sets a field the deployer had set; it is still live
    ADDED = "added"  # a person set a field outside Git that Git does not set


class Severity(enum.Enum):
    """How much a change matters, most severe first."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Actor(enum.Enum):
    """What kind of field manager last wrote a value."""

    HUMAN = "human"  # kubectl edit/patch/scale/set/label/annotate, dashboards
    CONTROLLER = "controller"  # kube-controller-manager, operators, webhooks
    DEPLOYER = "deployer"  # the tool that applies Git: Helm, kubectl apply, Argo CD, Terraform
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Attribution:
    """The managedFields entry that owns a live field."""

    manager: str
    operation: str  # Apply or Update
    time: str | None  # RFC 3339, as the API server wrote it
    actor: Actor
    subresource: str | None = None


@dataclass(frozen=True, order=True)
class ResourceKey:
    """Identity of an object: API group, kind, namespace, name (never the version)."""

    group: str
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class SourceLocation:
    """Where an object was declared: a file (or other origin) and the line its document starts.

    `address` names the declaration inside the file when a line cannot: a Terraform resource
    address such as `module.app.kubernetes_deployment.web` in a plan.
    """

    file: str
    line: int | None = None
    address: str | None = None
    # The source that declared it, for the command that applies it again; not part of its
    # identity (the same file read at the head and the base is one place).
    origin: Origin | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return where if self.address is None else f"{self.address} ({where})"


IndexPath = tuple[str | int, ...]  # a field in an object's body: keys and list positions


@dataclass(frozen=True)
class Marks:
    """What a source knows about a desired object's values beyond the values (Terraform plans,
    charts that render differently every time).

    Paths are positions in the object's body. Unknown values are left out of the body.
    """

    unknown: frozenset[IndexPath] = frozenset()  # known only after apply: not compared
    sensitive: frozenset[IndexPath] = frozenset()  # never shown, in any output
    defaults: frozenset[IndexPath] = frozenset()  # a tool's default the API may not store
    # Differs between two renders of the same chart (a generated certificate, a random password):
    # compared for presence only, never by value.
    varying: frozenset[IndexPath] = frozenset()
    hint: str = ""  # what to run when the object drifted, shown with the result
    # The strings at sensitive paths, on either side: kept out of the paths that name list items
    # by their merge key (`containers[name=...]`).
    secrets: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Document:
    """One parsed YAML/JSON document before it is known to be a Kubernetes object."""

    data: Any
    source: SourceLocation
    item_lines: tuple[int, ...] = ()  # start line of each entry of a top-level `items` list
    marks: Marks | None = None
    warnings: tuple[str, ...] = ()  # what parsing noticed, such as a duplicate key


@dataclass(frozen=True)
class KubeObject:
    """A desired or live Kubernetes object. `body` is the full object; treat it as read-only."""

    key: ResourceKey
    api_version: str
    body: Mapping[str, Any]
    source: SourceLocation
    marks: Marks | None = None


@dataclass(frozen=True)
class Change:
    path: Path
    type: ChangeType
    desired: Any
    live: Any  # None when type is MISSING
    redacted: bool = False  # values hidden because they are Secret data
    attribution: Attribution | None = None  # who last wrote the live value, when known
    severity: Severity = Severity.MEDIUM
    ignored_by: str | None = None  # the ignore rule that matched, for ignored changes
    change_class: ChangeClass = ChangeClass.DRIFT
    base: Any = None  # the value at the base commit, when compared with one (None: unset)

    @property
    def path_text(self) -> str:
        return format_path(self.path)


@dataclass(frozen=True)
class Normalization:
    """A difference that is not drift, and the rule that says why (shown by --explain)."""

    rule: str
    path: str
    reason: str


@dataclass(frozen=True)
class ResourceResult:
    key: ResourceKey
    api_version: str
    status: Status
    source: SourceLocation | None
    changes: tuple[Change, ...] = ()
    message: str = ""  # why the resource is in error, or other context
    ignored: tuple[Change, ...] = ()  # changes that ignore rules set aside (counted, not drift)
    normalized: tuple[Normalization, ...] = ()  # differences normalization explained away
    seen_by: tuple[Observer, ...] = (Observer.LIVE,)
    # What the object as a whole is to a pull request: a planned creation (MISSING) or deletion
    # (EXTRA), an object adopted from the cluster (IN_SYNC). None: DRIFT for MISSING and EXTRA,
    # and the classes of the changes otherwise.
    object_class: ChangeClass | None = None
    fix: Remediation | None = None  # what to run to apply Git again (drift-action.remediation)

    @property
    def classes(self) -> frozenset[ChangeClass]:
        found = {c.change_class for c in self.changes}
        if self.object_class is not None:
            found.add(self.object_class)
        elif self.status in (Status.MISSING, Status.EXTRA):
            found.add(ChangeClass.DRIFT)
        return frozenset(found)

    @property
    def change_class(self) -> ChangeClass | None:
        """The most urgent class (drift first), or None for an object with no difference."""
        return min(self.classes, key=lambda c: c.rank, default=None)

    @property
    def is_drift(self) -> bool:
        """Not in sync with Git in a way that fails the job: drift or a conflict."""
        return self.status.is_drift and any(c.fails for c in self.classes)

    def fails(self, fail_on: FailOn) -> bool:
        if fail_on is FailOn.NONE:
            return False
        if fail_on is FailOn.DRIFT:
            return self.is_drift
        return self.status.is_drift or bool(self.classes)


@dataclass(frozen=True)
class Observation:
    """Live state a source recorded itself: Terraform's view of one object, from a plan.

    `desired` is what the record declares (the state before refresh for drift, else the planned
    values), `live` what was seen (the refreshed state; None when the object is gone).
    """

    address: str
    desired: Document
    live: Document | None
    drift: bool  # the refresh found changes made outside Terraform (resource_drift)
    hint: str = ""  # what to run to reconcile
    fields_recorded: bool = True  # False: a change was seen, but the record names no field


@dataclass(frozen=True)
class Unreadable:
    """Live state that could not be read, with the reason: per kind, or per kind and namespace."""

    kinds: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (group, kind)
    namespaces: Mapping[tuple[str, str, str], str] = field(default_factory=dict)
    # Helm releases whose records could not be listed: (namespace, release) -> why.
    records: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def reason(self, key: ResourceKey) -> str | None:
        found = self.namespaces.get((key.group, key.kind, key.namespace))
        return found if found is not None else self.kinds.get((key.group, key.kind))


@dataclass(frozen=True)
class FieldOwnership:
    """Which of the live objects compared with Git carried `metadata.managedFields`.

    Without them, fields added outside Git and who changed what cannot be found; `kubectl get
    -o yaml` leaves them out unless given `--show-managed-fields` (since kubectl 1.21).
    """

    compared: int = 0  # live objects compared with a desired object
    without: tuple[ResourceKey, ...] = ()  # those of them without managedFields, sorted

    @property
    def all_missing(self) -> bool:
        return bool(self.without) and len(self.without) >= self.compared


@dataclass(frozen=True)
class Report:
    resources: tuple[ResourceResult, ...]
    warnings: tuple[str, ...] = ()
    # Empty (nothing compared) unless the comparison says: a report built by hand has no note.
    ownership: FieldOwnership = field(default_factory=FieldOwnership)
    # What the desired state was also compared at: "base commit 1a2b3c4" or "the plan's prior
    # state". None: no base, every difference is drift.
    base: str | None = None
    # Whether live objects Git does not declare were looked for (a selector was given): without
    # one, "no extra resources" means "not checked".
    extras_checked: bool = False
    # What `--reconcile` did (core/reconcile.py); None: no reconcile was asked for.
    reconciliation: Reconciliation | None = None
    # Resources per status; a resource whose differences are all planned or adopted (a base
    # was given) is counted in `classes`, not among the drifted, missing or extra.
    counts: Mapping[Status, int] = field(init=False)
    # Resources with at least one difference of each class.
    classes: Mapping[ChangeClass, int] = field(init=False)

    def __post_init__(self) -> None:
        counts = dict.fromkeys(Status, 0)
        classes = dict.fromkeys(ChangeClass, 0)
        for result in self.resources:
            if not result.status.is_drift or result.is_drift:
                counts[result.status] += 1
            for found in result.classes:
                classes[found] += 1
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "classes", classes)

    @property
    def drift_count(self) -> int:
        return sum(n for status, n in self.counts.items() if status.is_drift)

    @property
    def has_drift(self) -> bool:
        return self.drift_count > 0

    @property
    def has_errors(self) -> bool:
        return self.counts[Status.ERROR] > 0

    def fails(self, fail_on: FailOn) -> bool:
        return any(r.fails(fail_on) for r in self.resources)

    def sorted_resources(self) -> Sequence[ResourceResult]:
        """Most urgent first (class, then status, then severity), then by identity, so every
        format lists resources alike."""
        order = {status: i for i, status in enumerate(Status)}
        return sorted(
            self.resources,
            key=lambda r: (_class_rank(r), order[r.status], _top_severity(r), r.key),
        )

    @property
    def ignored_count(self) -> int:
        return sum(len(r.ignored) for r in self.resources)


def _class_rank(result: ResourceResult) -> int:
    if result.status is Status.ERROR:
        return 0  # with the drift: it may hide some
    found = result.change_class
    return len(ChangeClass) if found is None else found.rank


def _top_severity(result: ResourceResult) -> int:
    return min((c.severity.rank for c in result.changes), default=len(Severity))
