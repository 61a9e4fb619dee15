"""A new user's first hour, through the real entry points: the installed console script, and the
action's entry point exactly as the Dockerfile runs it (its ENTRYPOINT, in the workspace).

A pull request's files are data: nothing in the workspace may be imported or run. Report files
must be readable by the next step. A wrong or empty path must fail, with the flag or input that
would read it right.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from support import EXAMPLES, ROOT, action_entrypoint, run_action, run_cli
from support.action_run import action_env

DRIFTED = str(EXAMPLES / "live" / "drifted.yaml")

# Each planted module would leave a marker and end the process with 99 if it were imported.
PLANT = "import pathlib, sys\npathlib.Path({marker!r}).write_text('imported')\nsys.exit(99)\n"


def plant(workspace: Path, marker: Path) -> None:
    """Modules a pull request could add at the repository root to shadow real ones."""
    code = PLANT.format(marker=str(marker))
    for module in ("yaml.py", "sitecustomize.py", "usercustomize.py", "drift_action.py"):
        (workspace / module).write_text(code)
    for package in ("kubernetes", "github", "urllib3", "helm_python"):
        (workspace / package).mkdir()
        (workspace / package / "__init__.py").write_text(code)
    (workspace / "evil.pth").write_text(f"import os; open({str(marker)!r}, 'w')\n")


def test_the_dockerfile_runs_python_isolated() -> None:
    # -I: neither the working directory (the workspace) nor PYTHON* variables reach sys.path.
    argv = action_entrypoint()
    assert argv[1] == "-I", argv
    assert argv[2:] == ["-m", "drift_action.action"]


def test_planted_modules_are_not_imported_by_the_action(workspace: Path, tmp_path: Path) -> None:
    clean = run_action(
        workspace,
        action_env(
            workspace, manifests="examples/manifests", live_snapshot="examples/live/drifted.yaml"
        ),
    )
    marker = tmp_path / "imported"
    plant(workspace, marker)
    env = action_env(
        workspace, manifests="examples/manifests", live_snapshot="examples/live/drifted.yaml"
    )
    # A workflow may set these too; the entry point must not follow them into the workspace.
    env.update({"PYTHONPATH": str(workspace), "PYTHONSTARTUP": str(workspace / "yaml.py")})
    result = run_action(workspace, env)
    assert not marker.exists(), result.stdout + result.stderr
    assert result.returncode == clean.returncode == 1, result.stdout + result.stderr
    assert result.stdout == clean.stdout


def test_planted_modules_are_not_imported_by_the_console_script(tmp_path: Path) -> None:
    workspace = tmp_path / "repo"
    shutil.copytree(EXAMPLES, workspace / "examples")
    clean = run_cli("--manifests", "examples/manifests", "--live-snapshot", DRIFTED, cwd=workspace)
    marker = tmp_path / "imported"
    plant(workspace, marker)
    result = run_cli("--manifests", "examples/manifests", "--live-snapshot", DRIFTED, cwd=workspace)
    assert not marker.exists(), result.stderr
    assert result.returncode == clean.returncode == 1
    assert result.stdout == clean.stdout


def _planted_program(folder: Path, name: str, marker: Path) -> None:
    program = folder / name
    program.write_text(f"#!/bin/sh\necho planted > {marker}\nexit 0\n")
    program.chmod(0o755)


def test_a_program_in_the_workspace_is_never_run_from_path(workspace: Path, tmp_path: Path) -> None:
    # An empty PATH entry, `.` and `bin` all mean the working directory: the workspace.
    marker = tmp_path / "ran"
    (workspace / "bin").mkdir()
    for name in ("kustomize", "kubectl", "helm"):
        _planted_program(workspace, name, marker)
        _planted_program(workspace / "bin", name, marker)
    (workspace / "overlay").mkdir()
    (workspace / "overlay" / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (workspace / "overlay" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    )
    env = action_env(workspace, kustomize="overlay", live_snapshot="examples/live/drifted.yaml")
    env["PATH"] = f":.:bin:{os.environ['PATH']}"
    result = run_action(workspace, env)
    assert not marker.exists(), result.stdout
    # The real kustomize (or kubectl) built the overlay, or the run says neither is installed.
    assert (
        "ConfigMap default/x" in result.stdout or "neither kustomize nor kubectl" in result.stdout
    )


def test_a_helm_binary_in_the_workspace_is_refused(workspace: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    _planted_program(workspace, "helm", marker)
    chart = workspace / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    env = action_env(
        workspace,
        helm_chart="chart",
        helm_binary="./helm",
        live_snapshot="examples/live/drifted.yaml",
    )
    result = run_action(workspace, env)
    assert result.returncode == 2
    assert "::error::input helm_binary: ./helm is in the workspace" in result.stdout
    assert not marker.exists()


def test_a_config_file_cannot_name_a_program_in_the_action(workspace: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    _planted_program(workspace, "helm", marker)
    (workspace / ".drift.yaml").write_text("sources:\n  - helm: chart\n    helmBinary: ./helm\n")
    result = run_action(
        workspace, action_env(workspace, live_snapshot="examples/live/drifted.yaml")
    )
    assert result.returncode == 2
    assert "::error::.drift.yaml:3: sources[0].helmBinary: a program named in the repository's" in (
        result.stdout
    ), result.stdout
    assert not marker.exists()


def _exec_kubeconfig(workspace: Path, marker: Path) -> None:
    _planted_program(workspace, "token.sh", marker)
    (workspace / "kubeconfig.yaml").write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
        f"      command: {workspace / 'token.sh'}\n      interactiveMode: Never\n"
    )


def test_a_workspace_kubeconfig_runs_no_command(workspace: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    _exec_kubeconfig(workspace, marker)
    env = action_env(workspace, manifests="examples/manifests", kubeconfig="kubeconfig.yaml")
    result = run_action(workspace, env)
    assert result.returncode == 2
    assert "::error::kubeconfig kubeconfig.yaml: user 'u' runs a command (exec: token.sh)" in (
        result.stdout
    )
    assert not marker.exists()
    # The workflow can say it wrote the file itself: then the plugin runs, as kubectl's would.
    env["INPUT_KUBECONFIG_EXEC"] = "true"
    run_action(workspace, env)
    assert marker.exists()


def test_a_workspace_kubeconfig_reads_no_file_outside(workspace: Path) -> None:
    (workspace / "kubeconfig.yaml").write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "users: [{name: u, user: {tokenFile: /proc/self/environ}}]\n"
    )
    env = action_env(workspace, manifests="examples/manifests", kubeconfig="kubeconfig.yaml")
    result = run_action(workspace, env)
    assert result.returncode == 2
    assert "tokenFile names a file outside the workspace (/proc/self/environ)" in result.stdout


def test_remote_kustomize_bases_are_refused_in_the_action(workspace: Path) -> None:
    overlay = workspace / "overlay"
    overlay.mkdir()
    # A loopback address with nothing listening: nothing leaves this machine either way.
    (overlay / "kustomization.yaml").write_text("resources:\n- http://127.0.0.1:9/base.yaml\n")
    env = action_env(workspace, kustomize="overlay", live_snapshot="examples/live/drifted.yaml")
    result = run_action(workspace, env)
    assert result.returncode == 2
    assert (
        "::error::overlay/kustomization.yaml: 'http://127.0.0.1:9/base.yaml' is not a local path: "
        "remote bases and files are not fetched (set input allow_remote_bases to true to fetch them)"
    ) in result.stdout
    env["INPUT_ALLOW_REMOTE_BASES"] = "true"
    allowed = run_action(workspace, env)
    assert "allow_remote_bases" not in allowed.stdout


@pytest.mark.parametrize(
    "kustomization",
    [
        "configMapGenerator:\n- name: c\n  files: [conf=http://127.0.0.1:9/app.conf]\n",
        "secretGenerator:\n- name: s\n  envs: [http://127.0.0.1:9/.env]\n",
        "resources: [cm.yaml]\npatches:\n- path: http://127.0.0.1:9/patch.yaml\n",
        "resources: [cm.yaml]\ncomponents: [git@127.0.0.1:org/repo.git]\n",
    ],
    ids=["generator-files", "generator-envs", "patch", "component"],
)
def test_remote_files_anywhere_in_a_kustomization_are_refused(
    workspace: Path, kustomization: str
) -> None:
    overlay = workspace / "overlay"
    overlay.mkdir()
    (overlay / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    (overlay / "kustomization.yaml").write_text(kustomization)
    env = action_env(workspace, kustomize="overlay", live_snapshot="examples/live/drifted.yaml")
    result = run_action(workspace, env)
    assert result.returncode == 2, result.stdout
    assert "is not a local path: remote bases and files are not fetched" in result.stdout


def test_a_local_kustomization_builds_in_the_action(workspace: Path) -> None:
    if shutil.which("kustomize") is None and shutil.which("kubectl") is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    base, overlay = workspace / "base", workspace / "overlay"
    base.mkdir()
    overlay.mkdir()
    (base / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    (base / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (overlay / "app.conf").write_text("a=1\n")
    (overlay / "kustomization.yaml").write_text(
        "resources: [../base]\nconfigMapGenerator:\n- name: c\n  files: [conf=app.conf]\n"
    )
    env = action_env(workspace, kustomize="overlay", live_snapshot="examples/live/drifted.yaml")
    result = run_action(workspace, env)
    assert "ConfigMap default/x" in result.stdout, result.stdout
    assert "not a local path" not in result.stdout


# --- report files are readable by the next step ---------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_action_writes_reports_the_next_step_can_read(workspace: Path) -> None:
    env = action_env(
        workspace, manifests="examples/manifests", live_snapshot="examples/live/drifted.yaml"
    )
    result = subprocess.run(
        action_entrypoint(),
        cwd=workspace,
        env={**os.environ, "GITHUB_WORKSPACE": str(workspace), **env},
        capture_output=True,
        text=True,
        check=False,
        umask=0o022,  # the runner's
    )
    assert result.returncode == 1, result.stdout
    for name in ("drift-report.md", "drift-report.json"):
        assert _mode(workspace / name) == 0o644, name
    outputs = dict(
        line.split("=", 1) for line in (workspace.parent / "output.txt").read_text().splitlines()
    )
    assert (workspace / outputs["report_path"]).is_file()
    assert (workspace / outputs["json_report_path"]).is_file()


def test_the_cli_output_file_follows_the_umask(tmp_path: Path) -> None:
    for umask, expected in ((0o022, 0o644), (0o077, 0o600)):
        out = tmp_path / f"report-{umask:o}.json"
        result = subprocess.run(
            [shutil.which("drift-action") or "drift-action", "--manifests", str(EXAMPLES / "manifests"),
             "--live-snapshot", DRIFTED, "-o", "json", "--output-file", str(out)],
            capture_output=True, text=True, check=False, umask=umask, cwd=ROOT,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert _mode(out) == expected


# --- wrong or empty paths fail, and say what to use -----------------------------------------


def assert_error(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("drift-action: error: "), result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return root


def cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--live-snapshot", DRIFTED, cwd=repo)


def test_an_empty_folder_is_an_error(repo: Path) -> None:
    (repo / "deploy").mkdir()
    result = cli(repo, "--manifests", "deploy")
    assert_error(result, "manifests deploy: no Kubernetes objects", "--allow-empty")
    allowed = cli(repo, "--manifests", "deploy", "--allow-empty")
    assert allowed.returncode == 0
    assert "no Kubernetes objects" in allowed.stderr


def test_a_folder_of_values_and_ci_files_is_an_error(repo: Path) -> None:
    (repo / "deploy").mkdir()
    (repo / "deploy" / "values.yaml").write_text("image:\n  tag: 1.4.2\n")
    (repo / "deploy" / "ci.yml").write_text("on: push\njobs: {}\n")
    assert_error(cli(repo, "--manifests", "deploy"), "no Kubernetes objects")


def test_a_kustomization_in_a_manifests_folder_names_kustomize(repo: Path) -> None:
    overlay = repo / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("resources: [../../base]\n")
    result = cli(repo, "--manifests", "overlays")
    assert_error(
        result, "overlays/prod/kustomization.yaml: a kustomization", "--kustomize overlays/prod"
    )


def test_a_charts_templates_folder_names_helm_chart(repo: Path) -> None:
    chart = repo / "charts" / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    for given in ("charts/shop/templates", "charts/shop", "charts"):
        assert_error(cli(repo, "--manifests", given), "--helm-chart charts/shop")


def test_template_syntax_without_a_chart_nearby_names_helm_chart(repo: Path) -> None:
    (repo / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ x }}\n")
    assert_error(
        cli(repo, "--manifests", "cm.yaml"), "cm.yaml:", "Go template syntax", "--helm-chart"
    )


def test_hidden_files_are_skipped(repo: Path) -> None:
    shutil.copytree(EXAMPLES / "manifests", repo / "deploy")
    # Not a list of objects: read as a manifest it would be an error.
    (repo / "deploy" / ".pre-commit-hooks.yaml").write_text("- id: x\n  entry: y\n")
    result = cli(repo, "--manifests", "deploy")
    assert result.returncode == 1, result.stderr
    assert ".pre-commit-hooks" not in result.stderr


def test_gitignored_files_are_skipped_in_a_work_tree(repo: Path) -> None:
    shutil.copytree(EXAMPLES / "manifests", repo / "deploy")
    (repo / ".git").mkdir()  # a work tree as far as reading .gitignore goes
    (repo / ".gitignore").write_text("*.local.yaml\nrendered/\n")
    (repo / "deploy" / ".gitignore").write_text("!keep.local.yaml\n")
    broken = "- not an object\n"
    (repo / "deploy" / "x.local.yaml").write_text(broken)
    (repo / "deploy" / "rendered").mkdir()
    (repo / "deploy" / "rendered" / "out.yaml").write_text(broken)
    assert cli(repo, "--manifests", "deploy").returncode == 1
    # A deeper .gitignore re-includes; that file is read (and is an error here).
    (repo / "deploy" / "keep.local.yaml").write_text(broken)
    assert_error(cli(repo, "--manifests", "deploy"), "deploy/keep.local.yaml")
    # Outside a work tree nothing is ignored.
    shutil.rmtree(repo / ".git")
    (repo / "deploy" / "keep.local.yaml").unlink()
    assert_error(cli(repo, "--manifests", "deploy"), "deploy/rendered/out.yaml")


def test_the_action_names_inputs_not_flags(workspace: Path) -> None:
    (workspace / "empty").mkdir()
    result = run_action(
        workspace, action_env(workspace, live_snapshot="examples/live/drifted.yaml")
    )
    assert result.returncode == 2
    assert (
        "::error::no desired state: set the manifests, helm_chart, kustomize or terraform_plan "
        "input, or list sources in the config file"
    ) in result.stdout
    result = run_action(
        workspace,
        action_env(workspace, manifests="empty", live_snapshot="examples/live/drifted.yaml"),
    )
    assert result.returncode == 2
    assert "or set input allow_empty to true" in result.stdout
    assert "--" not in result.stdout.split("::error::", 1)[1]
    overlay = workspace / "deploy"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources: []\n")
    result = run_action(
        workspace,
        action_env(workspace, manifests="deploy", live_snapshot="examples/live/drifted.yaml"),
    )
    assert "build it with the kustomize input (deploy)" in result.stdout
    chart = workspace / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("kind: ConfigMap\nname: {{ .Release.Name }}\n")
    result = run_action(
        workspace,
        action_env(
            workspace, manifests="chart/templates", live_snapshot="examples/live/drifted.yaml"
        ),
    )
    assert result.returncode == 2
    assert "render the chart with the helm_chart input (chart)" in result.stdout


# --- kubectl habits -------------------------------------------------------------------------


def test_o_names_a_format_as_in_kubectl(repo: Path) -> None:
    result = cli(repo, "--manifests", str(EXAMPLES / "manifests"), "-o", "json")
    assert result.returncode == 1 and result.stdout.startswith("{")
    assert_error(cli(repo, "--manifests", str(EXAMPLES / "manifests"), "-o", "report.md"),
                 "'report.md' is not a format", "--output-file")  # fmt: skip
    assert not (repo / "report.md").exists() and not (repo / "json").exists()


def test_short_flags_and_no_abbreviations(repo: Path) -> None:
    result = cli(repo, "--manifest", str(EXAMPLES / "manifests"))
    assert_error(result, "unknown option --manifest: did you mean --manifests?")
    shutil.copytree(EXAMPLES / "manifests", repo / "m")
    short = cli(repo, "--manifests", "m", "-n", "shop", "-o", "json")
    assert short.returncode == 1


def test_force_color_colours_a_pipe(repo: Path) -> None:
    args = ("--manifests", str(EXAMPLES / "manifests"))
    plain = run_cli(*args, "--live-snapshot", DRIFTED, cwd=repo)
    forced = run_cli(*args, "--live-snapshot", DRIFTED, cwd=repo, env={"FORCE_COLOR": "1"})
    both = run_cli(
        *args, "--live-snapshot", DRIFTED, cwd=repo, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}
    )
    assert "\x1b[" not in plain.stdout
    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in both.stdout
