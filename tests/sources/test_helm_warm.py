"""The Helm engine's process started ahead of its render (`core/helm_engine.py`): the same objects as
a process started for the render, one process per render, limits counted from the request, and
nothing left running. Helm's own engine renders throughout; no test asserts a duration
(bench/helm_bench.py measures them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drift_action.core import helm_engine as warm
from drift_action.core.bounds import RenderLimits
from drift_action.core.errors import InputError
from drift_action.sources import HelmSpec, render
from drift_action.sources.helm.chart import Parsed, manifest_documents

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
ENDLESS = "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n"


def chart(root: Path, template: str = CONFIG_MAP) -> Path:
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text(f"apiVersion: v2\nname: {root.name}\nversion: 0.1.0\n")
    (root / "templates" / "t.yaml").write_text(template)
    return root


def names(spec: HelmSpec) -> list[str]:
    return [d.data["metadata"]["name"] for d in render(spec).documents]


def test_a_worker_started_ahead_renders_what_a_cold_one_does(tmp_path: Path) -> None:
    spec = HelmSpec(str(chart(tmp_path / "c")), release="early")
    cold = render(spec)
    warm.warm_up()
    ahead = render(spec)
    assert [d.data for d in ahead.documents] == [d.data for d in cold.documents]
    assert names(spec) == ["early"]


def test_each_render_gets_a_process_of_its_own(tmp_path: Path) -> None:
    """Announced renders are each given a fresh process, the next started as one is taken."""
    warm.warm_up(2)
    first = warm.take()
    second = warm.take()
    try:
        assert first.pid != second.pid
        assert first.poll() is None and second.poll() is None
    finally:
        for process in (first, second):
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout, process.stderr):
                assert pipe is not None
                pipe.close()


def test_a_relative_chart_is_found_from_where_the_run_is_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process was started elsewhere: the request carries the working directory."""
    chart(tmp_path / "repo" / "c")
    monkeypatch.chdir(tmp_path)
    warm.warm_up()
    monkeypatch.chdir(tmp_path / "repo")
    assert names(HelmSpec("c", release="here")) == ["here"]


def test_the_time_limit_counts_from_the_request(tmp_path: Path) -> None:
    """A template that never ends is stopped by the render time limit through a process
    started ahead, as through one started for it."""
    spec = HelmSpec(str(chart(tmp_path / "endless", ENDLESS)), limits=RenderLimits(timeout=2))
    warm.warm_up()
    with pytest.raises(InputError, match="did not finish within 2 seconds"):
        render(spec)


def test_a_worker_that_died_waiting_is_replaced(tmp_path: Path) -> None:
    spec = HelmSpec(str(chart(tmp_path / "c")), release="again")
    warm.warm_up()
    spare = warm._engines.spare
    assert spare is not None
    spare.kill()
    spare.wait()
    assert names(spec) == ["again"]


def test_a_worker_never_asked_ends_with_the_run(tmp_path: Path) -> None:
    code = (
        "from drift_action.core import helm_engine as warm\n"
        "warm.warm_up()\n"
        "print(warm._engines.spare.pid)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    pid = int(done.stdout)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_engine_process_loads_no_other_source(tmp_path: Path) -> None:
    """Started by path, the engine skips the sources package's `__init__` (Kustomize, plain
    manifests, PyYAML): it imports Helm's library and its own modules only."""
    done = subprocess.run(
        [*warm.command()[:-1], "-X", "importtime", warm.command()[-1]],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "helm_python" in imported
    assert "drift_action.sources.helm.worker" in imported
    loaded = {"drift_action.sources.kustomize", "drift_action.sources.manifests", "yaml"}
    assert not loaded & imported


def test_a_repeated_render_parses_a_file_that_printed_the_same_once() -> None:
    first = [("c/templates/a.yaml", "kind: A\n"), ("c/templates/b.yaml", "kind: B\n")]
    again = [("c/templates/a.yaml", "kind: A\n"), ("c/templates/b.yaml", "kind: B2\n")]
    parsed: Parsed = {}
    documents = manifest_documents(first, include_hooks=False, parsed=parsed)
    repeated = manifest_documents(again, include_hooks=False, parsed=parsed)
    assert repeated[0] is documents[0]
    assert repeated[1].data == {"kind": "B2"}


_PROBE = """
import json, sys
from drift_action.cli import main
code = main(sys.argv[1:])
helm = ("drift_action.sources.helm", "drift_action.core.helm_engine", "helm_python")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(helm))))
sys.exit(code)
"""


def test_only_a_run_with_a_chart_loads_the_helm_renderer(tmp_path: Path) -> None:
    """A run without a chart pays nothing for Helm; with one, the run's own process loads
    the renderer but never Helm's library (the engine's process does)."""
    live = tmp_path / "live.json"
    live.write_text('{"apiVersion": "v1", "kind": "List", "items": []}')
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.yaml").write_text(CONFIG_MAP.replace("{{ .Release.Name }}", "a"))
    runs = {
        "manifests": ["--manifests", str(tmp_path / "m")],
        "chart": ["--helm-chart", str(chart(tmp_path / "c"))],
    }
    loaded = {}
    for name, args in runs.items():
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args, "--live-snapshot", str(live)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr  # the object is missing: drift
        loaded[name] = set(json.loads(done.stdout.strip().splitlines()[-1]))
    helm = {"drift_action.core.helm_engine", "drift_action.sources.helm.render"}
    assert not loaded["manifests"] & helm
    assert helm <= loaded["chart"]
    assert "helm_python" not in loaded["chart"]
