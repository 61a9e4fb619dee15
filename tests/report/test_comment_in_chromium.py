"""The comments as GitHub shows them: GFM, GitHub's sanitizer rules and stylesheet, a 900 px
comment in headless Chromium, every `<details>` open. No table or code block may be wider than
the comment's body, nor scroll sideways; nor may the body itself.

Skips, with the reason, where Chromium is not installed (.ci/run installs Debian's).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import GOLDEN, chromium
from support.github_html import sanitize
from support.reports import stress_report

from drift_action.github import comment
from drift_action.report import markdown
from drift_action.report.limits import utf8_bytes

RUN_URL = "https://github.com/octo-org/shop/actions/runs/4242"
SUMMARY_LIMIT = 1024 * 1024 - 1024


@pytest.fixture(scope="module")
def browser() -> str:
    found = chromium.find()
    if found is None:
        pytest.skip(f"no Chromium on PATH to lay the comment out: {chromium.INSTALL_HINT}")
    return found


def as_comment(base: bool) -> str:
    """The stress report as the pull request comment: marker, cut to 65,536, footer."""
    report = stress_report(base=base)
    marker = comment.Marker("prod", comment.digest(markdown.render(report)), comment.State.DRIFT)
    body, fitted = comment.report_body(
        markdown.document(
            report, link=lambda s: f"https://github.com/o/r/blob/{'0' * 40}/{s.file}"
        ),
        marker,
        run_url=RUN_URL,
        sha="0" * 40,
    )
    assert fitted.cut
    return body


def as_summary() -> str:
    """The stress report whole, as the job summary holds it (under 1 MiB)."""
    text = markdown.render(stress_report(base=False))
    assert utf8_bytes(text) < SUMMARY_LIMIT
    return text


CASES = {
    "golden example.md": lambda: (GOLDEN / "example.md").read_text(encoding="utf-8"),
    "golden pr.md": lambda: (GOLDEN / "pr.md").read_text(encoding="utf-8"),
    "stress comment": lambda: as_comment(base=False),
    "stress comment with a base": lambda: as_comment(base=True),
    "stress job summary": as_summary,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_nothing_is_wider_than_the_comment(browser: str, case: str, tmp_path: Path) -> None:
    layout = chromium.lay_out(browser, CASES[case](), tmp_path)
    assert layout.content == pytest.approx(866, abs=1)  # 900 px less border and padding
    assert layout.elements, "nothing was laid out"
    assert layout.overflowing() == [], f"widest: {layout.widest:.0f} px"


def test_the_measurement_sees_a_too_wide_table_and_code_block(browser: str, tmp_path: Path) -> None:
    """The check can fail: a table with an unbreakable path, as the former layout had, and a
    long code line are both caught."""
    wide = "x" * 160
    text = (
        "| Field | Git | Cluster |\n| --- | --- | --- |\n"
        f"| `spec.{wide}` | `1` | `2` |\n\n```diff\n- {wide}\n+ {wide}\n```\n"
    )
    found = chromium.lay_out(browser, text, tmp_path).overflowing()
    assert [line.split(" ", 1)[0] for line in found] == ["<table>", "<pre>"], found


def test_the_sanitizer_keeps_what_github_keeps() -> None:
    dirty = (
        '<details open onclick="x()"><summary>s</summary><script>alert(1)</script>'
        '<a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>'
        '<span style="width:9999px">c</span><code class="language-diff">d</code></details>'
    )
    assert sanitize(dirty) == (
        "<details open><summary>s</summary><a>a</a>"
        '<a href="https://ok.example/">b</a>c<code>d</code></details>'
    )
