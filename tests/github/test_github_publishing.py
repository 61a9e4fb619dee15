"""The pure side of GitHub publishing, without a server: inputs, the event, the comment marker
and body, the size limits, the comment and issue decisions, check run annotations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from drift_action.action import SUMMARY_LIMIT
from drift_action.core.errors import UsageError
from drift_action.core.model import (
    Change,
    ChangeClass,
    ChangeType,
    FailOn,
    Report,
    ResourceKey,
    ResourceResult,
    Severity,
    SourceLocation,
    Status,
)
from drift_action.github import checks, comment, issue
from drift_action.github.api import Author, Comment, Issue
from drift_action.github.context import GitHubContext, parse_context
from drift_action.github.publish import summary_markdown
from drift_action.github.settings import (
    CommentMode,
    IssueMode,
    default_report_id,
    publish_settings,
)
from drift_action.report import markdown
from drift_action.report.limits import fit, utf8_bytes

BOT = Author("github-actions[bot]", "Bot")
PERSON = Author("alice", "User")
HEAD = "0123456789abcdef0123456789abcdef01234567"
MERGE = "fedcba9876543210fedcba9876543210fedcba98"


def drifted(
    name: str,
    *,
    changes: int = 1,
    severity: Severity = Severity.MEDIUM,
    source: SourceLocation | None = None,
    value: str = "x",
) -> ResourceResult:
    return ResourceResult(
        ResourceKey("", "ConfigMap", "shop", name),
        "v1",
        Status.DRIFTED,
        source or SourceLocation("deploy/config.yaml", 1),
        tuple(
            Change(("data", f"k{i}"), ChangeType.CHANGED, value, value + "-live", severity=severity)
            for i in range(changes)
        ),
    )


def in_sync(name: str) -> ResourceResult:
    return ResourceResult(
        ResourceKey("", "ConfigMap", "shop", name), "v1", Status.IN_SYNC, SourceLocation("a.yaml")
    )


# -- inputs ----------------------------------------------------------------------------------


def test_no_token_means_no_publishing_and_defaults_are_sane() -> None:
    assert publish_settings({}) is None
    settings_ = publish_settings({"INPUT_GITHUB_TOKEN": "ghs_x", "INPUT_MANIFESTS": "deploy/"})
    assert settings_ is not None
    assert settings_.comment_mode is CommentMode.ALWAYS
    assert settings_.issue_mode is IssueMode.AUTO
    assert not settings_.check_run and not settings_.hide_outdated
    assert settings_.issue_labels == ("drift",)
    assert settings_.report_id == "deploy/ @ cluster"
    assert "ghs_x" not in repr(settings_)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"comment_mode": "sometimes"}, "input comment_mode: 'sometimes' is not one of always"),
        ({"issue_mode": "maybe"}, "input issue_mode: expected auto, true or false"),
        ({"check_run": "yes please"}, "input check_run: expected true or false"),
        ({"pr_number": "#12"}, "input pr_number: expected a pull request number"),
        ({"check_run": "true", "github_token": ""}, "input check_run needs github_token"),
        ({"issue_mode": "true", "github_token": ""}, "input issue_mode needs github_token"),
    ],
)
def test_bad_inputs_are_named(inputs: dict[str, str], message: str) -> None:
    env = {"INPUT_GITHUB_TOKEN": "ghs_x"} | {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    with pytest.raises(UsageError, match="^" + message.replace("(", r"\(")):
        publish_settings(env)


def test_report_id_tells_matrix_entries_apart_and_stays_stable() -> None:
    base = {"INPUT_KUSTOMIZE": "overlays/prod", "INPUT_CONTEXT": "prod-eu"}
    assert default_report_id(base) == "overlays/prod @ prod-eu"
    other_cluster = default_report_id({**base, "INPUT_CONTEXT": "prod-us"})
    other_env = default_report_id({**base, "INPUT_KUSTOMIZE": "overlays/staging"})
    namespaced = default_report_id({**base, "INPUT_NAMESPACE": "team-a"})
    with_set = default_report_id({**base, "INPUT_SET": "image.tag=2"})
    ids = {default_report_id(base), other_cluster, other_env, namespaced, with_set}
    assert len(ids) == 5
    assert namespaced == "overlays/prod (team-a) @ prod-eu"
    assert with_set.startswith("overlays/prod @ prod-eu #")
    server = default_report_id({"INPUT_MANIFESTS": "a", "INPUT_SERVER": "https://10.0.0.1:6443"})
    assert server.startswith("a @ server #") and "10.0.0.1" not in server
    long = default_report_id({"INPUT_MANIFESTS": ",".join(f"dir{i}" for i in range(60))})
    assert len(long) <= 100 and long == default_report_id(
        {"INPUT_MANIFESTS": ",".join(f"dir{i}" for i in range(60))}
    )


# -- the event -------------------------------------------------------------------------------


def env_for(event: str) -> dict[str, str]:
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_REPOSITORY": "octo-org/shop",
        "GITHUB_SHA": MERGE,
        "GITHUB_RUN_ID": "99",
        "GITHUB_API_URL": "https://ghe.example/api/v3/",
        "GITHUB_SERVER_URL": "https://ghe.example",
    }


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
def test_pull_request_events_use_the_head_commit_not_the_merge_commit(event: str) -> None:
    payload = {"number": 7, "pull_request": {"number": 7, "head": {"sha": HEAD}}}
    context = parse_context(env_for(event), payload, workspace="/w")
    assert (context.pr_number, context.sha) == (7, HEAD)
    assert context.api_url == "https://ghe.example/api/v3"
    assert context.run_url == "https://ghe.example/octo-org/shop/actions/runs/99"
    assert not context.is_nightly


@pytest.mark.parametrize("event", ["push", "schedule", "workflow_dispatch"])
def test_other_events_use_github_sha_and_have_no_pull_request(event: str) -> None:
    context = parse_context(env_for(event), {"ref": "refs/heads/main"}, workspace="/w")
    assert (context.pr_number, context.sha) == (None, MERGE)
    assert context.is_nightly == (event != "push")


def test_workflow_run_reports_on_the_triggering_pull_request() -> None:
    payload = {"workflow_run": {"head_sha": HEAD, "pull_requests": [{"number": 12}]}}
    context = parse_context(env_for("workflow_run"), payload, workspace="/w")
    assert (context.pr_number, context.sha) == (12, HEAD)
    fork = {"workflow_run": {"head_sha": HEAD, "pull_requests": []}}
    assert parse_context(env_for("workflow_run"), fork, workspace="/w").pr_number is None
    given_ = parse_context(env_for("workflow_run"), fork, pr_number=31, workspace="/w")
    assert given_.pr_number == 31


def test_a_bad_repository_is_an_error() -> None:
    with pytest.raises(UsageError, match="GITHUB_REPOSITORY must be owner/name"):
        parse_context({**env_for("push"), "GITHUB_REPOSITORY": "shop"}, {}, workspace="/w")


# -- marker, body, size limits ---------------------------------------------------------------


@given(st.text(min_size=1, max_size=80))
def test_marker_round_trips_any_report_id(report_id: str) -> None:
    marker = comment.Marker(report_id, "0123abcd", comment.State.DRIFT)
    line = marker.render()
    assert "\n" not in line and line.count("-->") == 1 and line.endswith("-->")
    assert comment.parse_marker(line + "\nbody") == marker


def test_a_quoted_marker_is_not_ours() -> None:
    line = comment.Marker("a", "00", comment.State.DRIFT).render()
    assert comment.parse_marker(f"> {line}\nquoted") is None
    assert comment.parse_marker(f"thanks!\n{line}") is None


def parse(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def check_markdown(text: str) -> None:
    """No broken table and balanced <details>, as GitHub would render it."""
    tokens = parse(text)
    html = "".join(t.content for t in tokens if t.type == "html_block")
    assert html.count("<details>") == html.count("</details>")
    assert html.count("<summary>") == html.count("</summary>")
    width: int | None = None
    cells = 0
    for token in tokens:
        if token.type == "table_open":
            width = None
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            assert width in (None, cells), "a table row with a different number of cells"
            width = cells
    # Every table row was parsed as a table row, not left as a paragraph of pipes.
    stray = [t.content for t in tokens if t.type == "inline" and t.content.startswith("| ")]
    assert not stray, stray[:3]


def big_report(n: int, *, value: str = "x") -> Report:
    results = [
        drifted(f"cm-{i:05}", changes=1 + i % 3, severity=list(Severity)[i % 3], value=value)
        for i in range(n)
    ]
    return Report((*results, *(in_sync(f"ok-{i}") for i in range(n // 2))), warnings=("w",))


def summary_lines(text: str) -> list[str]:
    """The one-line summaries of resources (the list outside the details)."""
    return [line for line in text.splitlines() if re.match(r"- (🔴|🟠|🟡) \*\*", line)]


def test_a_huge_report_is_cut_between_resources_and_keeps_the_most_severe() -> None:
    report = big_report(3_000)
    document = markdown.document(report)
    marker = comment.Marker("prod", "00", comment.State.DRIFT)
    body, fitted = comment.report_body(document, marker, run_url="https://gh/run/1", sha=HEAD)
    assert len(body) <= comment.BODY_LIMIT
    assert fitted.cut and fitted.omitted > 0
    assert body.startswith(marker.render() + "\n### ⚠️ Drift detected: 3000 drifted, 1500 in sync")
    # What was left out is counted as drift, apart from the in-sync resources (always counted).
    assert f"**Not shown here: {fitted.omitted} resources with drift**" in body
    assert "🟢 **In sync:** 1500 resources (1500 ConfigMap)" in body
    assert "[this run](https://gh/run/1)" in body
    check_markdown(body)
    shown = summary_lines(body)
    order = [r for r in report.sorted_resources() if r.status is Status.DRIFTED]
    assert shown == summary_lines(markdown.render(Report(tuple(order[: len(shown)]))))
    assert shown[0].startswith("- 🔴 **high**")  # the most severe first
    assert fitted.omitted == 3_000 - len(shown)


def test_one_huge_resource_is_cut_between_its_changes() -> None:
    report = Report((drifted("huge", changes=5_000, value="v" * 150),))
    fitted = fit(markdown.document(report), 20_000, lambda n: f"{n} more")
    assert len(fitted.text) <= 20_000
    assert fitted.omitted == 0 and fitted.cut
    assert "more changes of 5000 not shown here" in fitted.text
    check_markdown(fitted.text)


def test_job_summary_budget_counts_utf8_bytes() -> None:
    report = big_report(400, value="ü€😀" * 40)
    document = markdown.document(report)
    text = fit(document, 100_000, lambda n: f"{n} more", measure=utf8_bytes).text
    assert len(text.encode("utf-8")) <= 100_000 < len(markdown.render(report).encode("utf-8"))
    check_markdown(text)


def test_the_job_summary_stays_under_one_mebibyte() -> None:
    report = big_report(3_000, value="ü" * 30)
    assert len(markdown.render(report).encode("utf-8")) > 1024 * 1024
    text = summary_markdown(report, explain=False, run_url="https://gh/run/1", limit=SUMMARY_LIMIT)
    assert len(text.encode("utf-8")) <= SUMMARY_LIMIT < 1024 * 1024
    assert "see the drift-report.md artifact of [this run](https://gh/run/1)" in text
    check_markdown(text)


def test_a_report_that_fits_is_left_whole() -> None:
    report = big_report(3)
    fitted = fit(markdown.document(report), 65_536, lambda n: "never")
    assert fitted.text == markdown.render(report) and not fitted.cut


reports = st.builds(
    lambda n, syncs, warnings, changes: Report(
        (
            *(drifted(f"d{i}", changes=changes) for i in range(n)),
            *(in_sync(f"s{i}") for i in range(syncs)),
        ),
        warnings=tuple(f"warning {i} | `x`" for i in range(warnings)),
    ),
    st.integers(0, 60),
    st.integers(0, 200),
    st.integers(0, 3),
    st.integers(1, 40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports, st.integers(1_500, 30_000))
def test_any_report_fits_any_budget_as_valid_markdown(report: Report, budget: int) -> None:
    fitted = fit(markdown.document(report), budget, lambda n: f"**{n} more resources**: see")
    assert len(fitted.text) <= budget
    check_markdown(fitted.text)
    if fitted.cut:
        assert fitted.text.rstrip().endswith("see")
    else:
        assert fitted.text == markdown.render(report)


# -- comment decisions -----------------------------------------------------------------------


def body_for(report: Report, report_id: str = "prod") -> str:
    document = markdown.document(report)
    marker = comment.Marker(
        report_id, comment.digest(markdown.render(report)), comment.state_of(report)
    )
    return comment.report_body(document, marker, run_url=None, sha="")[0]


def ours(body: str, ident: int = 1, author: Author = BOT) -> Comment:
    return Comment(ident, body, author)


DRIFT = Report((drifted("a"),))
CLEAN = Report((in_sync("a"),))
ERRORS = Report((ResourceResult(ResourceKey("", "X", "", "x"), "v1", Status.ERROR, None),))


def plan(
    mode: CommentMode, report: Report, mine: Sequence[Comment], *, hide: bool = False
) -> comment.CommentPlan:
    return comment.plan_comment(
        mode,
        mine,
        report=report,
        body=body_for(report),
        cleared="<!-- cleared -->",
        hide_outdated=hide,
    )


@pytest.mark.parametrize(
    ("mode", "report", "existing", "expected"),
    [
        (CommentMode.ALWAYS, DRIFT, None, comment.Action.CREATE),
        (CommentMode.ALWAYS, DRIFT, DRIFT, comment.Action.EDIT),
        (CommentMode.ALWAYS, CLEAN, None, comment.Action.CREATE),
        (CommentMode.ON_CHANGE, DRIFT, DRIFT, comment.Action.NONE),
        (CommentMode.ON_CHANGE, CLEAN, DRIFT, comment.Action.EDIT),
        (CommentMode.ON_CHANGE, DRIFT, None, comment.Action.CREATE),
        (CommentMode.ON_DRIFT, CLEAN, None, comment.Action.NONE),
        (CommentMode.ON_DRIFT, DRIFT, None, comment.Action.CREATE),
        (CommentMode.ON_DRIFT, DRIFT, DRIFT, comment.Action.EDIT),
        (CommentMode.ON_DRIFT, CLEAN, DRIFT, comment.Action.EDIT),
        (CommentMode.ON_DRIFT, CLEAN, CLEAN, comment.Action.NONE),
        (CommentMode.ON_DRIFT, ERRORS, None, comment.Action.NONE),
        (CommentMode.ON_DRIFT, ERRORS, DRIFT, comment.Action.EDIT),
        (CommentMode.OFF, DRIFT, DRIFT, comment.Action.NONE),
    ],
)
def test_comment_modes(
    mode: CommentMode, report: Report, existing: Report | None, expected: comment.Action
) -> None:
    mine = [ours(body_for(existing))] if existing is not None else []
    result = plan(mode, report, mine)
    assert result.action is expected
    if mode is CommentMode.ON_DRIFT and report is CLEAN and expected is comment.Action.EDIT:
        assert result.body == "<!-- cleared -->"


def test_once_cleared_an_on_drift_comment_is_left_alone() -> None:
    cleared = comment.cleared_body(
        CLEAN, comment.Marker("prod", "00", comment.State.CLEARED), run_url=None, sha=""
    )
    assert plan(CommentMode.ON_DRIFT, CLEAN, [ours(cleared)]).action is comment.Action.NONE
    assert plan(CommentMode.ON_DRIFT, DRIFT, [ours(cleared)]).action is comment.Action.EDIT


def test_only_our_own_comments_for_this_report_count() -> None:
    body = body_for(DRIFT)
    found = [
        Comment(1, body, PERSON),  # a person quoting our comment whole
        Comment(2, body_for(DRIFT, "staging"), BOT),  # another matrix entry
        Comment(3, "LGTM", BOT),
        Comment(5, body, BOT),
        Comment(4, body, BOT),
        Comment(6, comment.mark_outdated(body), BOT),
    ]
    assert [c.id for c in comment.own_items(found, "prod", None)] == [4, 5]
    assert comment.own_items(found, "prod", "alice") == [found[0]]
    result = plan(CommentMode.ALWAYS, DRIFT, comment.own_items(found, "prod", None), hide=True)
    assert result.target is not None and result.target.id == 5
    assert [c.id for c in result.outdated] == [4]
    assert comment.parse_marker(comment.mark_outdated(body)) == comment.Marker(
        "prod",
        comment.parse_marker(body).digest,
        comment.State.OUTDATED,  # type: ignore[union-attr]
    )


# -- the nightly issue -----------------------------------------------------------------------


def context_for(event: str) -> GitHubContext:
    return parse_context(env_for(event), {}, workspace="/w")


@pytest.mark.parametrize(
    ("mode", "event", "wanted"),
    [
        (IssueMode.AUTO, "schedule", True),
        (IssueMode.AUTO, "workflow_dispatch", True),
        (IssueMode.AUTO, "push", False),
        (IssueMode.AUTO, "pull_request", False),
        (IssueMode.ALWAYS, "push", True),
        (IssueMode.NEVER, "schedule", False),
    ],
)
def test_when_the_issue_is_kept(mode: IssueMode, event: str, wanted: bool) -> None:
    assert issue.wanted(mode, context_for(event)) is wanted


def test_issue_lifecycle_decisions() -> None:
    open_issue = Issue(3, body_for(DRIFT), BOT)
    assert issue.plan_issue(DRIFT, []).action is issue.IssueAction.OPEN
    assert issue.plan_issue(DRIFT, [open_issue]) == issue.IssuePlan(
        issue.IssueAction.UPDATE, open_issue
    )
    assert issue.plan_issue(CLEAN, [open_issue]).action is issue.IssueAction.CLOSE
    assert issue.plan_issue(CLEAN, []).action is issue.IssueAction.NONE
    assert issue.plan_issue(ERRORS, [open_issue]).action is issue.IssueAction.NONE
    newest = issue.plan_issue(
        DRIFT, comment.own_items([Issue(9, open_issue.body, BOT), open_issue], "prod", None)
    )
    assert newest.issue is not None and newest.issue.number == 9


# -- check runs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("deploy/web.yaml", "deploy/web.yaml"),
        ("./deploy/../deploy/web.yaml", "deploy/web.yaml"),
        ("/github/workspace/deploy/web.yaml", "deploy/web.yaml"),
        ("/etc/passwd", None),
        ("../outside.yaml", None),
        ("cluster https://10.0.0.1:6443", None),
        ("-", None),
        ("", None),
    ],
)
def test_annotation_paths_are_relative_to_the_repository(file: str, expected: str | None) -> None:
    assert (
        checks.repository_path(file, workspace="/github/workspace", cwd="/github/workspace")
        == expected
    )


def test_annotations_go_on_the_declaring_line_with_the_level_of_the_worst_change() -> None:
    missing = ResourceResult(
        ResourceKey("policy", "PodDisruptionBudget", "shop", "web"),
        "policy/v1",
        Status.MISSING,
        SourceLocation("deploy/pdb.yaml", 1),
    )
    helm = drifted("chart", source=SourceLocation("shop/templates/cm.yaml"))
    extra = ResourceResult(
        ResourceKey("", "ConfigMap", "shop", "x"),
        "v1",
        Status.EXTRA,
        SourceLocation("live.yaml", 3),
    )
    report = Report(
        (
            drifted("low", severity=Severity.LOW, source=SourceLocation("deploy/a.yaml", 14)),
            drifted("high", severity=Severity.HIGH, source=SourceLocation("deploy/a.yaml", 2)),
            missing,
            helm,
            extra,
            in_sync("fine"),
        )
    )
    files = {"deploy/a.yaml", "deploy/pdb.yaml"}
    found = checks.build_annotations(report, workspace="/w", cwd="/w", is_file=files.__contains__)
    placed = [(a.path, a.line, a.level.value) for a in found.annotations]
    assert placed == [
        ("deploy/pdb.yaml", 1, "failure"),
        ("deploy/a.yaml", 2, "failure"),
        ("deploy/a.yaml", 14, "notice"),
    ]
    assert [r.key.name for r in found.unplaced] == ["chart"]
    assert "ConfigMap shop/chart" in checks.output_text(found)
    first = found.annotations[1]
    assert first.title == "ConfigMap shop/high drifted (1 change)"
    assert first.message == '[high] data.k0: Git "x", cluster "x-live"'


def test_annotations_are_capped_and_sent_fifty_at_a_time() -> None:
    report = big_report(700)
    found = checks.build_annotations(report, workspace="/w", cwd="/w", is_file=lambda _: True)
    assert len(found.annotations) == checks.MAX_ANNOTATIONS and found.left_out == 200
    sizes = [len(batch) for batch in checks.batches(found.annotations)]
    assert sizes == [50] * 10


PLANNED_ONLY = Report(
    (
        replace(
            drifted("a"),
            changes=tuple(
                replace(c, change_class=ChangeClass.PLANNED) for c in drifted("a").changes
            ),
        ),
    ),
    base="base commit 1a2b3c4",
)


@pytest.mark.parametrize(
    ("report", "fail_on", "expected"),
    [
        (DRIFT, FailOn.DRIFT, "failure"),
        (DRIFT, FailOn.NONE, "neutral"),
        (CLEAN, FailOn.DRIFT, "success"),
        (ERRORS, FailOn.NONE, "failure"),
        # A pull request's own changes pass, unless planned changes are to fail too.
        (PLANNED_ONLY, FailOn.DRIFT, "success"),
        (PLANNED_ONLY, FailOn.ANY, "failure"),
    ],
)
def test_conclusion(report: Report, fail_on: FailOn, expected: str) -> None:
    assert checks.conclusion(report, fail_on) == expected
