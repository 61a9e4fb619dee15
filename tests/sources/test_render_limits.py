"""Renders that never end or print gigabytes are stopped by the render time, size and memory
limits, with one line and exit status 2: Helm's bundled engine (in its own process), a helm
binary, and kustomize (here a real program on PATH that misbehaves).

The limits are tiny here (`--render-timeout 2`, `--render-max-bytes 1M`) so each case takes
seconds; no test asserts a duration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import run_action, run_cli

from drift_action.core.bounds import MIB, RenderLimits, format_size, parse_seconds, parse_size
from drift_action.core.errors import UsageError
from drift_action.core.tools import ToolError, run_program, run_tool

LIVE = '{"apiVersion": "v1", "kind": "List", "items": []}'
# 10^10 iterations of nothing: a template that never ends, in little memory.
ENDLESS = "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n"
# A million 100 kB values: 100 GB, if anything let it get that far.
GIGABYTES = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n"
    '{{- range $i := until 1000000 }}\n  k{{ $i }}: {{ "x" | repeat 100000 | quote }}\n{{- end }}\n'
)
# 3 MB of output: past a 1 MiB limit, well within memory.
MEGABYTES = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n"
    '{{- range $i := until 30 }}\n  k{{ $i }}: {{ "x" | repeat 100000 | quote }}\n{{- end }}\n'
)


def chart(root: Path, template: str) -> str:
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text(f"apiVersion: v2\nname: {root.name}\nversion: 0.1.0\n")
    (root / "templates" / "t.yaml").write_text(template)
    return str(root)


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("drift-action: error: "), lines[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def live(tmp_path: Path) -> str:
    path = tmp_path / "live.json"
    path.write_text(LIVE)
    return str(path)


def no_process_left(marker: str) -> None:
    """Nothing of the killed render is still running (its process group was killed)."""
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    assert marker not in listing.stdout


# --- the bundled Helm engine -------------------------------------------------------------------


def test_a_helm_template_that_never_ends_is_stopped(tmp_path: Path, live: str) -> None:
    path = chart(tmp_path / "endless", ENDLESS)
    result = run_cli("--helm-chart", path, "--live-snapshot", live, "--render-timeout", "2")
    one_line_error(
        result,
        "endless: Helm did not finish within 2 seconds, the render time limit",
        "--render-timeout",
    )


def test_a_helm_chart_that_prints_too_much_is_refused(tmp_path: Path, live: str) -> None:
    path = chart(tmp_path / "chatty", MEGABYTES)
    result = run_cli("--helm-chart", path, "--live-snapshot", live, "--render-max-bytes", "1M")
    one_line_error(result, "chatty: Helm printed more than 1 MiB, the render size limit")
    # Within a larger limit the same chart renders.
    result = run_cli("--helm-chart", path, "--live-snapshot", live, "--render-max-bytes", "8M")
    assert result.returncode == 1, result.stderr
    assert "ConfigMap default/big" in result.stdout


def test_a_helm_chart_that_prints_gigabytes_is_stopped_by_the_memory_limit(
    tmp_path: Path, live: str
) -> None:
    """Helm builds its whole output in memory before returning any: the engine's process is
    limited to 512 MiB plus 4 times the size limit, and stops there."""
    path = chart(tmp_path / "flood", GIGABYTES)
    result = run_cli(
        "--helm-chart", path, "--live-snapshot", live,
        "--render-max-bytes", "1M", "--render-timeout", "100",
    )  # fmt: skip
    limits = RenderLimits(max_bytes=MIB)
    one_line_error(
        result,
        f"flood: Helm needed more than {format_size(limits.memory_bytes)} of memory",
        "render memory limit",
    )


def test_the_engine_imports_nothing_from_the_working_directory(tmp_path: Path, live: str) -> None:
    """The engine's process runs with `python -P`: a repository holding `helm_python.py` (or a
    `drift_action` folder) is not imported from the working directory."""
    path = chart(tmp_path / "plain", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    marker = tmp_path / "imported"
    for module in ("helm_python.py", "yaml.py"):
        (tmp_path / module).write_text(f"open({str(marker)!r}, 'w').close()\n")
    (tmp_path / "drift_action").mkdir()
    (tmp_path / "drift_action" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    result = run_cli("--helm-chart", path, "--live-snapshot", live, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "ConfigMap default/a" in result.stdout
    assert not marker.exists()


def test_the_action_takes_the_render_limits_as_inputs(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    chart(workspace / "endless", ENDLESS)
    (workspace / "live.json").write_text(LIVE)
    env = {"INPUT_HELM_CHART": "endless", "INPUT_LIVE_SNAPSHOT": "live.json"}
    result = run_action(workspace, {**env, "INPUT_RENDER_TIMEOUT": "2"})
    assert result.returncode == 2
    assert result.stdout.strip().startswith("::error::endless: Helm did not finish within 2 sec")
    assert not (workspace / "drift-report.json").exists()
    result = run_action(workspace, {**env, "INPUT_RENDER_MAX_BYTES": "lots"})
    assert result.returncode == 2
    assert "input render_max_bytes: expected a size such as 256M" in result.stdout


# --- a helm binary -------------------------------------------------------------------------------

HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="no helm binary on PATH")


@needs_helm
def test_a_helm_binary_that_never_ends_is_stopped(tmp_path: Path, live: str) -> None:
    path = chart(tmp_path / "endless", ENDLESS)
    result = run_cli(
        "--helm-chart", path, "--helm-binary", str(HELM), "--live-snapshot", live,
        "--render-timeout", "2",
    )  # fmt: skip
    one_line_error(result, "endless: helm template did not finish within 2 seconds")
    no_process_left(f"template release-name {path}")


@needs_helm
def test_a_helm_binary_that_prints_gigabytes_is_stopped(tmp_path: Path, live: str) -> None:
    path = chart(tmp_path / "flood", GIGABYTES)
    result = run_cli(
        "--helm-chart", path, "--helm-binary", str(HELM), "--live-snapshot", live,
        "--render-max-bytes", "1M", "--render-timeout", "100",
    )  # fmt: skip
    line = one_line_error(result, "flood: helm template")
    assert "the render memory limit" in line or "the render size limit" in line


# --- kustomize ----------------------------------------------------------------------------------


def fake_kustomize(tmp_path: Path, script: str) -> dict[str, str]:
    """A real program called kustomize, first on PATH, that misbehaves as `script` says."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "kustomize"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources: []\n")
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(
    ("script", "needles"),
    [
        ("while :; do :; done", ("kustomize build did not finish within 2 seconds",)),
        ("yes 'key: value'", ("kustomize build printed more than 1 MiB", "render size limit")),
        (  # the endless part in a child of the tool, the tool itself waiting
            "yes 'key: value' & sleep 600",
            ("kustomize build printed more than 1 MiB",),
        ),
        (  # a child that keeps the output open after the tool itself has exited
            "(sleep 600; echo late) &\necho 'apiVersion: v1'",
            ("kustomize build did not finish within 2 seconds",),
        ),
        (  # endless error output, then failure: the end of it, cut short, in one line
            "yes 'error: bad' | head -c 49999994 >&2; exit 1",
            ("kustomize build failed: error: bad | error: bad",),
        ),
    ],
    ids=["endless", "flood", "flood-in-a-child", "child-holds-output", "stderr-flood"],
)
def test_a_kustomize_build_that_misbehaves_is_stopped(
    tmp_path: Path, live: str, script: str, needles: tuple[str, ...]
) -> None:
    env = fake_kustomize(tmp_path, script)
    result = run_cli(
        "--kustomize", str(tmp_path / "overlay"), "--live-snapshot", live,
        "--render-timeout", "2", "--render-max-bytes", "1M", env=env,
    )  # fmt: skip
    one_line_error(result, *needles)
    no_process_left("sleep 600")


# --- tools.run_tool and the limits themselves ---------------------------------------------------


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_run_tool_feeds_standard_input_and_reads_large_output() -> None:
    text = "line\n" * 400_000  # 2 MB through both pipes at once
    echoed = run_tool(python("import sys; sys.stdout.write(sys.stdin.read())"), input=text)
    assert echoed == text


def test_run_tool_kills_a_program_past_its_output_limit() -> None:
    with pytest.raises(ToolError) as excinfo:
        run_tool(python("while True: print('x' * 1000)"), max_bytes=100_000, timeout=60)
    assert excinfo.value.limit == "output"
    assert str(excinfo.value).endswith("printed more than 97.7 KiB of output")


def test_run_tool_keeps_only_the_end_of_error_output() -> None:
    # 3.4 MB of error output, some 25 times what is kept
    code = "import sys\nfor i in range(500_000): print(i, file=sys.stderr)\nsys.exit(3)"
    with pytest.raises(ToolError) as excinfo:
        run_tool(python(code), timeout=60)
    assert excinfo.value.stderr[-1] == "499999"
    assert len(excinfo.value.error_output) <= 128 * 1024  # the end, a chunk at most beyond 64 KiB


def test_run_tool_memory_limit_is_reported_as_such() -> None:
    # The limit is set on the child once it is running (prlimit): on a loaded machine the
    # child could allocate first, so it waits (bounded) until its limit is there.
    code = (
        "import resource, time\n"
        "for _ in range(500):\n"
        "    if resource.getrlimit(resource.RLIMIT_DATA)[0] != resource.RLIM_INFINITY: break\n"
        "    time.sleep(0.01)\n"
        "x = bytearray(2 * 1024 ** 3)"
    )
    with pytest.raises(ToolError) as excinfo:
        run_tool(python(code), memory_bytes=256 * MIB)
    assert excinfo.value.limit == "memory"
    assert "ran out of memory (limit 256 MiB)" in str(excinfo.value)


def test_run_program_returns_the_error_output_of_a_success() -> None:
    done = run_program(python("import sys; print('out'); print('logged', file=sys.stderr)"))
    assert (done.stdout, done.stderr) == ("out\n", "logged\n")


@pytest.mark.parametrize(
    ("text", "size"),
    [("256M", 256 * MIB), ("64k", 65536), ("1G", 1024 * MIB), ("1MiB", MIB), ("123", 123)],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text, "--render-max-bytes") == size


@pytest.mark.parametrize("text", ["", "0", "-1M", "1T", "lots", "1.5M"])
def test_bad_sizes_and_times_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_size(text, "--render-max-bytes")
    assert str(excinfo.value).startswith("--render-max-bytes: expected a size such as 256M")
    with pytest.raises(UsageError):
        parse_seconds(text, "--render-timeout")


def test_the_cli_refuses_bad_limits_in_one_line(live: str) -> None:
    result = run_cli("--manifests", live, "--live-snapshot", live, "--render-timeout", "0")
    one_line_error(result, "--render-timeout: expected a positive number of seconds, got '0'")
