"""The check run: its conclusion, its output, and one annotation per resource on the manifest
line that declares it."""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from drift_action.core.model import (
    Change,
    ChangeClass,
    ChangeType,
    FailOn,
    Report,
    ResourceResult,
    Severity,
    Status,
)
from drift_action.report.markdown import code
from drift_action.report.values import by, change_kind, plural, show_desired, show_live

ANNOTATIONS_PER_REQUEST = 50  # the Checks API's limit per create or update call
MAX_ANNOTATIONS = 500  # ten requests; the rest are in the summary
OUTPUT_LIMIT = 65_535  # characters, for the output's summary and text each
_MESSAGE_LIMIT = 4_000  # GitHub allows 64 KB; an annotation is read in a small box
_TITLE_LIMIT = 255


class Level(enum.Enum):
    FAILURE = "failure"
    WARNING = "warning"
    NOTICE = "notice"


_LEVEL = {Severity.HIGH: Level.FAILURE, Severity.MEDIUM: Level.WARNING, Severity.LOW: Level.NOTICE}


@dataclass(frozen=True)
class Annotation:
    path: str  # relative to the repository root
    line: int
    level: Level
    title: str
    message: str

    def as_json(self) -> dict[str, str | int]:
        return {
            "path": self.path,
            "start_line": self.line,
            "end_line": self.line,
            "annotation_level": self.level.value,
            "title": self.title,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckOutput:
    title: str
    summary: str
    text: str = ""

    def as_json(self) -> dict[str, str]:
        out = {"title": self.title, "summary": self.summary}
        if self.text:
            out["text"] = self.text
        return out


@dataclass(frozen=True)
class Annotations:
    annotations: tuple[Annotation, ...]
    unplaced: tuple[ResourceResult, ...]  # resources with no file in the repository
    left_out: int  # over MAX_ANNOTATIONS


def check_name(report_id: str) -> str:
    return f"drift ({report_id})"[:_TITLE_LIMIT]


def conclusion(report: Report, fail_on: FailOn) -> str:
    """failure for what fails the job; neutral for drift let through (`fail_on: none`); a
    pull request's planned changes alone are a success."""
    if report.has_errors or report.fails(fail_on):
        return "failure"
    return "neutral" if report.has_drift else "success"


def build_annotations(
    report: Report,
    *,
    workspace: str,
    cwd: str,
    is_file: Callable[[str], bool],
    limit: int = MAX_ANNOTATIONS,
) -> Annotations:
    """Annotations for the resources that are not in sync and whose source is a file in the
    repository (`is_file` gets the path relative to `workspace`); most urgent first."""
    placed: list[Annotation] = []
    unplaced: list[ResourceResult] = []
    for result in report.sorted_resources():
        if result.status in (Status.IN_SYNC, Status.EXTRA):
            continue  # an extra resource's source is a snapshot or the cluster, not Git
        source = result.source
        path = repository_path(source.file, workspace=workspace, cwd=cwd) if source else None
        if source is None or path is None or not is_file(path):
            unplaced.append(result)
            continue
        placed.append(_annotation(result, path, source.line or 1))
    return Annotations(tuple(placed[:limit]), tuple(unplaced), max(len(placed) - limit, 0))


def batches(items: Sequence[Annotation]) -> Iterator[tuple[Annotation, ...]]:
    for start in range(0, len(items), ANNOTATIONS_PER_REQUEST):
        yield tuple(items[start : start + ANNOTATIONS_PER_REQUEST])


def repository_path(file: str, *, workspace: str, cwd: str) -> str | None:
    """`file` (relative to `cwd`, or absolute) relative to the repository root, or None when it
    is outside it or is not a path at all (`cluster https://...`)."""
    if not file or "://" in file or file.startswith(("cluster ", "-")):
        return None
    absolute = posixpath.normpath(posixpath.join(cwd, file))
    root = posixpath.normpath(workspace)
    if absolute != root and not absolute.startswith(root.rstrip("/") + "/"):
        return None
    relative = posixpath.relpath(absolute, root)
    return None if relative in (".", "") else relative


def _annotation(result: ResourceResult, path: str, line: int) -> Annotation:
    """Drift and conflicts at their severity's level; what a pull request itself changes (or
    adopts from the cluster) as a notice: it is the author's intent, not a problem."""
    if result.status is Status.MISSING and result.object_class is ChangeClass.PLANNED:
        level, what = Level.NOTICE, "created on merge"
        lines = ["New in this pull request: not in the cluster yet."]
    elif result.status is Status.MISSING:
        level, what = Level.FAILURE, "missing from the cluster"
        lines = ["Declared in Git but not found in the cluster."]
    elif result.status is Status.ERROR:
        level, what = Level.WARNING, "could not be compared"
        lines = [result.message or "unknown error"]
    else:
        failing = [c for c in result.changes if c.change_class.fails]
        top = min((c.severity for c in failing), key=lambda s: s.rank, default=None)
        level = _LEVEL[top] if top is not None else Level.NOTICE
        what = _what(result)
        lines = [_change_line(c) for c in result.changes]
    message = _cap("\n".join(lines), _MESSAGE_LIMIT)
    return Annotation(path, line, level, f"{result.key} {what}"[:_TITLE_LIMIT], message)


_VERB = {
    ChangeClass.DRIFT: "drifted",
    ChangeClass.CONFLICT: "in conflict",
    ChangeClass.PLANNED: "changed by this PR",
    ChangeClass.ADOPTED: "adopted from the cluster",
}


def _what(result: ResourceResult) -> str:
    count = plural(len(result.changes), "change")
    found = result.change_class
    return f"{_VERB[found] if found else 'drifted'} ({count})"


def _change_line(change: Change) -> str:
    git = "PR" if change.change_class is not ChangeClass.DRIFT else "Git"
    if change.type in (ChangeType.CHANGED, ChangeType.MISSING):
        text = f"{change.path_text}: {git} {show_desired(change)}, cluster {show_live(change)}"
    else:
        text = f"{change.path_text}: {change_kind(change)}: {show_live(change)}"
    who = by(change.attribution)
    tag = change.severity.value
    if change.change_class is not ChangeClass.DRIFT:
        tag = f"{change.change_class.value}, {tag}"
    return f"[{tag}] {text}" + (f" (by {who})" if who else "")


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 40)
    cut = cut if cut > 0 else limit - 40
    return text[:cut] + f"\n… ({len(text) - cut} more characters)"


def output_text(found: Annotations, *, listed: int = 200) -> str:
    """The check run's text: where the annotations are, and which resources have none."""
    lines = [
        f"{plural(len(found.annotations), 'annotation')} on the manifest lines that declare "
        "the resources."
    ]
    if found.left_out:
        lines.append(
            f"{plural(found.left_out, 'more resource')} not annotated (at most "
            f"{MAX_ANNOTATIONS} annotations): the summary lists them."
        )
    if found.unplaced:
        lines += ["", "Not annotated, as their source is not a file in the repository:", ""]
        lines += [
            f"- {code(str(r.key))}" + (f" ({code(str(r.source))})" if r.source else "")
            for r in found.unplaced[:listed]
        ]
        if len(found.unplaced) > listed:
            lines.append(f"- and {len(found.unplaced) - listed} more")
    return _cap("\n".join(lines), OUTPUT_LIMIT)
