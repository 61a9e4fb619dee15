"""End to end: the installed `drift-action` command, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, run_cli

MANIFESTS = "examples/manifests"
DRIFTED = "examples/live/drifted.yaml"
IN_SYNC = "examples/live/in-sync.yaml"


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("drift-action: error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_example_drift_is_reported_and_exits_1() -> None:
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", DRIFTED)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("Drift detected: 4 drifted, 1 missing, 2 in sync (7 resources)")
    assert (
        "[low] spec.replicas: 3 -> 5  (by kubectl-scale (human) via /scale at 2026-11-20 10:02 UTC)"
        in result.stdout
    )
    assert "- PodDisruptionBudget shop/web" in result.stdout
    assert "example-only-password" not in result.stdout + result.stderr


def test_matching_snapshot_exits_0() -> None:
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", IN_SYNC)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No drift: 7 in sync")


def test_exit_zero_reports_drift_without_failing() -> None:
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", DRIFTED, "--exit-zero")
    assert result.returncode == 0
    assert "Drift detected" in result.stdout


def test_selector_reports_extras() -> None:
    result = run_cli(
        "--manifests", MANIFESTS, "--live-snapshot", DRIFTED, "--format", "json",
        "--selector", "app.kubernetes.io/part-of=shop",
    )  # fmt: skip
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["summary"]["extra"] == 1
    extra = [r for r in document["resources"] if r["status"] == "extra"]
    assert [(r["kind"], r["name"]) for r in extra] == [("Deployment", "debug-shell")]


def test_output_file_and_python_dash_m(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "drift.md"
    result = subprocess.run(
        [sys.executable, "-m", "drift_action", "--manifests", MANIFESTS,
         "--live-snapshot", DRIFTED, "--format", "markdown", "--output-file", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert out.read_text().startswith("### ⚠️ Drift detected")


def test_snapshot_from_stdin() -> None:
    snapshot = (ROOT / IN_SYNC).read_text()
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", "-", stdin=snapshot)
    assert result.returncode == 0, result.stderr


def test_values_files_next_to_manifests_are_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "values.yaml").write_text("replicaCount: 2\n")
    live = tmp_path / "live.json"
    live.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": []}))
    result = run_cli("--manifests", str(tmp_path), "--live-snapshot", str(live), cwd=tmp_path)
    assert result.returncode == 1
    assert "drift-action: warning: values.yaml:1: skipped a document without apiVersion/kind" in (
        result.stderr
    )
    assert "- ConfigMap default/a  [missing from the cluster]  cm.yaml:1" in result.stdout


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n", ("bad.yaml:", "invalid YAML")),
        ("just text\n", ("bad.yaml:1:", "found a string")),
        ("- a\n- b\n", ("bad.yaml:1:", "found a list")),
        (b"\xff\xfe\x00garbage", ("bad.yaml:1:", "not valid UTF-8")),
    ],
)
def test_bad_manifests_are_one_line_errors(
    tmp_path: Path, content: str | bytes, needles: tuple[str, ...]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content.encode() if isinstance(content, str) else content)
    out = tmp_path / "report.json"
    result = run_cli(
        "--manifests", "bad.yaml", "--live-snapshot", str(ROOT / IN_SYNC), "--output-file", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert_one_line_error(result, *needles)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no temporary file left behind either


def test_missing_path_is_an_error() -> None:
    result = run_cli("--manifests", "nope/", "--live-snapshot", IN_SYNC)
    assert_one_line_error(result, "nope/: no such file or directory")


def test_glob_without_matches_is_an_error() -> None:
    result = run_cli("--manifests", "examples/**/*.nothing.yaml", "--live-snapshot", IN_SYNC)
    assert_one_line_error(result, "no files match")


def test_glob_selects_manifests() -> None:
    result = run_cli("--manifests", "examples/manifests/web*.yaml", "--live-snapshot", IN_SYNC)
    assert result.returncode == 0, result.stderr
    assert "3 in sync" in result.stdout


def test_snapshot_that_is_not_kubernetes_output(tmp_path: Path) -> None:
    snap = tmp_path / "snap.yaml"
    snap.write_text("error: the server doesn't have a resource type\n")
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", str(snap))
    assert_one_line_error(result, "snap.yaml:1:")


def test_unknown_format_is_a_one_line_error() -> None:
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", IN_SYNC, "--format", "html")
    assert_one_line_error(result, "--format", "is not a format")


def test_missing_live_state_is_explained() -> None:
    assert_one_line_error(run_cli("--manifests", MANIFESTS), "--live-snapshot")


def test_debug_shows_the_traceback() -> None:
    result = run_cli("--manifests", "nope/", "--live-snapshot", IN_SYNC, "--debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
