"""Hostile and surprising YAML through the command line: one line and exit 2, or a warning."""

from __future__ import annotations

from pathlib import Path

from support import run_cli
from support.yaml_bombs import LAUGHS

LIVE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
"""


def write(tmp_path: Path, manifest: str) -> tuple[str, str]:
    (tmp_path / "m.yaml").write_text(manifest, encoding="utf-8")
    (tmp_path / "live.yaml").write_text(LIVE, encoding="utf-8")
    return str(tmp_path / "m.yaml"), str(tmp_path / "live.yaml")


def test_an_alias_bomb_stops_the_run_in_one_line(tmp_path: Path) -> None:
    manifest, live = write(tmp_path, LIVE + "---\n" + LAUGHS)
    done = run_cli("--manifests", manifest, "--live-snapshot", live)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "alias bomb" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_duplicate_key_warns_and_the_others_are_compared(tmp_path: Path) -> None:
    manifest, live = write(tmp_path, LIVE + "  mode: slow\n")
    done = run_cli("--manifests", manifest, "--live-snapshot", live)
    assert done.returncode == 1, done.stderr
    assert "m.yaml:8: duplicate key 'mode'" in done.stderr
    assert "data.mode" in done.stdout  # the last value, slow, against the live fast


def test_yaml_1_1_booleans_are_read_as_kubectl_reads_them_and_named(tmp_path: Path) -> None:
    # `on` is true in YAML 1.1, for PyYAML as for kubectl: the API server would refuse it.
    manifest = LIVE.replace("mode: fast", "mode: on") + "  version: 1.10\n"
    manifest_file, live = write(tmp_path, manifest)
    done = run_cli("--manifests", manifest_file, "--live-snapshot", live, "--format", "json")
    assert done.returncode == 1
    assert '"desired": true' in done.stdout
    assert "m.yaml:1: ConfigMap settings: data.mode is true, not a string" in done.stderr
    assert "data.version is 1.1, not a string" in done.stderr
