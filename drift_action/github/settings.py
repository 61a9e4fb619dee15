"""The GitHub publishing inputs: comment mode, check run, nightly issue, report id."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from drift_action.core.errors import UsageError
from drift_action.github.inputs import FALSE, TRUE, bool_input, input_value, list_input

_E = TypeVar("_E", bound=enum.Enum)


class CommentMode(enum.Enum):
    ALWAYS = "always"  # create or edit the comment on every run
    ON_CHANGE = "on_change"  # edit only when the report changed
    ON_DRIFT = "on_drift"  # comment only while there is drift; say so once it clears
    OFF = "off"


class IssueMode(enum.Enum):
    AUTO = "auto"  # on schedule and workflow_dispatch runs
    ALWAYS = "true"
    NEVER = "false"


@dataclass(frozen=True)
class PublishSettings:
    token: str = field(repr=False)
    report_id: str
    comment_mode: CommentMode = CommentMode.ALWAYS
    hide_outdated: bool = False
    check_run: bool = False
    issue_mode: IssueMode = IssueMode.AUTO
    issue_labels: tuple[str, ...] = ("drift",)
    pr_number: int | None = None  # the pull request to comment on, for workflow_run workflows
    suggest_adopt: bool = False  # review suggestions that adopt live values into Git


def publish_settings(env: Mapping[str, str]) -> PublishSettings | None:
    """The settings, or None when there is no github_token (nothing is published to GitHub).

    Raises UsageError for a bad value, and when check_run or issue_mode ask for publishing
    without a token.
    """
    comment_mode = _choice(env, "comment_mode", CommentMode, CommentMode.ALWAYS)
    issue_mode = _issue_mode(input_value(env, "issue_mode").lower())
    check_run = bool_input(env, "check_run", default=False)
    hide_outdated = bool_input(env, "hide_outdated", default=False)
    labels = list_input(env, "issue_labels") or ("drift",)
    pr_number = _pr_number(input_value(env, "pr_number"))
    suggest_adopt = bool_input(env, "suggest_adopt", default=False)
    token = input_value(env, "github_token")
    if not token:
        asked = (
            "check_run" if check_run else ("issue_mode" if issue_mode is IssueMode.ALWAYS else "")
        )
        if asked:
            raise UsageError(f"input {asked} needs github_token (e.g. ${{{{ github.token }}}})")
        return None
    return PublishSettings(
        token=token,
        report_id=input_value(env, "report_id") or default_report_id(env),
        comment_mode=comment_mode,
        hide_outdated=hide_outdated,
        check_run=check_run,
        issue_mode=issue_mode,
        issue_labels=labels,
        pr_number=pr_number,
        suggest_adopt=suggest_adopt,
    )


def _issue_mode(value: str) -> IssueMode:
    if value in ("", IssueMode.AUTO.value):
        return IssueMode.AUTO
    if value in TRUE:
        return IssueMode.ALWAYS
    if value in FALSE:
        return IssueMode.NEVER
    raise UsageError(f"input issue_mode: expected auto, true or false, got {value!r}")


def _choice(env: Mapping[str, str], name: str, kind: type[_E], default: _E) -> _E:
    value = input_value(env, name).lower()
    if not value:
        return default
    for member in kind:
        if member.value == value:
            return member
    allowed = ", ".join(str(m.value) for m in kind)
    raise UsageError(f"input {name}: {value!r} is not one of {allowed}")


def _pr_number(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"input pr_number: expected a pull request number, got {value!r}")
    return int(value)


_SOURCES = ("manifests", "helm_chart", "values", "kustomize", "terraform_plan")
_OTHER = ("set", "set_string", "selector", "release", "config")
_MAX_ID = 100


def default_report_id(env: Mapping[str, str]) -> str:
    """A name for what is compared with what, the same on every run of the same job: the
    sources, the namespace when not `default`, and the live side (kubeconfig, context, a
    digest of the server URL, or snapshot files). A matrix over clusters or environments
    thus keeps one comment, check run and issue per entry."""
    sources = [item for name in _SOURCES for item in list_input(env, name)]
    label = ", ".join(sources) or input_value(env, "config") or ".drift.yaml"
    namespace = input_value(env, "namespace")
    if namespace and namespace != "default":
        label += f" ({namespace})"
    label += f" @ {_live_label(env)}"
    other = [f"{name}={input_value(env, name)}" for name in _OTHER if input_value(env, name)]
    other = [item for item in other if item != "release=release-name"]
    if other:
        label += f" #{_digest(chr(10).join(other))}"
    if len(label) > _MAX_ID:
        label = f"{label[: _MAX_ID - 9]}… #{_digest(label)}"
    return label


def _live_label(env: Mapping[str, str]) -> str:
    snapshots = list_input(env, "live_snapshot")
    if snapshots:
        return ", ".join(snapshots)
    context = input_value(env, "context")
    server = input_value(env, "server")
    kubeconfig = input_value(env, "kubeconfig")
    parts = [kubeconfig] if kubeconfig else []
    if context:
        parts.append(context)
    if server:
        # Often a secret: named by a digest, since comments and check names are not masked.
        parts.append(f"server #{_digest(server)}")
    if input_value(env, "live_from_terraform").lower() in TRUE:
        parts.append("terraform")
    return " ".join(parts) or "cluster"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]
