from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from support import EXAMPLES, GOLDEN, ROOT

from drift_action.core.model import (
    Change,
    ChangeType,
    Report,
    ResourceKey,
    ResourceResult,
    SourceLocation,
    Status,
)
from drift_action.core.paths import ListKey
from drift_action.core.selector import parse_selector
from drift_action.pipeline import RunOptions, run
from drift_action.report import RenderOptions, render
from drift_action.report.markdown import code
from drift_action.sources import ManifestsSpec


@pytest.fixture(scope="module")
def example_report() -> Report:
    cwd = Path.cwd()
    os.chdir(ROOT)  # source paths in the report are relative to the working directory
    try:
        return run(
            RunOptions(
                (ManifestsSpec((str(EXAMPLES.relative_to(ROOT) / "manifests"),)),),
                (str(EXAMPLES.relative_to(ROOT) / "live" / "drifted.yaml"),),
                parse_selector("app.kubernetes.io/part-of=shop"),
            )
        )
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize(("fmt", "suffix"), [("markdown", "md"), ("json", "json"), ("text", "txt")])
def test_example_report_matches_golden_file(example_report: Report, fmt: str, suffix: str) -> None:
    """Regenerate with: UPDATE_GOLDEN=1 python -m pytest tests/report/test_reports.py"""
    golden = GOLDEN / f"example.{suffix}"
    text = render(example_report, fmt)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def parse_markdown(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts (inline content), header row first."""
    out: list[list[list[str]]] = []
    row: list[str] = []
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            out.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(tokens[i + 1].content)
        elif token.type == "tr_close":
            out[-1].append(row)
    return out


def test_example_markdown_renders_as_intended(example_report: Report) -> None:
    text = render(example_report, "markdown")
    tokens = parse_markdown(text)
    found = tables(tokens)
    summary, *change_tables, extras, in_sync = found
    assert summary[0] == ["Status", "Resources"]
    assert [row[1] for row in summary[1:]] == ["4", "1", "1", "0", "2"]
    drifted = [r for r in example_report.sorted_resources() if r.status is Status.DRIFTED]
    assert [len(t) - 1 for t in change_tables] == [len(r.changes) for r in drifted]
    assert all(len(row) == 5 for table in change_tables for row in table)
    assert all(len(row) == 3 for table in (extras, in_sync) for row in table)
    html = "".join(t.content for t in tokens if t.type == "html_block")
    assert html.count("<details>") == html.count("</details>") == 7
    deployment = change_tables[0]
    assert deployment[0] == ["Severity", "Field", "Git", "Cluster", "Last written by"]
    assert deployment[1][:2] == ["high", "`spec.template.spec.containers[name=web].image`"]
    assert deployment[2][4] == "kubectl-scale (human) via /scale at 2026-11-20 10:02 UTC"
    assert extras[1:] == [["`Deployment`", "`shop`", "`debug-shell`"]]
    assert len(in_sync) == 3


def test_markdown_survives_pipes_backticks_and_newlines() -> None:
    nasty = "a|b `c` ``d``\nsecond line <script>"
    change = Change(("data", "key|with|pipes"), ChangeType.CHANGED, nasty, "`")
    result = ResourceResult(
        ResourceKey("", "ConfigMap", "n", "x<y>"),
        "v1",
        Status.DRIFTED,
        SourceLocation("a|b.yaml", 3),
        (change,),
    )
    text = render(Report((result,)), "markdown")
    tokens = parse_markdown(text)
    _summary, changes = tables(tokens)
    assert len(changes) == 2 and all(len(row) == 5 for row in changes)
    inline = next(t for t in tokens if t.type == "inline" and "key" in t.content)
    spans = [child.content for child in inline.children or [] if child.type == "code_inline"]
    assert spans == ['data["key|with|pipes"]']
    raw_html = [t.content for t in tokens if t.type in ("html_inline", "html_block")]
    raw_html += [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert not any("script" in chunk for chunk in raw_html)
    assert "x&lt;y&gt;" in text


@pytest.mark.parametrize("value", ["plain", "`", "``x`", "a|b", "ends with `", "` starts"])
def test_code_spans_round_trip(value: str) -> None:
    tokens = parse_markdown(f"| h |\n| --- |\n| {code(value)} |\n")
    cells = [t for t in tokens if t.type == "inline"]
    children = cells[-1].children or []
    assert [c.content for c in children if c.type == "code_inline"] == [value]


def test_json_contract(example_report: Report) -> None:
    document = json.loads(render(example_report, "json"))
    keys = ["in_sync", "drifted", "missing", "extra", "errors", "planned", "conflicts", "adopted"]
    assert list(document["summary"]) == keys
    assert document["summary"] == {
        "in_sync": 2,
        "drifted": 4,
        "missing": 1,
        "extra": 1,
        "errors": 0,
        # No base: nothing is planned, adopted or in conflict; every difference is drift.
        "planned": 0,
        "conflicts": 0,
        "adopted": 0,
    }
    assert document["base"] is None
    for resource in document["resources"]:
        assert {"apiVersion", "kind", "namespace", "name", "status", "source", "changes"} <= set(
            resource
        )
        assert resource["status"] in {"in_sync", "drifted", "missing", "extra", "error"}
        assert set(resource["source"]) == {"file", "line"}
        for change in resource["changes"]:
            assert {"path", "desired", "live"} <= set(change)
    web = next(r for r in document["resources"] if r["kind"] == "Deployment" and r["name"] == "web")
    assert web["source"] == {"file": "examples/manifests/web.yaml", "line": 2}
    replicas = next(c for c in web["changes"] if c["path"] == "spec.replicas")
    assert replicas == {
        "path": "spec.replicas",
        "type": "changed",
        "desired": 3,
        "live": 5,
        "redacted": False,
        "severity": "low",
        "attribution": {
            "manager": "kubectl-scale",
            "operation": "Update",
            "time": "2026-11-20T10:02:31Z",
            "actor": "human",
            "subresource": "scale",
        },
        "class": "drift",
    }


def test_text_colour_only_when_asked(example_report: Report) -> None:
    plain = render(example_report, "text")
    coloured = render(example_report, "text", RenderOptions(color=True))
    assert "\033[" not in plain
    assert "\033[" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain


def test_no_resources_reads_well() -> None:
    assert render(Report(()), "text").startswith("No drift: no resources (0 resources)")


def test_list_keys_and_indexes_format_as_paths() -> None:
    change = Change(
        ("spec", "ports", ListKey((("port", "80"), ("protocol", "TCP"))), "targetPort"),
        ChangeType.CHANGED,
        1,
        2,
    )
    assert change.path_text == "spec.ports[port=80,protocol=TCP].targetPort"
    assert (
        Change(("rules", 0, "verbs"), ChangeType.MISSING, ["get"], None).path_text
        == "rules[0].verbs"
    )
