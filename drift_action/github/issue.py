"""The nightly drift issue: one open issue per report id while the cluster is off, closed with
a comment once drift is gone."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from drift_action.core.model import Report
from drift_action.github.api import Issue
from drift_action.github.context import GitHubContext
from drift_action.github.settings import IssueMode
from drift_action.report.summary import headline

_TITLE_LIMIT = 256


class IssueAction(enum.Enum):
    OPEN = "open"
    UPDATE = "update"
    CLOSE = "close"
    NONE = "none"


@dataclass(frozen=True)
class IssuePlan:
    action: IssueAction
    issue: Issue | None = None


def wanted(mode: IssueMode, context: GitHubContext) -> bool:
    """auto: on schedule and workflow_dispatch runs; true: on every run; false: never."""
    if mode is IssueMode.AUTO:
        return context.is_nightly
    return mode is IssueMode.ALWAYS


def title(report_id: str) -> str:
    return f"Drift detected: {report_id}"[:_TITLE_LIMIT]


def closing_comment(report: Report, run_url: str | None) -> str:
    where = f" ([workflow run]({run_url}))" if run_url else ""
    return f"✅ Drift is gone: {headline(report)}{where}. Closing this issue."


def plan_issue(report: Report, mine: Sequence[Issue]) -> IssuePlan:
    """`mine`: our open issues for this report id, oldest first; the newest is kept."""
    current = mine[-1] if mine else None
    if report.has_drift:
        if current is None:
            return IssuePlan(IssueAction.OPEN)
        return IssuePlan(IssueAction.UPDATE, current)
    if current is None or report.has_errors:
        # Not everything could be checked: that is no proof the drift is gone.
        return IssuePlan(IssueAction.NONE, current)
    return IssuePlan(IssueAction.CLOSE, current)
