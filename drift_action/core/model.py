"""Immutable records that flow between the pipeline stages."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from drift_action.core.paths import Path, format_path


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

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return where if self.address is None else f"{self.address} ({where})"


IndexPath = tuple[str | int, ...]  # a field in an object's body: keys and list positions


@dataclass(frozen=True)
class Marks:
    """What a source knows about a desired object's values beyond the values (Terraform plans).

    Paths are positions in the object's body. Unknown values are left out of the body.
    """

    unknown: frozenset[IndexPath] = frozenset()  # known only after apply: not compared
    sensitive: frozenset[IndexPath] = frozenset()  # never shown, in any output
    defaults: frozenset[IndexPath] = frozenset()  # a tool's default the API may not store
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
    counts: Mapping[Status, int] = field(init=False)

    def __post_init__(self) -> None:
        counts = dict.fromkeys(Status, 0)
        for result in self.resources:
            counts[result.status] += 1
        object.__setattr__(self, "counts", counts)

    @property
    def drift_count(self) -> int:
        return sum(n for status, n in self.counts.items() if status.is_drift)

    @property
    def has_drift(self) -> bool:
        return self.drift_count > 0

    @property
    def has_errors(self) -> bool:
        return self.counts[Status.ERROR] > 0

    def sorted_resources(self) -> Sequence[ResourceResult]:
        """Most urgent first, then by identity, so every format lists resources alike."""
        order = {status: i for i, status in enumerate(Status)}
        return sorted(self.resources, key=lambda r: (order[r.status], _top_severity(r), r.key))

    @property
    def ignored_count(self) -> int:
        return sum(len(r.ignored) for r in self.resources)


def _top_severity(result: ResourceResult) -> int:
    return min((c.severity.rank for c in result.changes), default=len(Severity))
