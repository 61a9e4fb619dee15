"""Publish a report on GitHub: the pull request comment, the check run, the nightly issue.

Each is tried on its own; when GitHub refuses one (a read-only token on a fork's or
Dependabot's pull request, a missing `permissions:` entry) or does not answer after retries,
the result is a warning, and the job summary keeps the report. Nothing here changes the exit
code: the caller fails the step, if at all, after everything is published.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from drift_action.adopt.present import Suggestion
from drift_action.core.errors import GitHubError, InputError, UsageError
from drift_action.core.files import read_text
from drift_action.core.model import FailOn, Report
from drift_action.github import checks, comment, issue, review
from drift_action.github.api import GitHubApi
from drift_action.github.context import GitHubContext, parse_context
from drift_action.github.settings import CommentMode, PublishSettings
from drift_action.report import markdown
from drift_action.report.limits import fit, utf8_bytes
from drift_action.report.markdown import LinkFor
from drift_action.report.summary import headline

PACE_VARIABLE = "DRIFT_ACTION_GITHUB_PACE"  # scales request spacing and retry backoff (tests: 0)
FORKS_HELP = "https://github.com/drift-action/drift-action#forks-and-dependabot"
NOT_IN_ACTIONS = (
    "drift-action: github_token is set, but this is not a GitHub Actions run "
    "(GITHUB_EVENT_NAME or GITHUB_REPOSITORY is not set): nothing was published to GitHub."
)
_PERMISSION = {
    "comment": "pull-requests: write",
    "check run": "checks: write",
    "issue": "issues: write",
    "adopt suggestions": "pull-requests: write",
}


def load_context(env: Mapping[str, str], settings: PublishSettings) -> GitHubContext | None:
    """The run's context, or None outside a GitHub Actions run (nothing to publish to)."""
    if not env.get("GITHUB_EVENT_NAME") or not env.get("GITHUB_REPOSITORY"):
        return None
    event = load_event(env)
    return parse_context(env, event, pr_number=settings.pr_number, workspace=os.getcwd())


def load_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The event payload at GITHUB_EVENT_PATH; empty without one."""
    path = env.get("GITHUB_EVENT_PATH")
    event: Any = {}
    if path:
        try:
            event = json.loads(read_text(path))
        except InputError as exc:
            raise InputError(f"GITHUB_EVENT_PATH: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise InputError(
                f"GITHUB_EVENT_PATH: the event payload is not JSON: {exc.msg}"
            ) from exc
        if not isinstance(event, dict):
            raise InputError("GITHUB_EVENT_PATH: the event payload is not a JSON object")
    return dict(event)


def connect(settings: PublishSettings, context: GitHubContext, env: Mapping[str, str]) -> GitHubApi:
    text = env.get(PACE_VARIABLE, "").strip()
    try:
        pace = float(text) if text else 1.0
    except ValueError as exc:
        raise UsageError(f"{PACE_VARIABLE}: expected a number, got {text!r}") from exc
    # PyGithub is imported when there is something to publish: a tenth of a second otherwise
    # spent at every start of the action.
    from drift_action.github.pygithub import PyGitHubApi  # noqa: PLC0415

    return PyGitHubApi(settings.token, context, pace=max(pace, 0.0))


def links(context: GitHubContext) -> LinkFor:
    """Links to the manifests in the repository, at the run's commit."""

    def is_file(path: str) -> bool:
        return os.path.isfile(os.path.join(context.workspace, path))

    return comment.source_link(context, cwd=os.getcwd(), is_file=is_file)


def summary_markdown(
    report: Report,
    *,
    explain: bool,
    run_url: str | None,
    limit: int,
    context: GitHubContext | None = None,
) -> str:
    """The job summary: the Markdown report (its manifests linked when the run's `context` is
    known), cut to `limit` UTF-8 bytes when larger."""
    link = links(context) if context is not None else None
    document = markdown.document(report, explain=explain, link=link)
    return fit(
        document,
        limit,
        lambda n: comment.more_line(n, run_url, where="the drift-report.md artifact"),
        measure=utf8_bytes,
    ).text


def publish(
    report: Report,
    settings: PublishSettings,
    context: GitHubContext | None,
    api: GitHubApi | None,
    *,
    fail_on: FailOn,
    explain: bool,
    suggestions: Sequence[Suggestion] = (),
) -> tuple[str, ...]:
    """Publish everything asked for; the warnings for what GitHub would not take.

    `suggestions`: the review suggestions that adopt live values, when `suggest_adopt` is on."""
    if context is None:
        return (NOT_IN_ACTIONS,)
    if api is None:  # a caller that publishes elsewhere (or not at all)
        return ()
    publisher = _Publisher(report, settings, context, api, fail_on=fail_on, explain=explain)
    steps: list[tuple[str, Callable[[], None]]] = []
    if settings.comment_mode is not CommentMode.OFF and context.pr_number is not None:
        steps.append(("comment", publisher.comment))
    if settings.check_run:
        steps.append(("check run", publisher.check_run))
    if issue.wanted(settings.issue_mode, context):
        steps.append(("issue", publisher.issue))
    if settings.suggest_adopt and suggestions and context.pr_number is not None:
        steps.append(("adopt suggestions", lambda: publisher.suggest(suggestions)))
    warnings = publisher.notes
    for what, step in steps:
        try:
            step()
        except GitHubError as exc:
            warnings.append(_warning(what, exc))
    return tuple(warnings)


def summary_warnings(warnings: Sequence[str]) -> str:
    """The warnings as GitHub alerts, for the end of the job summary."""
    return "\n".join(f"> [!WARNING]\n> {html.escape(w, quote=False)}\n" for w in warnings)


def _warning(what: str, exc: GitHubError) -> str:
    if exc.refused:
        why = (
            f"the token may lack `{_PERMISSION[what]}` in the workflow's `permissions:`, or be "
            f"read-only (pull requests from forks and Dependabot): see {FORKS_HELP}"
        )
    else:
        why = "GitHub did not answer; the next run will catch up"
    return (
        f"drift-action: the {what} was not published ({exc}); {why}. "
        "The report is in the job summary."
    )


class _Publisher:
    def __init__(
        self,
        report: Report,
        settings: PublishSettings,
        context: GitHubContext,
        api: GitHubApi,
        *,
        fail_on: FailOn,
        explain: bool,
    ) -> None:
        self.report, self.settings, self.context, self.api = report, settings, context, api
        self.fail_on = fail_on
        self.document = markdown.document(report, explain=explain, link=links(context))
        self.marker = comment.Marker(
            settings.report_id,
            # Without the links, which name the commit: a new commit with the same report
            # leaves an `on_change` comment alone.
            comment.digest(markdown.render(report, explain=explain)),
            comment.state_of(report),
        )
        self.body, _ = comment.report_body(
            self.document, self.marker, run_url=context.run_url, sha=context.sha
        )
        self._own: tuple[str | None] | None = None
        self.notes: list[str] = []  # what a step says besides GitHub's refusals

    def own_login(self) -> str | None:
        """The token's own login, asked once, on first need."""
        if self._own is None:
            self._own = (self.api.own_login(),)
        return self._own[0]

    def comment(self) -> None:
        number, context, settings = self.context.pr_number, self.context, self.settings
        assert number is not None
        mine = comment.own_items(
            self.api.pull_request_comments(number), settings.report_id, self.own_login()
        )
        cleared = comment.Marker(settings.report_id, self.marker.digest, comment.State.CLEARED)
        plan = comment.plan_comment(
            settings.comment_mode,
            mine,
            report=self.report,
            body=self.body,
            cleared=comment.cleared_body(
                self.report, cleared, run_url=context.run_url, sha=context.sha
            ),
            hide_outdated=settings.hide_outdated,
        )
        if plan.action is comment.Action.CREATE:
            self.api.create_comment(number, plan.body)
        elif plan.action is comment.Action.EDIT and plan.target is not None:
            self.api.edit_comment(plan.target, plan.body)
        for old in plan.outdated:
            self.api.minimize_comment(old)
            self.api.edit_comment(old, comment.mark_outdated(old.body))

    def check_run(self) -> None:
        context = self.context
        if not context.sha:
            raise GitHubError("could not create the check run: GITHUB_SHA is not set")
        found = checks.build_annotations(
            self.report,
            workspace=context.workspace,
            cwd=os.getcwd(),
            is_file=lambda path: os.path.isfile(os.path.join(context.workspace, path)),
        )
        summary = fit(
            self.document,
            checks.OUTPUT_LIMIT,
            lambda n: comment.more_line(n, context.run_url, where="the job summary / artifact"),
        ).text
        output = checks.CheckOutput(headline(self.report), summary, checks.output_text(found))
        batches = list(checks.batches(found.annotations)) or [()]
        run = self.api.create_check_run(
            checks.check_name(self.settings.report_id),
            context.sha,
            checks.conclusion(self.report, self.fail_on),
            output,
            batches[0],
        )
        for batch in batches[1:]:
            self.api.add_annotations(run, output, batch)

    def suggest(self, suggestions: Sequence[Suggestion]) -> None:
        number, settings = self.context.pr_number, self.settings
        assert number is not None
        plan = review.plan_review(
            suggestions,
            self.api.pull_request_files(number),
            self.api.review_comments(number),
            settings.report_id,
        )
        if plan.outside:
            self.notes.append(
                f"drift-action: {len(plan.outside)} adopt suggestion(s) fall on lines this pull "
                "request does not change, where GitHub takes no review comment: they are in "
                "the job summary's adopt patch."
            )
        if plan.comments:
            self.api.create_review(
                number, self.context.sha, review.review_body(plan), plan.comments
            )

    def issue(self) -> None:
        settings = self.settings
        found = self.api.open_issues(settings.issue_labels)
        plan = issue.plan_issue(
            self.report, comment.own_items(found, settings.report_id, self.own_login())
        )
        if plan.action is issue.IssueAction.OPEN:
            self.api.create_issue(issue.title(settings.report_id), self.body, settings.issue_labels)
        elif plan.action is issue.IssueAction.UPDATE and plan.issue is not None:
            self.api.edit_issue(plan.issue, body=self.body)
        elif plan.action is issue.IssueAction.CLOSE and plan.issue is not None:
            self.api.comment_issue(
                plan.issue, issue.closing_comment(self.report, self.context.run_url)
            )
            self.api.edit_issue(plan.issue, close=True)
