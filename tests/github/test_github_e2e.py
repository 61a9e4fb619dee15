"""End to end: the action's entry point, run as its container runs it, publishing to the GitHub
API emulator through the real PyGithub client: the pull request comment, the check run, the
job summary and outputs, the nightly issue, the size limits and GitHub's refusals."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from support import run_action
from support.github_emulator import (
    ACTIONS_BOT,
    BODY_LIMIT,
    NOT_ACCESSIBLE,
    Fault,
    GitHubEmulator,
    User,
)
from support.github_run import DRIFTED, HEAD, IN_SYNC, MERGE, Runner, pr_event, warnings

RUN_URL = "https://github.example/octo-org/shop/actions/runs/4242"
SECRETS = ("example-only-password", "ZXhhbXBsZS1vbmx5LXBhc3N3b3Jk", "cm90YXRlZC1ieS1oYW5k")


def valid_markdown(text: str) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks = "".join(t.content for t in tokens if t.type == "html_block")
    assert blocks.count("<details>") == blocks.count("</details>")
    rows: list[int] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append(0)
        elif token.type in ("th_open", "td_open"):
            rows[-1] += 1
        elif token.type == "table_close":
            assert len(set(rows)) == 1, rows
            rows = []
    assert not [t for t in tokens if t.type == "inline" and t.content.startswith("| ")]


# -- the pull request comment ----------------------------------------------------------------


def test_one_comment_per_pull_request_edited_in_place(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    people = User("reviewer", 99)
    for i in range(250):  # three pages of 100: our comment is on the last one
        gh.add_comment(number, f"comment {i}", people)
    first = act("pull_request", pr_event(number))
    assert first.returncode == 1, first.stdout + first.stderr
    assert not warnings(first)
    ours = [c for c in gh.comments(number) if c.user == ACTIONS_BOT]
    assert len(ours) == 1 and ours[0].edits == 0
    body = ours[0].body
    assert body.startswith(
        "<!-- drift-action report_id=examples/manifests%20@%20examples/live/drifted.yaml "
    )
    assert "### ⚠️ Drift detected: 4 drifted, 1 missing, 2 in sync (7 resources)" in body
    assert f"[workflow run]({RUN_URL})" in body and "commit <code>0123456</code>" in body
    valid_markdown(body)
    pages = [
        r
        for r in gh.requests
        if r.method == "GET" and r.path.endswith(f"/issues/{number}/comments")
    ]
    assert [r.query.get("page", "1") for r in pages] == ["1", "2", "3"]
    assert act.outputs() == {
        "drift_detected": "true",
        "drifted_count": "5",
        "planned_count": "0",
        "report_path": "drift-report.md",
        "json_report_path": "drift-report.json",
    }
    assert act.summary().startswith("### ⚠️ Drift detected")

    gh.reset_requests()
    second = act("pull_request", pr_event(number))
    assert second.returncode == 1
    ours = [c for c in gh.comments(number) if c.user == ACTIONS_BOT]
    assert len(ours) == 1 and ours[0].edits == 1
    assert not [r for r in gh.requests if r.method == "POST"]
    assert all(c.edits == 0 for c in gh.comments(number) if c.user == people)


def test_on_change_edits_only_when_the_report_changed(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    act("pull_request", pr_event(number), comment_mode="on_change")
    act("pull_request", pr_event(number), comment_mode="on_change")
    (comment,) = gh.comments(number)
    assert comment.edits == 0
    fixed = act(
        "pull_request", pr_event(number), live=IN_SYNC, comment_mode="on_change", report_id="shop"
    )
    assert fixed.returncode == 0
    # Another report id is another comment; the first one is left as it was.
    assert [c.edits for c in gh.comments(number)] == [0, 0]
    act("pull_request", pr_event(number), comment_mode="on_change", report_id="shop")
    shop = gh.comments(number)[1]
    assert shop.edits == 1 and "Drift detected" in shop.body


def test_on_drift_comments_only_while_there_is_drift(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    inputs = {"comment_mode": "on_drift", "report_id": "prod"}
    assert act("pull_request", pr_event(number), live=IN_SYNC, **inputs).returncode == 0
    assert gh.comments(number) == []
    assert act("pull_request", pr_event(number), **inputs).returncode == 1
    assert act("pull_request", pr_event(number), live=IN_SYNC, **inputs).returncode == 0
    (comment,) = gh.comments(number)
    assert comment.edits == 1 and "### ✅ Drift cleared" in comment.body
    assert "state=cleared" in comment.body.splitlines()[0]
    act("pull_request", pr_event(number), live=IN_SYNC, **inputs)
    assert gh.comments(number)[0].edits == 1


def test_a_matrix_keeps_one_comment_per_cluster(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    for live in (DRIFTED, IN_SYNC, DRIFTED, IN_SYNC):
        act("pull_request", pr_event(number), live=live)
    comments = gh.comments(number)
    assert len(comments) == 2 and [c.edits for c in comments] == [1, 1]
    assert "Drift detected" in comments[0].body and "No drift" in comments[1].body


def test_comments_by_people_or_other_tokens_are_never_taken_for_ours(
    act: Runner, gh: GitHubEmulator
) -> None:
    number = gh.add_pull_request(HEAD)
    act("pull_request", pr_event(number), report_id="prod")
    copied = gh.comments(number)[0].body
    mallory = gh.add_comment(number, copied, User("mallory", 66))  # pasted, marker and all
    gh.add_comment(number, "> " + copied, User("reviewer", 99))  # a quote
    gh.store.comments.pop(gh.comments(number)[0].id)  # ours deleted by a maintainer
    result = act("pull_request", pr_event(number), report_id="prod")
    assert not warnings(result)
    assert mallory.edits == 0
    ours = [c for c in gh.comments(number) if c.user == ACTIONS_BOT]
    assert len(ours) == 1 and ours[0].edits == 0


def test_a_personal_token_finds_its_comments_by_login(workspace: Path) -> None:
    me = User("drift-bot-account", 5150)
    with GitHubEmulator(token="ghp_personalaccesstoken000000000000000000", user=me) as gh:
        gh.add_commit(MERGE)
        act = Runner(workspace, gh)
        number = gh.add_pull_request(HEAD)
        act("pull_request", pr_event(number), report_id="prod")
        other_bot = gh.add_comment(
            number, gh.comments(number)[0].body, User("other[bot]", 8, "Bot")
        )
        act("pull_request", pr_event(number), report_id="prod")
        assert [r.path for r in gh.requests].count("/user") == 2
        mine = [c for c in gh.comments(number) if c.user == me]
        assert len(mine) == 1 and mine[0].edits == 1 and other_bot.edits == 0


def test_hide_outdated_minimizes_duplicates_on_enterprise_server(workspace: Path) -> None:
    with GitHubEmulator(prefix="/api/v3") as gh:
        gh.add_commit(MERGE)
        act = Runner(workspace, gh)
        number = gh.add_pull_request(HEAD)
        act("pull_request", pr_event(number), report_id="prod")
        body = gh.comments(number)[0].body
        gh.add_comment(number, body, ACTIONS_BOT)  # a duplicate, as from a race
        result = act("pull_request", pr_event(number), report_id="prod", hide_outdated="true")
        assert not warnings(result), result.stdout
        old, new = gh.comments(number)
        assert old.minimized == "OUTDATED" and "state=outdated" in old.body.splitlines()[0]
        assert new.minimized is None and new.edits == 1
        assert any(r.path == "/api/graphql" for r in gh.requests)
        assert all(r.path.startswith("/api/") for r in gh.requests)
        act("pull_request", pr_event(number), report_id="prod", hide_outdated="true")
        assert (old.edits, new.edits) == (1, 2)


# -- the check run ---------------------------------------------------------------------------


def declared_at(workspace: Path, path: str, line: int) -> tuple[str, str]:
    """Kind and name of the YAML document that starts at `line` of `path`."""
    lines = (workspace / path).read_text().splitlines()
    document = []
    for text in lines[line - 1 :]:
        if text.startswith("---"):
            break
        document.append(text)
    assert document[0].startswith("apiVersion:"), document[0]
    data = yaml.safe_load("\n".join(document))
    return data["kind"], data["metadata"]["name"]


def test_check_run_on_the_head_commit_with_annotations_on_the_declaring_lines(
    act: Runner, gh: GitHubEmulator, workspace: Path
) -> None:
    number = gh.add_pull_request(HEAD)
    result = act("pull_request", pr_event(number), check_run="true", report_id="prod")
    assert result.returncode == 1 and not warnings(result)
    (run,) = gh.check_runs()
    assert (run.name, run.head_sha, run.status, run.conclusion) == (
        "drift (prod)",
        HEAD,
        "completed",
        "failure",
    )
    assert run.output["title"] == "Drift detected: 4 drifted, 1 missing, 2 in sync (7 resources)"
    valid_markdown(run.output["summary"])
    placed = [
        (a["path"], a["start_line"], a["annotation_level"], a["title"]) for a in run.annotations
    ]
    assert placed == [
        ("examples/manifests/pdb.yaml", 1, "failure", "PodDisruptionBudget shop/web missing from the cluster"),
        ("examples/manifests/web.yaml", 2, "failure", "Deployment shop/web drifted (2 changes)"),
        ("examples/manifests/config.yaml", 1, "warning", "ConfigMap shop/web-config drifted (1 change)"),
        ("examples/manifests/config.yaml", 13, "warning", "Secret shop/web-credentials drifted (1 change)"),
        ("examples/manifests/web.yaml", 48, "notice", "Service shop/web drifted (1 change)"),
    ]  # fmt: skip
    for path, line, _, title in placed:
        kind, name = declared_at(workspace, path, line)
        assert title.startswith(f"{kind} shop/{name} ")
    deployment = run.annotations[1]["message"]
    assert deployment.splitlines()[0].startswith(
        '[high] spec.template.spec.containers[name=web].image: Git "ghcr.io/example/shop-web:1.4.2"'
    )


@pytest.mark.parametrize(
    ("live", "fail_on_drift", "code", "conclusion"),
    [(DRIFTED, "false", 0, "neutral"), (IN_SYNC, "true", 0, "success")],
)
def test_check_run_conclusion(
    act: Runner, gh: GitHubEmulator, live: str, fail_on_drift: str, code: int, conclusion: str
) -> None:
    result = act(
        "push", {"ref": "refs/heads/main"}, live=live, check_run="true", fail_on_drift=fail_on_drift
    )
    assert result.returncode == code
    (run,) = gh.check_runs()
    assert (run.head_sha, run.conclusion) == (MERGE, conclusion)
    assert gh.store.comments == {}  # a push has no pull request to comment on


# -- the nightly issue -----------------------------------------------------------------------


def test_nightly_issue_opened_updated_and_closed(act: Runner, gh: GitHubEmulator) -> None:
    gh.add_pull_request(HEAD, title="An open pull request, listed with the issues")
    gh.add_issue("Unrelated", "no marker", User("alice", 3), ["drift"])
    nightly = {"schedule": "17 5 * * *"}
    assert (
        act("schedule", nightly, report_id="prod", issue_labels="drift, cluster/prod").returncode
        == 1
    )
    (opened,) = [i for i in gh.issues(state="open") if i.user == ACTIONS_BOT]
    assert opened.title == "Drift detected: prod"
    assert opened.labels == ["drift", "cluster/prod"]
    assert opened.body.startswith("<!-- drift-action report_id=prod ")
    assert "Drift detected" in opened.body and RUN_URL in opened.body
    valid_markdown(opened.body)

    assert (
        act(
            "workflow_dispatch", {}, report_id="prod", issue_labels="drift, cluster/prod"
        ).returncode
        == 1
    )
    assert [i.number for i in gh.issues(state="open") if i.user == ACTIONS_BOT] == [opened.number]
    assert opened.edits == 1

    fixed = act(
        "schedule", nightly, live=IN_SYNC, report_id="prod", issue_labels="drift, cluster/prod"
    )
    assert fixed.returncode == 0 and not warnings(fixed)
    assert (opened.state, opened.state_reason) == ("closed", "completed")
    (closing,) = gh.comments(opened.number)
    assert closing.body.startswith("✅ Drift is gone: No drift") and RUN_URL in closing.body
    assert gh.issues(state="closed") == [opened]  # the unrelated issue is left open

    act("schedule", nightly, live=IN_SYNC, report_id="prod", issue_labels="drift, cluster/prod")
    assert len(gh.comments(opened.number)) == 1 and len(gh.issues()) == 2
    again = act("schedule", nightly, report_id="prod", issue_labels="drift, cluster/prod")
    assert again.returncode == 1
    reopened = [i for i in gh.issues(state="open") if i.user == ACTIONS_BOT]
    assert len(reopened) == 1 and reopened[0].number != opened.number


def test_no_issue_on_pull_requests_unless_asked(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    act("pull_request", pr_event(number))
    assert gh.issues() == []
    act("pull_request", pr_event(number), issue_mode="true", comment_mode="off")
    assert len(gh.issues()) == 1 and len(gh.comments(number)) == 1


# -- when GitHub says no ---------------------------------------------------------------------


def test_a_read_only_token_warns_and_falls_back_to_the_job_summary(
    act: Runner, gh: GitHubEmulator
) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(403, method="POST"))  # every write: a fork's or Dependabot's token
    gh.inject(Fault(403, method="PATCH"))
    result = act("pull_request", pr_event(number), check_run="true", issue_mode="true")
    assert result.returncode == 1  # the drift decides, not GitHub
    found = warnings(result)
    assert len(found) == 3
    for what, permission in (
        ("comment", "pull-requests: write"),
        ("check run", "checks: write"),
        ("issue", "issues: write"),
    ):
        assert any(f"the {what} was not published" in w and permission in w for w in found)
    assert all(f"403 ({NOT_ACCESSIBLE})" in w for w in found)
    summary = act.summary()
    assert summary.startswith("### ⚠️ Drift detected")
    assert summary.count("> [!WARNING]") == 3
    assert act.outputs()["drift_detected"] == "true"
    assert gh.comments(number) == [] and gh.check_runs() == []


def test_a_forbidden_read_is_a_warning_too(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(403, path_regex=r"/comments"))
    result = act("pull_request", pr_event(number), live=IN_SYNC, check_run="true")
    assert result.returncode == 0
    assert len(warnings(result)) == 1 and len(gh.check_runs()) == 1


def test_server_errors_are_retried(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(502, method="POST", path_regex=r"/comments$", times=2))
    gh.inject(Fault(503, method="GET", path_regex=r"/comments", times=1))
    result = act("pull_request", pr_event(number))
    assert result.returncode == 1 and not warnings(result)
    posts = [r.status for r in gh.requests if r.method == "POST"]
    assert posts == [502, 502, 201]
    assert len(gh.comments(number)) == 1


def test_a_github_outage_is_a_warning_after_the_retries(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    gh.inject(Fault(500, path_regex=r"/repos/"))
    result = act("pull_request", pr_event(number), fail_on_drift="false")
    assert result.returncode == 0
    (warning,) = warnings(result)
    assert "the comment was not published" in warning and "GitHub did not answer" in warning
    assert len(gh.requests) == 6  # the first try and five retries


def test_a_wrong_token_is_a_warning(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    result = act("pull_request", pr_event(number), github_token="ghs_revoked")
    assert result.returncode == 1
    assert "401 (Bad credentials)" in warnings(result)[0]


# -- size limits -----------------------------------------------------------------------------


def many_config_maps(workspace: Path, count: int) -> None:
    desired, live = [], []
    for i in range(count):
        meta = {"name": f"cm-{i:05}", "namespace": "shop"}
        desired.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta,
                "data": {"LEVEL": "info", "OWNER": f"team-{i % 7}"},
            }
        )
        live.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {**meta, "uid": f"u-{i}", "resourceVersion": str(i)},
                "data": {"LEVEL": "debug", "OWNER": f"team-{i % 7}"},
            }
        )
    (workspace / "many").mkdir()
    (workspace / "many" / "config.yaml").write_text(yaml.safe_dump_all(desired))
    (workspace / "many-live.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": live})
    )


# Drifted ConfigMaps in one file: past the comment's and the check run's limits, and the job
# summary's 1 MiB is still enough for the whole report (each resource has its fix block too).
HUGE = 2_500


def test_a_huge_report_fits_every_limit(act: Runner, gh: GitHubEmulator, workspace: Path) -> None:
    many_config_maps(workspace, HUGE)
    number = gh.add_pull_request(HEAD)
    result = act(
        "pull_request",
        pr_event(number),
        live="many-live.json",
        manifests="many",
        check_run="true",
        report_id="big",
    )
    assert result.returncode == 1 and not warnings(result), result.stdout[-2000:]
    (comment,) = gh.comments(number)
    assert len(comment.body) <= BODY_LIMIT
    valid_markdown(comment.body)
    assert f"### ⚠️ Drift detected: {HUGE} drifted ({HUGE} resources)" in comment.body
    more = re.search(
        r"\*\*Not shown here: (\d+) resources with drift\*\*, nor the details of \d+ more: "
        r"see the job summary / artifact of \[this run\]\((\S+)\)",
        comment.body,
    )
    assert more is not None and more[2] == RUN_URL, comment.body[-500:]
    shown = len(re.findall(r"^- 🟠 \*\*medium\*\* · ConfigMap ", comment.body, re.MULTILINE))
    assert shown + int(more[1]) == HUGE
    summary = act.summary()
    assert len(summary.encode("utf-8")) < 1024 * 1024
    valid_markdown(summary)
    full = (workspace / "drift-report.md").read_text()
    # The artifact has everything.
    assert len(re.findall(r"^- 🟠 \*\*medium\*\* · ConfigMap ", full, re.MULTILINE)) == HUGE
    assert summary == full  # under 1 MiB here; test_github_publishing cuts a larger one
    (run,) = gh.check_runs()
    assert len(run.output["summary"]) <= 65_535
    assert len(run.annotations) == 500 and run.updates == 9
    batches = [
        json.loads(r.body)["output"].get("annotations", [])
        for r in gh.requests
        if "/check-runs" in r.path
    ]
    assert [len(b) for b in batches] == [50] * 10
    for annotation in run.annotations[::50]:
        kind, name = declared_at(workspace, annotation["path"], annotation["start_line"])
        assert annotation["title"].startswith(f"{kind} shop/{name} ")
    assert f"{HUGE - 500} more resources not annotated" in run.output["text"]


# -- inputs and secrets ----------------------------------------------------------------------


def test_without_a_token_nothing_is_published(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    result = act("pull_request", pr_event(number), github_token="")
    assert result.returncode == 1 and not warnings(result)
    assert gh.requests == []
    refused = act("pull_request", pr_event(number), github_token="", check_run="true")
    assert refused.returncode == 2
    assert "::error::input check_run needs github_token" in refused.stdout


def test_bad_publishing_inputs_stop_the_run(
    act: Runner, gh: GitHubEmulator, workspace: Path
) -> None:
    bad = act("pull_request", pr_event(1), comment_mode="loud")
    assert bad.returncode == 2
    assert bad.stdout.strip().endswith(
        "::error::input comment_mode: 'loud' is not one of always, on_change, on_drift, off"
    )
    gone = run_action(
        workspace,
        {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(workspace / "nope.json"),
            "GITHUB_REPOSITORY": gh.repository,
            "INPUT_GITHUB_TOKEN": gh.token,
            "INPUT_MANIFESTS": "examples/manifests",
            "INPUT_LIVE_SNAPSHOT": DRIFTED,
        },
    )
    assert gone.returncode == 2
    assert gone.stdout.strip().endswith("::error::GITHUB_EVENT_PATH: nope.json: no such file")
    assert gh.requests == []


def test_workflow_run_reports_on_the_pull_request_it_names(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    payload = {"workflow_run": {"head_sha": HEAD, "pull_requests": []}}  # a fork's
    result = act("workflow_run", payload, check_run="true", pr_number=str(number))
    assert result.returncode == 1 and not warnings(result)
    assert len(gh.comments(number)) == 1 and gh.check_runs()[0].head_sha == HEAD


def test_the_token_and_secret_values_never_leave(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    act("pull_request", pr_event(number), check_run="true", issue_mode="true")
    act("pull_request", pr_event(number), live=IN_SYNC, check_run="true", issue_mode="true")
    gh.inject(Fault(403, method="POST"))
    act(
        "pull_request",
        pr_event(number),
        check_run="true",
        issue_mode="true",
        github_token="ghs_wrong",
    )
    token = gh.token
    sent = [r.body for r in gh.requests] + [json.dumps(r.headers) for r in gh.requests]
    sent += [r.path + json.dumps(r.query) for r in gh.requests]
    assert sent and all(token not in text for text in sent)
    for log in act.logs:
        # The add-mask command is how the runner learns to hide it; nothing else names it.
        assert log.replace(f"::add-mask::{token}", "").count(token) == 0
        assert "ghs_wrong" not in log.replace("::add-mask::ghs_wrong", "")
    everything = "\n".join(sent + act.logs)
    everything += "".join(c.body for c in gh.store.comments.values())
    everything += "".join(i.body for i in gh.store.issues.values())
    for value in (*SECRETS, base64.b64decode(SECRETS[2]).decode()):
        assert value not in everything
