"""The Markdown comment, read as GitHub renders it (markdown-it-py with GFM tables): a visible
line per resource, details collapsed, values as diffs, nothing unsafe, cuts that say what
they left out by class."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from support.reports import HIDDEN, bundled_example, pr_report, stress_report

from drift_action.core.model import (
    Actor,
    Attribution,
    Change,
    ChangeClass,
    ChangeType,
    Report,
    ResourceKey,
    ResourceResult,
    Severity,
    SourceLocation,
    Status,
)
from drift_action.github import comment
from drift_action.report import markdown, render
from drift_action.report.limits import Cut, fit
from drift_action.report.markdown import code
from drift_action.report.oneline import span


def parse(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)


def visible_lines(text: str) -> list[str]:
    """The list items outside every `<details>`: what a reader sees with all collapsed."""
    depth, out = 0, []
    for token in parse(text):
        if token.type == "html_block":
            depth += token.content.count("<details>") - token.content.count("</details>")
        elif token.type == "inline" and depth == 0 and token.level >= 2 and token.map:
            out.append(token.content)
    return out


def fences(text: str) -> list[str]:
    return [t.content for t in parse(text) if t.type == "fence" and t.info == "diff"]


def balanced(text: str) -> None:
    blocks = "".join(t.content for t in parse(text) if t.type == "html_block")
    assert blocks.count("<details>") == blocks.count("</details>")
    assert blocks.count("<summary>") == blocks.count("</summary>")


@pytest.fixture(scope="module")
def example() -> str:
    return render(bundled_example(), "markdown")


def test_one_visible_line_per_resource_says_what_matters(example: str) -> None:
    lines = visible_lines(example)
    assert lines == [
        "🔴 **missing** · PodDisruptionBudget `shop/web` · in Git, not in the cluster",
        "🔴 **high** · Deployment `shop/web` · `image` `1.4.2` → `1.4.3-hotfix` · "
        "`kubectl-set` (human) · 1 more change",
        "🟠 **extra** · Deployment `shop/debug-shell` · in the cluster, not in Git",
        "🟠 **medium** · ConfigMap `shop/web-config` · `LOG_LEVEL` `info` → `debug` · "
        "`kubectl-edit` (human)",
        "🟠 **medium** · Secret `shop/web-credentials` · `password` value changed (hidden)",
        '🟡 **low** · Service `shop/web` · `annotations["example.com/debug-owner"]` added '
        "outside Git `alice` · `kubectl-annotate` (human)",
    ]
    balanced(example)


def test_no_zero_rows_in_sync_as_counts_and_no_table(example: str) -> None:
    assert not [t for t in parse(example) if t.type == "table_open"]
    assert " 0 " not in example and "| 0 |" not in example
    assert "🟢 **In sync:** 2 resources (1 Namespace, 1 ServiceAccount)" in example
    assert "not checked" not in example  # the example gives a selector


def test_extras_not_looked_for_say_so() -> None:
    result = ResourceResult(ResourceKey("", "ConfigMap", "n", "c"), "v1", Status.IN_SYNC, None)
    text = render(Report((result,)), "markdown")
    assert "**Extra resources** (in the cluster, not in Git): not checked (no selector)" in text
    assert "not checked" not in render(Report((result,), extras_checked=True), "markdown")


def test_changes_are_diff_blocks_with_who(example: str) -> None:
    blocks = fences(example)
    assert blocks[0] == (
        "@@ spec.template.spec.containers[name=web].image @@ high\n"
        "  by kubectl-set (human) at 2026-11-20 10:05 UTC\n"
        "- ghcr.io/example/shop-web:1.4.2\n"
        "+ ghcr.io/example/shop-web:1.4.3-hotfix\n"
        "@@ spec.replicas @@ low\n"
        "  by kubectl-scale (human) via /scale at 2026-11-20 10:02 UTC\n"
        "- 3\n"
        "+ 5\n"
    )
    assert "value changed (hidden)" in blocks[2]


def test_a_pull_request_has_four_sections_in_order() -> None:
    text = render(pr_report(), "markdown")
    tokens = parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [h for h in headings if not h.startswith("⚠️")] == [
        "Drift already in the cluster (2)",
        "Conflicts (1)",
        "What this PR changes (5)",
        "Adopted from the cluster (1)",
    ]
    lines = visible_lines(text)
    assert "**new** · ConfigMap `shop/feature-flags` · created on merge" in lines
    assert (
        "**deleted** · CronJob `shop/cleanup` · deleted on merge if your deployer prunes, "
        "else left orphaned" in lines
    )
    assert "**medium** · Secret `shop/web-credentials` · `password` value changed (hidden)" in lines
    conflict = next(line for line in lines if "shop/api" in line)
    assert conflict == (
        "🔴 **high** · Deployment `shop/api` · `image` Git `3.1.0`, cluster `3.1.1-hotfix`, "
        "PR `3.2.0` · `kubectl-set` (human)"
    )
    # The planned change names no field manager: it is the PR's own.
    assert "**high** · Deployment `shop/web` · `image` `1.4.2` → `1.4.3`" in lines
    balanced(text)


def test_a_multi_line_value_is_a_line_diff_with_context() -> None:
    old = "\n".join(f"key.{i}=value-{i}" for i in range(80))
    new = old.replace("key.60=value-60", "key.60=changed")
    change = Change(("data", "app.properties"), ChangeType.CHANGED, old, new)
    result = ResourceResult(
        ResourceKey("", "ConfigMap", "n", "c"), "v1", Status.DRIFTED, None, (change,)
    )
    text = render(Report((result,)), "markdown")
    (block,) = fences(text)
    assert block.splitlines()[1:] == [
        "  … line 59",
        "  key.58=value-58",
        "  key.59=value-59",
        "- key.60=value-60",
        "+ key.60=changed",
        "  key.61=value-61",
        "  key.62=value-62",
    ]
    assert "line 61 `key.60=value-60` → `key.60=changed`" in visible_lines(text)[0]


def test_a_long_value_shows_where_it_differs() -> None:
    old = "".join(f"{i:04d}" for i in range(2000))
    change = Change(("data", "blob"), ChangeType.CHANGED, old, old[:-1] + "!")
    result = ResourceResult(
        ResourceKey("", "ConfigMap", "n", "c"), "v1", Status.DRIFTED, None, (change,)
    )
    text = render(Report((result,)), "markdown")
    (block,) = fences(text)
    minus = "".join(
        line[4:] if line.startswith("-   ") else line[2:]
        for line in block.splitlines()
        if line.startswith("-")
    )
    plus = "".join(
        line[4:] if line.startswith("+   ") else line[2:]
        for line in block.splitlines()
        if line.startswith("+")
    )
    assert minus.endswith("19981999 (8000 chars)") and plus.endswith("1998199! (8000 chars)")
    assert max(len(line) for line in block.splitlines()) <= 90


def test_a_secret_is_never_shown_not_even_its_base() -> None:
    change = Change(
        ("data", "password"),
        ChangeType.CHANGED,
        HIDDEN,
        HIDDEN,
        redacted=True,
        change_class=ChangeClass.CONFLICT,
        base="the-old-password",  # even were a base value left on a redacted change
    )
    result = ResourceResult(
        ResourceKey("", "Secret", "n", "s"), "v1", Status.DRIFTED, None, (change,)
    )
    for fmt in ("markdown", "text"):
        text = render(Report((result,), base="base commit 1a2b3c4"), fmt)
        assert "the-old-password" not in text
        assert "value changed (hidden)" in text


def test_a_terraform_report_says_desired() -> None:
    change = Change(("spec", "replicas"), ChangeType.CHANGED, 3, 5)
    source = SourceLocation("plan.json", None, "kubernetes_deployment.web")
    result = ResourceResult(
        ResourceKey("apps", "Deployment", "n", "w"), "apps/v1", Status.DRIFTED, source, (change,)
    )
    text = render(Report((result,)), "markdown")
    assert "`-` Desired, `+` the cluster" in text
    assert "Git" not in text


def test_file_and_line_link_to_the_commit() -> None:
    report = bundled_example()

    def link(source: SourceLocation) -> str | None:
        return f"https://github.example/o/r/blob/abc/{source.file}#L{source.line}"

    text = markdown.render(report, link=link)
    assert (
        "<b>Deployment shop/web</b> · [`examples/manifests/web.yaml:2`]"
        "(https://github.example/o/r/blob/abc/examples/manifests/web.yaml#L2)" in text
    )


def test_markdown_survives_pipes_backticks_newlines_and_html() -> None:
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
    tokens = parse(text)
    inline = next(t for t in tokens if t.type == "inline" and "key" in t.content)
    spans = [child.content for child in inline.children or [] if child.type == "code_inline"]
    assert spans[1] == 'data["key|with|pipes"]'  # the short field name, pipes intact
    raw_html = [t.content for t in tokens if t.type in ("html_inline", "html_block")]
    raw_html += [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert not any("script" in chunk for chunk in raw_html)
    assert "x&lt;y&gt;" in text
    (block,) = fences(text)
    assert "second line <script>" in block  # shown as text in the code block
    balanced(text)


@pytest.mark.parametrize(
    "value", ["plain", "`", "``x`", "a|b", "ends with `", "` starts", " ", " padded ", "@x #1"]
)
def test_code_spans_round_trip(value: str) -> None:
    tokens = parse(f"- {span(value)}\n")
    children = next(t for t in tokens if t.type == "inline").children or []
    assert [c.content for c in children if c.type == "code_inline"] == [value]
    if value in ("plain", "`", "``x`", "a|b", "ends with `", "` starts"):
        # Table cells (the check run's lists) keep their own escaping, for pipes.
        tokens = parse(f"| h |\n| --- |\n| {code(value)} |\n")
        cells = [t for t in tokens if t.type == "inline"]
        assert [c.content for c in cells[-1].children or [] if c.type == "code_inline"] == [value]


def test_many_resources_are_grouped_by_namespace() -> None:
    text = render(stress_report(base=False), "markdown")
    groups = re.findall(r"^\*\*`(team-\d)`\*\* · (\d+) resources$", text, re.MULTILINE)
    assert [g for g, _ in groups] == [f"team-{i}" for i in range(7)]
    assert sum(int(n) for _, n in groups) == 120
    assert "🟢 **In sync:** 287 resources (287 ConfigMap)" in text


def cut_line(cut: Cut) -> str:
    return comment.more_line(cut, "https://gh/run/1", where="the job summary / artifact")


def test_a_cut_counts_what_it_left_out_by_class_apart_from_in_sync() -> None:
    report = stress_report(base=True)
    fitted = fit(markdown.document(report), 20_000, cut_line)
    assert len(fitted.text) <= 20_000
    balanced(fitted.text)
    shown = len(visible_lines(fitted.text))
    left = dict(fitted.left.left_out)
    assert set(left) <= {
        "with drift",
        "with conflicts",
        "changed by this PR",
        "adopted from the cluster",
    }
    assert sum(left.values()) + shown == 120
    assert "in sync" not in cut_line(fitted.left)
    assert "🟢 **In sync:** 287 resources" in fitted.text  # counts by kind are always kept
    assert fitted.text.rstrip().endswith("[this run](https://gh/run/1).")
    assert re.search(r"\*\*Not shown here: (\d+ resources? [A-Za-z ]+(, )?)+\*\*", fitted.text)


def test_a_cut_that_keeps_every_line_counts_the_details_it_left_out() -> None:
    report = stress_report(base=False)
    fitted = fit(markdown.document(report), 65_000, cut_line)
    balanced(fitted.text)
    assert fitted.left.left_out == () and fitted.left.details > 0
    assert len(visible_lines(fitted.text)) == 120
    assert f"**The details of {fitted.left.details} resources were cut to fit here**" in fitted.text


def test_ordered_by_class_then_severity() -> None:
    def result(name: str, severity: Severity, change_class: ChangeClass) -> ResourceResult:
        change = Change(
            ("spec", "x"), ChangeType.CHANGED, 1, 2, severity=severity, change_class=change_class
        )
        return ResourceResult(
            ResourceKey("", "ConfigMap", "n", name), "v1", Status.DRIFTED, None, (change,)
        )

    report = Report(
        (
            result("planned-high", Severity.HIGH, ChangeClass.PLANNED),
            result("drift-low", Severity.LOW, ChangeClass.DRIFT),
            result("drift-high", Severity.HIGH, ChangeClass.DRIFT),
            result("conflict-medium", Severity.MEDIUM, ChangeClass.CONFLICT),
        ),
        base="base commit 1a2b3c4",
    )
    names = [
        re.search(r"`n/([a-z-]+)`", line)[1] for line in visible_lines(render(report, "markdown"))
    ]  # type: ignore[index]
    assert names == ["drift-high", "drift-low", "conflict-medium", "planned-high"]


def test_who_is_a_code_span_so_nobody_is_mentioned() -> None:
    change = Change(
        ("spec", "replicas"),
        ChangeType.CHANGED,
        1,
        2,
        attribution=Attribution("@octocat", "Update", None, Actor.UNKNOWN),
    )
    result = ResourceResult(
        ResourceKey("", "X", "n", "@team"), "v1", Status.DRIFTED, None, (change,)
    )
    (line,) = visible_lines(render(Report((result,)), "markdown"))
    assert "`@octocat` (unknown)" in line and "`n/@team`" in line


def test_a_huge_value_in_any_shape_stays_a_few_short_lines() -> None:
    """A megabyte added by hand, inside a multi-line text, or in a conflict: each side is cut
    around where it differs, and no line is wider than a comment's code block."""
    big = "x" * 1_000_000
    changes = (
        Change(("data", "added"), ChangeType.ADDED, None, big),
        Change(("data", "text"), ChangeType.CHANGED, f"a\n{big}\nz", f"a\n{big[:-1]}!\nz"),
        Change(
            ("data", "both"),
            ChangeType.CHANGED,
            big,
            big + "?",
            change_class=ChangeClass.CONFLICT,
            base=big[:-5],
        ),
    )
    result = ResourceResult(
        ResourceKey("", "ConfigMap", "n", "c"), "v1", Status.DRIFTED, None, changes
    )
    text = render(Report((result,), base="base commit 1a2b3c4"), "markdown")
    assert len(text) < 6_000
    for block in fences(text):
        assert max(len(line) for line in block.splitlines()) <= 90
    assert text.count("(1000000 chars)") == 4  # added, both lines of the text, the PR's value
    assert "x! (1000000 chars)" in text and "x? (1000001 chars)" in text


def test_a_planned_object_is_said_once_and_a_hint_stays_with_drift() -> None:
    deleted = ResourceResult(
        ResourceKey("", "Service", "shop", "legacy"),
        "v1",
        Status.EXTRA,
        SourceLocation("k8s/web.yaml", 20),
        message="the PR removes it from Git: deleted on merge if the deployer prunes",
        object_class=ChangeClass.PLANNED,
    )
    hinted = ResourceResult(
        ResourceKey("", "ConfigMap", "shop", "c"),
        "v1",
        Status.DRIFTED,
        SourceLocation("plan.json", None, "kubernetes_config_map_v1.c"),
        (Change(("data", "a"), ChangeType.CHANGED, "1", "2"),),
        message="run `terraform plan` to review and `terraform apply` to reconcile",
    )
    report = Report((deleted, hinted), base="the plan's prior state")
    for fmt in ("markdown", "text"):
        text = render(report, fmt)
        assert "the PR removes it from Git" not in text
        assert text.count("deleted on merge if your deployer prunes, else left orphaned") == (
            2 if fmt == "markdown" else 1  # the line and the details
        )
        assert "`terraform apply` to reconcile" in text
