"""The container action, run the way its image runs it: `python -m drift_action.action`."""

from __future__ import annotations

import json
from pathlib import Path

from support import run_action
from support.action_run import action_env


def outputs(workspace: Path) -> dict[str, str]:
    lines = (workspace.parent / "output.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_drift_fails_the_step_and_publishes_everywhere(workspace: Path) -> None:
    env = action_env(
        workspace,
        manifests="examples/manifests/web.yaml\nexamples/manifests/config.yaml, examples/manifests/pdb.yaml",
        live_snapshot="examples/live/drifted.yaml",
    )
    result = run_action(workspace, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "spec.replicas: 3 -> 5" in result.stdout
    summary = (workspace.parent / "summary.md").read_text()
    assert summary.startswith("### ⚠️ Drift detected: 4 drifted, 1 missing")
    assert outputs(workspace) == {
        "drift_detected": "true",
        "drifted_count": "5",
        "planned_count": "0",
        "report_path": "drift-report.md",
        "json_report_path": "drift-report.json",
    }
    assert (workspace / "drift-report.md").read_text() == summary
    report = json.loads((workspace / "drift-report.json").read_text())
    assert report["summary"]["drifted"] == 4
    everything = result.stdout + result.stderr + summary
    assert "example-only-password" not in everything


def test_fail_on_drift_false_passes_the_step(workspace: Path) -> None:
    env = action_env(
        workspace,
        manifests="examples/manifests",
        live_snapshot="examples/live/drifted.yaml",
        fail_on_drift="false",
        format="json",
    )
    result = run_action(workspace, env)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["summary"]["missing"] == 1
    assert outputs(workspace)["drift_detected"] == "true"


def test_in_sync_writes_outputs_and_succeeds(workspace: Path) -> None:
    env = action_env(
        workspace, manifests="examples/manifests", live_snapshot="examples/live/in-sync.yaml"
    )
    result = run_action(workspace, env)
    assert result.returncode == 0, result.stdout
    assert outputs(workspace)["drift_detected"] == "false"
    assert outputs(workspace)["drifted_count"] == "0"


def test_errors_become_workflow_error_commands(workspace: Path) -> None:
    env = action_env(workspace, manifests="missing/", live_snapshot="examples/live/in-sync.yaml")
    result = run_action(workspace, env)
    assert result.returncode == 2
    assert result.stdout.strip() == "::error::missing/: no such file or directory"
    assert not (workspace / "drift-report.md").exists()
    assert not (workspace.parent / "output.txt").exists()


def test_bad_boolean_input_is_named(workspace: Path) -> None:
    env = action_env(
        workspace,
        manifests="examples/manifests",
        live_snapshot="examples/live/in-sync.yaml",
        fail_on_drift="maybe",
    )
    result = run_action(workspace, env)
    assert result.returncode == 2
    assert "::error::input fail_on_drift: expected true or false, got 'maybe'" in result.stdout


def test_warnings_become_workflow_warning_commands(workspace: Path) -> None:
    (workspace / "examples" / "manifests" / "values.yaml").write_text("replicaCount: 1\n")
    env = action_env(
        workspace, manifests="examples/manifests", live_snapshot="examples/live/in-sync.yaml"
    )
    result = run_action(workspace, env)
    assert result.returncode == 0
    assert (
        "::warning::examples/manifests/values.yaml:1: skipped a document without apiVersion/kind"
        in result.stdout
    )
