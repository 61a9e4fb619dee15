"""The run's GitHub context: repository, API, run link, the pull request and its head commit.

Built from the runner's GITHUB_* variables and the event payload (the JSON file at
GITHUB_EVENT_PATH, read by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.core.errors import UsageError

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
NIGHTLY_EVENTS = frozenset({"schedule", "workflow_dispatch"})
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"


@dataclass(frozen=True)
class GitHubContext:
    event_name: str
    repository: str  # owner/name
    api_url: str  # GitHub Enterprise Server: https://HOST/api/v3
    server_url: str
    run_id: str
    sha: str  # the commit a check run belongs to: a pull request's head, not its merge commit
    pr_number: int | None
    workspace: str
    base_sha: str = ""  # a pull request's base commit (the event's pull_request.base.sha)

    @property
    def run_url(self) -> str | None:
        if not self.run_id:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def is_nightly(self) -> bool:
        return self.event_name in NIGHTLY_EVENTS


def parse_context(
    env: Mapping[str, str],
    event: Mapping[str, Any],
    *,
    pr_number: int | None = None,
    workspace: str,
) -> GitHubContext:
    """The context of this run. `pr_number` (an input) names the pull request when the event
    does not, as in a `workflow_run` workflow that reports on a fork's pull request."""
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise UsageError(
            f"GITHUB_REPOSITORY must be owner/name to publish to GitHub, got {repository!r}"
        )
    name = env.get("GITHUB_EVENT_NAME", "").strip()
    sha = env.get("GITHUB_SHA", "").strip()
    number: int | None = None
    if name in PULL_REQUEST_EVENTS:
        pull = _mapping(event.get("pull_request"))
        number = _int(pull.get("number")) or _int(event.get("number"))
        sha = str(_mapping(pull.get("head")).get("sha") or "") or sha
    elif name == "workflow_run":
        run = _mapping(event.get("workflow_run"))
        sha = str(run.get("head_sha") or "") or sha
        pulls = run.get("pull_requests")
        if isinstance(pulls, list) and pulls:
            number = _int(_mapping(pulls[0]).get("number"))
    return GitHubContext(
        event_name=name,
        repository=repository,
        api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
        run_id=env.get("GITHUB_RUN_ID", "").strip(),
        sha=sha,
        pr_number=pr_number or number,
        workspace=env.get("GITHUB_WORKSPACE") or workspace,
        base_sha=pull_request_base(name, event),
    )


def pull_request_base(event_name: str, event: Mapping[str, Any]) -> str:
    """The base commit of a pull request event, or "" for other events."""
    if event_name not in PULL_REQUEST_EVENTS:
        return ""
    base = _mapping(_mapping(event.get("pull_request")).get("base"))
    sha = str(base.get("sha") or "").strip()
    return sha if re.fullmatch(r"[0-9a-fA-F]{7,64}", sha) else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def reconcile_refusal(event_name: str, ref: str, event: Mapping[str, Any]) -> str:
    """Why a run must not reconcile ("" when it may): only a schedule, a manual run, or a push
    to the default branch writes to the cluster, never code from a pull request's head."""
    if event_name == "schedule":  # GitHub runs schedules on the default branch only
        return ""
    if event_name in ("push", "workflow_dispatch"):
        # A manual run can be started on any branch: that branch's manifests are not reviewed.
        repository = event.get("repository")
        default = repository.get("default_branch") if isinstance(repository, Mapping) else None
        if isinstance(default, str) and default and ref == f"refs/heads/{default}":
            return ""
        return (
            f"a {event_name} run reconciles only on the default branch, "
            f"not {ref or 'an unknown ref'}"
        )
    return (
        f"a {event_name or 'non-GitHub'} run does not reconcile: only schedule, and "
        "workflow_dispatch or push on the default branch do"
    )
