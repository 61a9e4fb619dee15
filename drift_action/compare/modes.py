"""How a run compares: the client-side comparison alone, or with server-side dry runs.

Kept apart from `dry_run` (which judges the dry runs) so that the command's flag table can list
the modes without loading the comparison.
"""

from __future__ import annotations

import enum

from drift_action.core.model import ChangeType, ResourceResult, Status

# The changes a dry run can confirm or explain away: a value both sides set, or Git's missing one.
CONFIRMED_BY_VALUE = (ChangeType.CHANGED, ChangeType.MISSING)


class CompareMode(enum.Enum):
    CLIENT_SIDE = "client-side"
    SERVER_SIDE = "server-side"  # dry-run the objects that still differ
    SERVER_SIDE_ALL = "server-side-all"  # dry-run every object present live, as Argo CD does

    def wants_dry_run(self, result: ResourceResult) -> bool:
        if self is CompareMode.SERVER_SIDE_ALL:
            return result.status in (Status.DRIFTED, Status.IN_SYNC)
        if self is CompareMode.SERVER_SIDE:
            return result.status is Status.DRIFTED and any(
                c.type in CONFIRMED_BY_VALUE for c in result.changes
            )
        return False
