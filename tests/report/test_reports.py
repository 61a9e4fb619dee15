from __future__ import annotations

import json
import os
import re

import pytest
from support import GOLDEN
from support.reports import bundled_example, pr_report

from drift_action.core.model import (
    Actor,
    Attribution,
    Change,
    ChangeType,
    Report,
    ResourceKey,
    ResourceResult,
    Status,
)
from drift_action.core.paths import ListKey
from drift_action.report import RenderOptions, render


@pytest.fixture(scope="module")
def example_report() -> Report:
    return bundled_example()


@pytest.mark.parametrize(("fmt", "suffix"), [("markdown", "md"), ("json", "json"), ("text", "txt")])
def test_example_report_matches_golden_file(example_report: Report, fmt: str, suffix: str) -> None:
    """Regenerate with: UPDATE_GOLDEN=1 python -m pytest tests/report/test_reports.py"""
    check_golden(f"example.{suffix}", render(example_report, fmt))


@pytest.mark.parametrize(("fmt", "suffix"), [("markdown", "md"), ("text", "txt")])
def test_pull_request_report_matches_golden_file(fmt: str, suffix: str) -> None:
    """A report with a base, every class in it (tests/support/reports.py). Regenerate as above."""
    check_golden(f"pr.{suffix}", render(pr_report(), fmt))


def check_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_pull_request_text_reads_plainly() -> None:
    lines = render(pr_report(), "text").splitlines()
    assert lines[0] == (
        "Drift detected: 3 drifted, 4 in sync (10 resources); this PR: 1 conflict, 5 planned, "
        "1 adopted"
    )
    assert lines[1] == "Compared with base commit 1a2b3c4."
    titles = [line.split(" (")[0] for line in lines if line and line[0].isupper()][2:]
    assert titles == [
        "Drift already in the cluster",
        "Conflicts",
        "What this PR changes",
        "Adopted from the cluster",
    ]
    assert (
        "    [low] spec.replicas: merging this PR sets replicas back to 3: the live 5 was set by "
        "kubectl-scale (human) via /scale at 2026-11-20 10:02 UTC" in lines
    )
    conflict = next(line for line in lines if "containers[name=api].image" in line)
    for value in ("3.1.0", "3.2.0", "3.1.1-hotfix", "kubectl-set (human)"):
        assert value in conflict
    assert "+ ConfigMap shop/feature-flags  [created on merge]  deploy/flags.yaml:1" in lines
    assert any(
        line.startswith("- CronJob shop/cleanup  [deleted on merge if your deployer prunes")
        for line in lines
    )
    assert "    [medium] data.password: value changed (hidden)" in lines
    # The planned image bump says nothing of who wrote the live value: the PR changes it.
    bump = next(line for line in lines if "containers[name=web].image" in line)
    assert bump.endswith('-> "ghcr.io/example/shop-web:1.4.3"')


def test_the_reverted_hotfix_reads_plainly() -> None:
    """The issue's own sentence: a PR that leaves the image alone reverts a hand-set hotfix."""
    key = ResourceKey("apps", "Deployment", "shop", "web")
    change = Change(
        ("spec", "template", "spec", "containers", ListKey((("name", "web"),)), "image"),
        ChangeType.CHANGED,
        "1.4.2",
        "1.4.3-hotfix",
        attribution=Attribution("kubectl-set", "Update", "2026-11-20T10:05:00Z", Actor.HUMAN),
        base="1.4.2",
    )
    result = ResourceResult(key, "apps/v1", Status.DRIFTED, None, (change,))
    text = render(Report((result,), base="base commit 1a2b3c4"), "text")
    assert (
        'merging this PR sets image back to "1.4.2": the live "1.4.3-hotfix" was set by '
        "kubectl-set (human) at 2026-11-20 10:05 UTC" in text
    )


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
