"""The pull request comment: its hidden marker, its body within GitHub's limit, and whether to
create it, edit it or leave it, by comment mode and what is already there."""

from __future__ import annotations

import enum
import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, unquote

from drift_action.core.model import Report, SourceLocation
from drift_action.github.api import Comment, Issue
from drift_action.github.checks import repository_path
from drift_action.github.context import GitHubContext
from drift_action.github.settings import CommentMode
from drift_action.report.limits import Cut, Fitted, fit
from drift_action.report.markdown import Document, LinkFor
from drift_action.report.summary import headline
from drift_action.report.values import plural

BODY_LIMIT = 65_536  # characters, for comment and issue bodies
_MARKER = re.compile(
    r"^<!-- drift-action report_id=(?P<id>\S+) digest=(?P<digest>[0-9a-f]*) "
    r"state=(?P<state>[a-z]+) -->$"
)


_Item = TypeVar("_Item", Comment, Issue)


class State(enum.Enum):
    DRIFT = "drift"
    ERRORS = "errors"  # no drift found, but not everything could be checked
    CLEAN = "clean"
    CLEARED = "cleared"  # says that the drift it reported earlier is gone
    OUTDATED = "outdated"  # a duplicate, hidden; no longer ours to edit


@dataclass(frozen=True)
class Marker:
    """The first line of every comment and issue this action writes (invisible on GitHub)."""

    report_id: str
    digest: str
    state: State

    def render(self) -> str:
        # Quoted, so no report id can end the HTML comment (`-->`) or span lines.
        quoted = quote(self.report_id, safe="/@:,._+()#")
        fields = f"report_id={quoted} digest={self.digest} state={self.state.value}"
        return f"<!-- drift-action {fields} -->"


def parse_marker(body: str) -> Marker | None:
    """The marker on the body's first line; a quote of it further down does not count."""
    match = _MARKER.match(body.split("\n", 1)[0].strip())
    if match is None:
        return None
    try:
        state = State(match["state"])
    except ValueError:
        return None
    return Marker(unquote(match["id"]), match["digest"], state)


def mark_outdated(body: str) -> str:
    """The body with its marker saying `outdated`: later runs leave the comment alone."""
    marker = parse_marker(body)
    if marker is None:
        return body
    rest = body.split("\n", 1)[1] if "\n" in body else ""
    return Marker(marker.report_id, marker.digest, State.OUTDATED).render() + "\n" + rest


def state_of(report: Report) -> State:
    if report.has_drift:
        return State.DRIFT
    return State.ERRORS if report.has_errors else State.CLEAN


def digest(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()[:16]


def more_line(cut: Cut, run_url: str | None, *, where: str) -> str:
    """What a cut report left out, by class (never drift lumped in with in-sync resources),
    and where the whole report is."""
    link = f" of [this run]({run_url})" if run_url else ""
    if cut.left_out:
        left = ", ".join(f"{plural(n, 'resource')} {what}" for what, n in cut.left_out)
        details = f", nor the details of {cut.details} more" if cut.details else ""
        return f"**Not shown here: {left}**{details}: see {where}{link}."
    if cut.details:
        what = plural(cut.details, "resource")
        return f"**The details of {what} were cut to fit here**: see {where}{link}."
    return f"**The report was cut to fit here**: see {where}{link} for all of it."


def source_link(context: GitHubContext, *, cwd: str, is_file: Callable[[str], bool]) -> LinkFor:
    """Links to a source file (and line) at the run's commit, for files in the repository
    (`is_file` gets the path relative to the workspace); None for others."""

    def link(source: SourceLocation) -> str | None:
        path = repository_path(source.file, workspace=context.workspace, cwd=cwd)
        if not context.sha or path is None or not is_file(path):
            return None
        line = f"#L{source.line}" if source.line else ""
        where = f"{context.server_url}/{context.repository}/blob/{context.sha}"
        return f"{where}/{quote(path)}{line}"

    return link


def footer(report_id: str, run_url: str | None, sha: str) -> str:
    parts = ["drift-action", f"report <code>{html.escape(report_id)}</code>"]
    if run_url:
        parts.append(f"[workflow run]({run_url})")
    if sha:
        parts.append(f"commit <code>{html.escape(sha[:7])}</code>")
    return f"<sub>{' · '.join(parts)}</sub>"


def report_body(
    document: Document,
    marker: Marker,
    *,
    run_url: str | None,
    sha: str,
    limit: int = BODY_LIMIT,
) -> tuple[str, Fitted]:
    """Marker, report (cut at resource boundaries to fit `limit`) and footer."""
    top = marker.render() + "\n"
    bottom = "\n" + footer(marker.report_id, run_url, sha) + "\n"
    budget = limit - len(top) - len(bottom)
    fitted = fit(
        document,
        budget,
        lambda n: more_line(n, run_url, where="the job summary / artifact"),
    )
    return top + fitted.text + bottom, fitted


def cleared_body(report: Report, marker: Marker, *, run_url: str | None, sha: str) -> str:
    return (
        f"{marker.render()}\n### ✅ Drift cleared\n\nThe drift reported here is gone: "
        f"{html.escape(headline(report))}.\n\n{footer(marker.report_id, run_url, sha)}\n"
    )


def is_own(author_login: str, author_type: str, own_login: str | None) -> bool:
    """Written by this token: its login when known; else (GITHUB_TOKEN, which cannot ask
    GET /user) any bot, as github-actions[bot] is; people are never taken for us."""
    if own_login is not None:
        return author_login == own_login
    return author_type == "Bot"


def own_items(items: Sequence[_Item], report_id: str, own_login: str | None) -> list[_Item]:
    """Our items for this report id, oldest first (outdated duplicates left out), whatever
    order GitHub listed them in."""
    found = []
    for item in items:
        marker = parse_marker(item.body)
        if marker is None or marker.report_id != report_id or marker.state is State.OUTDATED:
            continue
        if is_own(item.author.login, item.author.type, own_login):
            found.append(item)
    return sorted(found, key=lambda item: item.order)


class Action(enum.Enum):
    CREATE = "create"
    EDIT = "edit"
    NONE = "none"


@dataclass(frozen=True)
class CommentPlan:
    action: Action
    body: str = ""
    target: Comment | None = None
    outdated: tuple[Comment, ...] = ()  # older duplicates to hide, with hide_outdated
    reason: str = ""


def plan_comment(
    mode: CommentMode,
    mine: Sequence[Comment],
    *,
    report: Report,
    body: str,
    cleared: str,
    hide_outdated: bool,
) -> CommentPlan:
    """What to do with the pull request comment. `mine`: our comments for this report id,
    oldest first; the newest is the one kept up to date."""
    if mode is CommentMode.OFF:
        return CommentPlan(Action.NONE, reason="comment_mode is off")
    target = mine[-1] if mine else None
    outdated = tuple(mine[:-1]) if hide_outdated else ()
    if mode is CommentMode.ON_DRIFT and not report.has_drift:
        # Only while there is drift; once it clears, the comment says so, once. A run that
        # could not check everything updates an existing comment with what it found.
        old = parse_marker(target.body) if target is not None else None
        said = old is not None and old.state in (State.CLEAN, State.CLEARED)
        if target is None or (said and not report.has_errors):
            return CommentPlan(Action.NONE, target=target, outdated=outdated, reason="no drift")
        if not report.has_errors:
            return CommentPlan(Action.EDIT, cleared, target, outdated)
    if target is None:
        return CommentPlan(Action.CREATE, body, outdated=outdated)
    if mode is CommentMode.ON_CHANGE and _same(parse_marker(target.body), parse_marker(body)):
        return CommentPlan(Action.NONE, target=target, outdated=outdated, reason="unchanged")
    return CommentPlan(Action.EDIT, body, target, outdated)


def _same(old: Marker | None, new: Marker | None) -> bool:
    return (
        old is not None and new is not None and (old.digest, old.state) == (new.digest, new.state)
    )
