"""How each format shows a fix: shell lines that run as the argv they stand for (shlex), one
line in text, a fenced block in Markdown whose fence no path can close, argv lists in JSON."""

from __future__ import annotations

import json
import shlex

from drift_action.core.fixes import HIDDEN_VALUE, FixKind, Remediation
from drift_action.core.model import (
    Change,
    ChangeType,
    Report,
    ResourceKey,
    ResourceResult,
    SourceLocation,
    Status,
)
from drift_action.report import render
from drift_action.report.fixes import markdown_lines, shell_lines, text_line

ODD = "deploy/my app/``web``.yaml"  # a space and backticks: quoted, and kept inside the fence
FIX = Remediation(
    FixKind.APPLY,
    ("kubectl", "apply", "-f", ODD),
    (("kubectl", "annotate", "service/web", "-n", "shop", "example.com/debug-owner-"),),
)


def report(fix: Remediation) -> Report:
    key = ResourceKey("", "Service", "shop", "web")
    return Report((ResourceResult(key, "v1", Status.MISSING, SourceLocation(ODD, 1), fix=fix),))


def test_each_shell_line_splits_back_into_its_argv() -> None:
    assert [shlex.split(line) for line in shell_lines(FIX)] == [list(c) for c in FIX.commands]


def test_text_shows_the_commands_on_one_line_each_after_the_one_before_worked() -> None:
    line = text_line(FIX)

    assert line == f"fix: {shlex.join(FIX.command)} && {shlex.join(FIX.then[0])}"
    assert f"    {line}" in render(report(FIX), "text").splitlines()


def test_markdown_shows_a_copyable_block_whose_fence_outgrows_the_backticks_in_it() -> None:
    lines = markdown_lines(FIX)

    assert lines[:3] == ["Fix:", "", "```sh"]
    assert lines[3:5] == shell_lines(FIX)
    assert lines[5] == "```"
    assert "\n".join(lines) in render(report(FIX), "markdown")


def test_json_gives_argv_lists_and_says_when_values_are_left_out() -> None:
    hidden = Remediation(FixKind.HELM, ("helm", "upgrade", "r", "c", "--set", f"a={HIDDEN_VALUE}"))
    hidden = Remediation(hidden.kind, hidden.command, redacted=True)

    [plain] = json.loads(render(report(FIX), "json"))["resources"]
    [helm] = json.loads(render(report(hidden), "json"))["resources"]

    assert plain["remediation"] == {
        "kind": "apply",
        "command": list(FIX.command),
        "then": [list(FIX.then[0])],
        "redacted": False,
    }
    assert helm["remediation"]["redacted"] is True
    assert HIDDEN_VALUE in text_line(hidden) and "replace each" in text_line(hidden)
    # Quoted in Markdown: bare, GitHub would read the placeholder as an HTML tag.
    assert markdown_lines(hidden)[0].startswith(f"Fix (replace each `{HIDDEN_VALUE}` with")


def test_a_pull_requests_report_shows_the_fix_under_drift_already_in_the_cluster() -> None:
    key = ResourceKey("", "ConfigMap", "shop", "web")
    change = Change(("data", "LOG_LEVEL"), ChangeType.CHANGED, "info", "debug")
    result = ResourceResult(
        key, "v1", Status.DRIFTED, SourceLocation("deploy/cm.yaml", 1), (change,), fix=FIX
    )
    with_base = Report((result,), base="base commit 1a2b3c4")

    text = render(with_base, "text")
    markdown = render(with_base, "markdown")

    assert f"    {text_line(FIX)}" in text.splitlines()
    assert "\n".join(markdown_lines(FIX)) in markdown
