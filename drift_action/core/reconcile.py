"""Records of a reconcile run (`--reconcile`): what was put back, as whom, and what was not.

A reconcile server-side applies the desired object of each drifted or missing resource; the
drift report keeps what was found (with who changed it), and a `Reconciliation` beside it says
what became of each resource.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drift_action.core.errors import DriftActionError
from drift_action.core.model import Change, Report, ResourceKey


class ReconcileRefused(DriftActionError):
    """A reconcile that must not start (or go on): nothing has been written when it is raised."""


class Outcome(enum.Enum):
    """What a reconcile did with one resource, most urgent first."""

    FAILED = "failed"  # the apply was refused or not answered
    CONFLICT = "conflict"  # another field manager owns a field; --force-conflicts takes it
    FORBIDDEN = "forbidden"  # RBAC does not allow `patch` on the kind
    SKIPPED = "skipped"  # not ours to apply (Helm, Terraform, an extra): `reason` says why
    STILL_DIFFERS = "still_differs"  # applied, but the re-read still differs from Git
    REVERTED = "reverted"  # applied, and the re-read matches Git


@dataclass(frozen=True)
class ReconcileOptions:
    force_conflicts: bool = False  # take fields other managers own (server-side apply's force)
    helm: bool = False  # also apply Helm-rendered objects (a `helm upgrade` is the usual way)
    high: bool = False  # also apply when the drift includes a high-severity change


@dataclass(frozen=True)
class ReconcileResult:
    key: ResourceKey
    outcome: Outcome
    manager: str = ""  # the field manager the object was (or would have been) applied as
    reason: str = ""  # why it was skipped, failed or still differs; never a value
    # What was put back: each change's live value is the "before", its desired value the
    # "after", its attribution who had changed it. Secret values are already redacted.
    changes: tuple[Change, ...] = ()
    created: bool = False  # the object was missing and the apply created it


@dataclass(frozen=True)
class Reconciliation:
    results: tuple[ReconcileResult, ...]
    force_conflicts: bool = False

    def settled(self, report: Report) -> bool:
        """Whether every resource that drifted was put back and verified by a re-read."""
        reverted = {r.key for r in self.results if r.outcome is Outcome.REVERTED}
        return all(r.key in reverted for r in report.resources if r.is_drift)

    def counts(self) -> dict[Outcome, int]:
        found = dict.fromkeys(Outcome, 0)
        for result in self.results:
            found[result.outcome] += 1
        return found
