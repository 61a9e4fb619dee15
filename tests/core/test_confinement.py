"""Paths that lead out of the repository: refused in the action, and by the CLI with
`--confine-to`.

A pull request can add a symlink (`deploy/x.yaml -> /etc/passwd`, a chart file pointing at the
runner's credentials) or name files outside the checkout in `.drift.yaml`. The action runs
confined to its workspace; every path input, every path in the config file, and every file
found by walking a folder must resolve there, symlinks followed. A refusal is one line naming
the input and the path, exit status 2, and nothing is written.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES, run_action, run_cli

CONFIG_MAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\n"
    "data:\n  key: value\n"
)
LIVE = json.dumps({"apiVersion": "v1", "kind": "List", "items": []})
CHART_YAML = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
LEAKY_TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n"
    '  stolen: {{ .Files.Get "notes.txt" | quote }}\n'
)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files a pull request must not be able to read: beside the workspace, not in it."""
    root = tmp_path / "outside"
    root.mkdir()
    (root / "secret.yaml").write_text(CONFIG_MAP.format(name="stolen"))
    (root / "notes.txt").write_text("runner credentials\n")
    (root / "values.yaml").write_text("replicas: 9\n")
    (root / "base").mkdir()
    (root / "base" / "cm.yaml").write_text(CONFIG_MAP.format(name="from-outside"))
    (root / "base" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    (root / "plan.json").write_text("{}")
    (root / "live.json").write_text(LIVE)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with manifests, a chart and a kustomization, all inside."""
    root = tmp_path / "workspace"
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "cm.yaml").write_text(CONFIG_MAP.format(name="own"))
    chart = root / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART_YAML.format(name="chart"))
    (chart / "templates" / "cm.yaml").write_text(CONFIG_MAP.format(name="chart"))
    (root / "overlay").mkdir()
    (root / "overlay" / "cm.yaml").write_text(CONFIG_MAP.format(name="overlay"))
    (root / "overlay" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    (root / "live.json").write_text(LIVE)
    return root


def action(repo: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    env = {f"INPUT_{name.upper()}": value for name, value in inputs.items()}
    env.setdefault("INPUT_LIVE_SNAPSHOT", "live.json")
    env["GITHUB_STEP_SUMMARY"] = str(repo / "summary.md")
    env["GITHUB_OUTPUT"] = str(repo / "output.txt")
    return run_action(repo, env)


def refused(result: subprocess.CompletedProcess[str], repo: Path, *needles: str) -> str:
    """Exit 2, one `::error::` line naming the input and the path, and nothing written."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    line = lines[0]
    assert line.startswith("::error::"), line
    assert "outside the workspace" in line and "refused" in line, line
    for needle in needles:
        assert needle in line, line
    assert "Traceback" not in result.stdout + result.stderr
    for written in ("drift-report.md", "drift-report.json", "summary.md", "output.txt"):
        assert not (repo / written).exists(), written
    return line


def test_a_symlink_in_a_manifest_folder_that_leads_out_is_refused(
    repo: Path, outside: Path
) -> None:
    (repo / "deploy" / "innocent.yaml").symlink_to(outside / "secret.yaml")
    line = refused(action(repo, manifests="deploy"), repo, "deploy/innocent.yaml")
    assert "manifest file resolves to" in line and str(outside / "secret.yaml") in line
    assert "stolen" not in line


def test_a_symlinked_folder_and_a_glob_that_lead_out_are_refused(repo: Path, outside: Path) -> None:
    (repo / "linked").symlink_to(outside)
    refused(action(repo, manifests="linked"), repo, "linked")
    (repo / "deploy" / "more.yaml").symlink_to(outside / "secret.yaml")
    refused(action(repo, manifests="deploy/*.yaml"), repo, "deploy/more.yaml")


@pytest.mark.parametrize(
    ("inputs", "needles"),
    [
        ({"manifests": "{outside}/secret.yaml"}, ("manifests path",)),
        ({"manifests": "../outside/secret.yaml"}, ("manifests path",)),
        ({"helm_chart": "chart", "values": "{outside}/values.yaml"}, ("values file",)),
        ({"kustomize": "../outside/base"}, ("kustomization",)),
        ({"manifests": "deploy", "live_snapshot": "{outside}/live.json"}, ("live snapshot",)),
        ({"manifests": "deploy", "config": "../outside/secret.yaml"}, ("config file",)),
        ({"terraform_plan": "{outside}/plan.json"}, ("Terraform plan",)),
    ],
    ids=["manifests", "manifests-relative", "values", "kustomize", "snapshot", "config", "plan"],
)
def test_every_path_input_outside_the_workspace_is_refused(
    repo: Path, outside: Path, inputs: dict[str, str], needles: tuple[str, ...]
) -> None:
    given = {name: value.format(outside=outside) for name, value in inputs.items()}
    refused(action(repo, **given), repo, *needles)


def test_a_chart_file_linked_out_of_the_workspace_is_refused(repo: Path, outside: Path) -> None:
    """Helm follows links inside a chart: `.Files.Get` would put the file into an object,
    and so into the report."""
    (repo / "chart" / "templates" / "leak.yaml").write_text(LEAKY_TEMPLATE)
    (repo / "chart" / "notes.txt").symlink_to(outside / "notes.txt")
    line = refused(action(repo, helm_chart="chart"), repo, "chart/notes.txt", "Helm chart")
    assert "credentials" not in line


def test_a_kustomization_built_on_a_folder_outside_is_refused(repo: Path, outside: Path) -> None:
    (repo / "overlay" / "kustomization.yaml").write_text(
        "resources:\n- cm.yaml\n- ../../outside/base\n"
    )
    refused(action(repo, kustomize="overlay"), repo, "kustomization")
    (repo / "overlay" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n- base\n")
    (repo / "overlay" / "base").symlink_to(outside / "base")
    refused(action(repo, kustomize="overlay"), repo, "overlay/base")


def test_config_file_sources_outside_the_workspace_are_refused(repo: Path, outside: Path) -> None:
    """`.drift.yaml` comes with the pull request: its sources are held to the same rule."""
    (repo / ".drift.yaml").write_text(f"sources:\n  - manifests: [{outside}]\n")
    refused(action(repo), repo, "manifests path", str(outside))
    (repo / ".drift.yaml").write_text(
        "sources:\n  - helm: chart\n    values: [../outside/values.yaml]\n"
    )
    refused(action(repo), repo, "values file")
    (repo / ".drift.yaml").unlink()
    (repo / ".drift.yaml").symlink_to(outside / "secret.yaml")
    refused(action(repo, manifests="deploy"), repo, "config file", ".drift.yaml")


def test_links_that_stay_inside_the_workspace_are_followed(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "other.yaml").write_text(CONFIG_MAP.format(name="shared"))
    (repo / "deploy" / "other.yaml").symlink_to(repo / "shared" / "other.yaml")
    (repo / "chart" / "notes.txt").symlink_to("../shared/other.yaml")
    result = action(repo, manifests="deploy", helm_chart="chart", kustomize="overlay")
    assert result.returncode == 1, result.stdout + result.stderr
    report: dict[str, Any] = json.loads((repo / "drift-report.json").read_text())
    names = sorted(r["name"] for r in report["resources"])
    assert names == ["chart", "overlay", "own", "shared"]


def test_the_kubeconfig_input_is_not_confined(repo: Path, outside: Path) -> None:
    """A kubeconfig is the workflow's credential, not repository content (and `$KUBECONFIG` or
    `~/.kube/config` live outside the workspace): it is not held to the workspace."""
    kubeconfig = outside / "kubeconfig.yaml"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
    )
    result = action(repo, manifests="deploy", live_snapshot="", kubeconfig=str(kubeconfig))
    assert result.returncode == 2
    assert "outside the workspace" not in result.stdout
    assert "127.0.0.1:9" in result.stdout  # it was read, and the cluster is not there


def test_the_cli_reads_anywhere_unless_confined(repo: Path, outside: Path) -> None:
    (repo / "deploy" / "innocent.yaml").symlink_to(outside / "secret.yaml")
    free = run_cli("--manifests", "deploy", "--live-snapshot", "live.json", cwd=repo)
    assert free.returncode == 1, free.stderr
    assert "ConfigMap shop/stolen" in free.stdout

    confined = run_cli(
        "--manifests", "deploy", "--live-snapshot", "live.json", "--confine-to", ".",
        "--output-file", "report.txt", cwd=repo,
    )  # fmt: skip
    assert confined.returncode == 2
    assert confined.stdout == ""
    assert confined.stderr.strip() == (
        f"drift-action: error: deploy/innocent.yaml: manifest file resolves to "
        f"{outside / 'secret.yaml'}, outside --confine-to . ({repo}): refused"
    )
    assert not (repo / "report.txt").exists()


def test_the_cli_confines_the_config_file_and_snapshots_too(repo: Path, outside: Path) -> None:
    base = ("--manifests", "deploy", "--confine-to", str(repo))
    result = run_cli(*base, "--live-snapshot", str(outside / "live.json"), cwd=repo)
    assert result.returncode == 2
    assert "live snapshot outside --confine-to" in result.stderr
    result = run_cli(
        *base, "--live-snapshot", "live.json", "--config", str(outside / "secret.yaml"), cwd=repo
    )
    assert result.returncode == 2
    assert "config file outside --confine-to" in result.stderr
    # Standard input is no path: it is read.
    result = run_cli(*base, "--live-snapshot", "-", stdin=LIVE, cwd=repo)
    assert result.returncode == 1, result.stderr


@pytest.mark.parametrize("flag", ["--live-snapshot", "--terraform-plan"])
def test_a_symlink_loop_given_by_absolute_path_is_one_line(tmp_path: Path, flag: str) -> None:
    """Resolving the loop to show the path raised RuntimeError: an internal error before."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    args = [flag, str(tmp_path / "a")]
    args += (
        ["--live-from-terraform"]
        if flag == "--terraform-plan"
        else ["--manifests", str(EXAMPLES / "manifests")]
    )
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"drift-action: error: {tmp_path / 'a'}: cannot read: Too many levels of symbolic links"
    )
