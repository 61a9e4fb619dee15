"""The aggregation controller fills the rules of a ClusterRole that has an aggregationRule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drift_action.core.model import Change

if TYPE_CHECKING:
    from drift_action.compare.set_aside import Subject

ID = "aggregated-rules"


def check(change: Change, subject: Subject) -> str | None:
    if not subject.context.aggregated_cluster_roles or change.path[:1] != ("rules",):
        return None
    if subject.key.kind != "ClusterRole":
        return None
    if "aggregationRule" in subject.want or "aggregationRule" in subject.have:
        return "the aggregation controller fills the rules of this ClusterRole"
    return None
