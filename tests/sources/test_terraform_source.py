"""Terraform plans as a source: reading plans, which resources become objects, and bad input.

The plans in tests/data/terraform/ are written by hand from Terraform's documented JSON format
and the providers' schemas (see the README there): no provider can be downloaded here. The
binary-plan path runs the real `terraform` with the built-in `terraform_data` resource.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, run_cli

from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import InputError
from drift_action.core.model import Document
from drift_action.sources.terraform.documents import build
from drift_action.sources.terraform.plan import read_plan
from drift_action.sources.terraform.source import TerraformRenderer, TerraformSpec, load_plan

DATA = ROOT / "tests" / "data" / "terraform"
PLAN = DATA / "plan-modules.json"
LIVE = DATA / "live-modules.yaml"
SEED = ROOT / "examples" / "terraform" / "plan.json"


def _plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN.read_text())
    return data


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def _by_address(documents: tuple[Document, ...]) -> dict[str, list[Document]]:
    found: dict[str, list[Document]] = {}
    for document in documents:
        found.setdefault(str(document.source.address), []).append(document)
    return found


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("drift-action: error:")]
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


# -- which resources become objects ---------------------------------------------------------


def test_resources_in_modules_with_count_and_for_each_become_objects() -> None:
    rendered = TerraformRenderer().render(TerraformSpec(str(PLAN)))
    found = _by_address(rendered.documents)
    assert set(found) == {
        "kubernetes_namespace_v1.shop",
        "kubernetes_secret_v1.credentials",
        "kubernetes_manifest.monitor",
        "kubectl_manifest.certificate[0]",
        "kubectl_manifest.secret",
        "helm_release.cache",
        "module.app.kubernetes_deployment_v1.web",
        "module.app.kubernetes_service_v1.web",
        'module.app.kubernetes_config_map_v1.settings["blue"]',
        'module.app.kubernetes_config_map_v1.settings["green"]',
    }
    names = {a: sorted(d.data["metadata"]["name"] for d in docs) for a, docs in found.items()}
    assert names['module.app.kubernetes_config_map_v1.settings["green"]'] == ["settings-green"]
    assert names["helm_release.cache"] == ["cache", "cache-auth", "cache-clients"]
    web = found["module.app.kubernetes_deployment_v1.web"][0]
    assert web.data["spec"]["replicas"] == 2  # planned: the configuration's value
    assert web.source.file == os.path.relpath(PLAN)
    assert web.source.line is None


def test_skipped_resources_are_named_in_warnings() -> None:
    rendered = TerraformRenderer().render(TerraformSpec(str(PLAN)))
    warnings = "\n".join(rendered.warnings)
    assert "kubernetes_storage_class_v1.fast: kubernetes_storage_class_v1 is not a resource" in (
        warnings
    )
    assert "kubernetes_labels.kube_system: kubernetes_labels is not compared" in warnings
    assert "kubernetes_deployment_v1.worker: its name is known only after apply" in warnings
    assert "helm_release.ingress_nginx" in warnings and "cannot be rendered offline" in warnings
    # Data sources, deleted resources and other providers' resources are not Kubernetes objects
    # of this plan: skipped without a word.
    assert "random_password" not in warnings
    assert "data.kubernetes_namespace_v1" not in warnings
    assert "kubernetes_config_map_v1.legacy" not in warnings


def test_planned_values_are_read_when_resource_changes_are_absent(tmp_path: Path) -> None:
    data = _plan()
    del data["resource_changes"], data["resource_drift"]
    plan = read_plan(data, "plan.json")
    addresses = {instance.address for instance in plan.instances}
    assert 'module.app.kubernetes_config_map_v1.settings["blue"]' in addresses
    assert "data.kubernetes_namespace_v1.existing" not in addresses
    built = build(plan, "plan.json")
    web = _by_address(built.documents)["module.app.kubernetes_deployment_v1.web"][0]
    assert web.data["spec"]["replicas"] == 2
    # sensitive_values marks what after_sensitive would
    assert web.marks is not None and any("env" in path for path in web.marks.sensitive)


def test_unknown_values_of_a_manifest_are_left_out_and_marked() -> None:
    built = build(read_plan(_plan(), "plan.json"), "plan.json")
    monitor = _by_address(built.documents)["kubernetes_manifest.monitor"][0]
    assert monitor.data["spec"]["endpoints"] == [
        {"interval": "30s", "path": "/metrics", "port": "http"}
    ]
    assert monitor.marks is not None
    assert monitor.marks.unknown == {("spec", "endpoints", 0, "bearerTokenSecret")}


def test_kubectl_manifest_hides_what_the_provider_hides() -> None:
    built = build(read_plan(_plan(), "plan.json"), "plan.json")
    found = _by_address(built.documents)
    secret = found["kubectl_manifest.secret"][0]
    assert secret.marks is not None and secret.marks.sensitive == {("data",)}
    certificate = found["kubectl_manifest.certificate[0]"][0]
    assert certificate.marks is not None and certificate.marks.sensitive == frozenset()
    assert certificate.data["spec"]["dnsNames"] == ["shop.example.com", "www.shop.example.com"]


def test_kubectl_manifest_without_its_redacted_copy_shows_only_identity() -> None:
    data = _plan()
    entry = next(c for c in data["resource_changes"] if c["address"] == "kubectl_manifest.secret")
    entry["change"]["after"]["yaml_body_parsed"] = None
    built = build(read_plan(data, "plan.json"), "plan.json")
    secret = _by_address(built.documents)["kubectl_manifest.secret"][0]
    assert secret.marks is not None
    assert secret.marks.sensitive == {("data",), ("type",)}


def test_a_sensitive_attribute_is_marked_at_its_api_path() -> None:
    built = build(read_plan(_plan(), "plan.json"), "plan.json")
    web = _by_address(built.documents)["module.app.kubernetes_deployment_v1.web"][0]
    assert web.marks is not None
    path = ("spec", "template", "spec", "containers", 0, "env", 1, "value")
    assert web.marks.sensitive == {path}
    credentials = _by_address(built.documents)["kubernetes_secret_v1.credentials"][0]
    assert credentials.marks is not None and ("data",) in credentials.marks.sensitive


def test_drift_observations_pair_the_state_with_the_refresh() -> None:
    built = build(read_plan(_plan(), "plan.json"), "plan.json")
    drift = {o.address: o for o in built.observations if o.drift}
    assert set(drift) == {
        "module.app.kubernetes_deployment_v1.web",
        "kubernetes_secret_v1.credentials",
        "kubectl_manifest.certificate[0]",
        "kubernetes_config_map_v1.legacy",
    }
    web = drift["module.app.kubernetes_deployment_v1.web"]
    assert web.desired.data["spec"]["replicas"] == 2
    assert web.live is not None and web.live.data["spec"]["replicas"] == 4
    assert "terraform apply" in web.hint
    assert not drift["kubectl_manifest.certificate[0]"].fields_recorded


# -- helm_release -------------------------------------------------------------------------------


def test_helm_release_is_rendered_with_its_values_set_and_namespace() -> None:
    rendered = TerraformRenderer().render(TerraformSpec(str(PLAN)))
    cache = {
        d.data["metadata"]["name"]: d for d in _by_address(rendered.documents)["helm_release.cache"]
    }
    deployment = cache["cache"]
    assert deployment.data["metadata"]["namespace"] == "shop"  # the release's, not the plan's
    assert deployment.source.file.endswith("cache/templates/deployment.yaml")
    args = deployment.data["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["--maxmemory", "256mb"]  # from the release's values text
    clients = cache["cache-clients"]
    assert clients.marks is not None
    assert clients.marks.sensitive == {("data", "REDIS_URL")}  # holds the set_sensitive value
    assert cache["cache-auth"].marks is not None
    assert cache["cache-auth"].marks.sensitive == {("data", "password")}  # its base64


def test_helm_values_files_are_removed_after_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    TerraformRenderer().render(TerraformSpec(str(PLAN)))
    assert list(tmp_path.iterdir()) == []


def test_helm_chart_is_found_next_to_the_plan_from_another_machine(tmp_path: Path) -> None:
    data = _plan()
    cache = next(c for c in data["resource_changes"] if c["address"] == "helm_release.cache")
    cache["change"]["after"]["chart"] = "/home/runner/work/shop/shop/infra/charts/cache"
    folder = tmp_path / "infra"
    shutil.copytree(DATA / "charts", folder / "charts")
    plan = _write(folder / "plan.json", data)
    rendered = TerraformRenderer().render(TerraformSpec(str(plan)))
    assert len(_by_address(rendered.documents)["helm_release.cache"]) == 3


def test_helm_chart_not_found_is_a_warning(tmp_path: Path) -> None:
    plan = _write(tmp_path / "plan.json", _plan())  # the charts folder is not beside it
    rendered = TerraformRenderer().render(TerraformSpec(str(plan)))
    assert "helm_release.cache" not in _by_address(rendered.documents)
    assert any(
        "helm_release.cache: chart './charts/cache' not found" in w for w in rendered.warnings
    )


def test_a_confined_run_renders_no_helm_release_chart_from_outside(tmp_path: Path) -> None:
    """The chart named by an absolute path outside the root is not looked for there; the copy
    inside the root (found by the path's trailing folders) is rendered instead."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    shutil.copytree(DATA / "charts", outside / "infra" / "charts")
    data = _plan()
    cache = next(c for c in data["resource_changes"] if c["address"] == "helm_release.cache")
    cache["change"]["after"]["chart"] = str(outside / "infra" / "charts" / "cache")
    repo.mkdir()
    plan = _write(repo / "plan.json", data)
    policy = PathPolicy.inside(str(repo), "the workspace")
    rendered = TerraformRenderer().render(TerraformSpec(str(plan), policy=policy))
    assert "helm_release.cache" not in _by_address(rendered.documents)
    assert any("not found inside the workspace next to the plan" in w for w in rendered.warnings)
    shutil.copytree(DATA / "charts", repo / "infra" / "charts")  # the checkout's own copy
    rendered = TerraformRenderer().render(TerraformSpec(str(plan), policy=policy))
    assert len(_by_address(rendered.documents)["helm_release.cache"]) == 3


def test_a_helm_release_chart_with_a_link_leading_out_is_not_rendered(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    shutil.copytree(DATA / "charts", repo / "charts")
    outside.mkdir()
    (outside / "token.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    (repo / "charts" / "cache" / "templates" / "stolen.yaml").symlink_to(outside / "token.yaml")
    plan = _write(repo / "plan.json", _plan())
    policy = PathPolicy.inside(str(repo), "the workspace")
    rendered = TerraformRenderer().render(TerraformSpec(str(plan), policy=policy))
    assert "helm_release.cache" not in _by_address(rendered.documents)
    (warning,) = [w for w in rendered.warnings if "helm_release.cache" in w]
    assert "a link in the Helm chart resolves to" in warning
    assert warning.endswith("refused: not rendered")


def test_the_render_limits_reach_helm_release_charts(tmp_path: Path) -> None:
    shutil.copytree(DATA / "charts", tmp_path / "charts")
    plan = _write(tmp_path / "plan.json", _plan())
    spec = TerraformSpec(str(plan), limits=RenderLimits(max_bytes=100))
    with pytest.raises(
        InputError, match=r"helm_release\.cache: .*more than 100 bytes, the render size limit"
    ):
        TerraformRenderer().render(spec)


def test_helm_error_quoting_a_sensitive_value_is_withheld(tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "cache"
    shutil.copytree(DATA / "charts" / "cache", chart)
    (chart / "templates" / "check.yaml").write_text(
        '{{ if .Values.auth.password }}{{ fail (printf "weak password %s" .Values.auth.password) }}'
        "{{ end }}\n"
    )
    plan = _write(tmp_path / "plan.json", _plan())
    result = run_cli("--terraform-plan", str(plan), "--live-snapshot", str(LIVE))
    line = _one_error_line(result)
    assert "helm_release.cache" in line and "sensitive value" in line
    assert "R3dis-Pa55-9ZxQ" not in result.stderr


# -- bad input ----------------------------------------------------------------------------------


def test_not_json(tmp_path: Path) -> None:
    plan = _write(tmp_path / "plan.json", '{"format_version": "1.2",\n  resource_changes: []}\n')
    line = _one_error_line(run_cli("--terraform-plan", str(plan), "--live-snapshot", str(LIVE)))
    assert "plan.json:2: not JSON" in line
    assert "terraform show -json" in line


def test_another_major_format_version(tmp_path: Path) -> None:
    data = _plan()
    data["format_version"] = "2.0"
    plan = _write(tmp_path / "plan.json", data)
    line = _one_error_line(run_cli("--terraform-plan", str(plan), "--live-snapshot", str(LIVE)))
    assert "format_version 2.0 is not supported" in line


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"format_version": "1.0", "terraform_version": "1.9.8"}, "not a plan"),
        ({"format_version": "1.0", "values": {"root_module": {}}}, "a state, not a plan"),
        ({"terraform_version": "1.9.8", "resource_changes": []}, "no format_version"),
        ([], "not a Terraform plan"),
    ],
)
def test_json_that_is_not_a_plan(tmp_path: Path, document: Any, says: str) -> None:
    plan = _write(tmp_path / "plan.json", document)
    line = _one_error_line(run_cli("--terraform-plan", str(plan), "--live-snapshot", str(LIVE)))
    assert says in line


def test_a_malformed_resource_change_is_named(tmp_path: Path) -> None:
    data = _plan()
    data["resource_changes"][3] = {"address": "kubernetes_namespace_v1.x", "type": "x"}
    plan = _write(tmp_path / "plan.json", data)
    line = _one_error_line(run_cli("--terraform-plan", str(plan), "--live-snapshot", str(LIVE)))
    assert "resource_changes[3] is not a resource change" in line


def test_a_missing_plan_file(tmp_path: Path) -> None:
    line = _one_error_line(run_cli("--terraform-plan", str(tmp_path / "nope.json")))
    assert "nope.json: no such file" in line


def test_binary_plan_without_terraform_on_path(tmp_path: Path) -> None:
    plan = tmp_path / "plan.tfplan"
    plan.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    result = run_cli(
        "--terraform-plan", str(plan), "--live-snapshot", str(LIVE), env={"PATH": str(tmp_path)}
    )
    line = _one_error_line(result)
    assert "terraform is not on PATH" in line
    assert "terraform show -json plan.tfplan > plan.json" in line


def test_binary_file_that_is_no_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.bin"
    plan.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(InputError, match="neither plan JSON nor a binary Terraform plan"):
        load_plan(str(plan), "plan.bin")


@pytest.fixture(scope="module")
def binary_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real binary plan: terraform_data is built into terraform and needs no provider."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH: the binary-plan path cannot be run")
    folder = tmp_path_factory.mktemp("binary-plan")
    (folder / "main.tf").write_text(
        'resource "terraform_data" "release" {\n'
        '  input = { image = "ghcr.io/example/shop-web:1.4.2", replicas = 3 }\n'
        "}\n"
        'resource "terraform_data" "slot" {\n  count = 2\n  input = "slot-${count.index}"\n}\n'
    )
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for command in (["init", "-input=false"], ["plan", "-input=false", "-out=plan.tfplan"]):
        subprocess.run(
            [terraform, *command, "-no-color"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return folder / "plan.tfplan"


def test_binary_plan_is_read_through_terraform_show(binary_plan: Path) -> None:
    assert binary_plan.read_bytes()[:4] == b"PK\x03\x04"
    data = load_plan(str(binary_plan), "plan.tfplan")
    plan = read_plan(data, "plan.tfplan")
    assert {i.address for i in plan.instances} == {
        "terraform_data.release",
        "terraform_data.slot[0]",
        "terraform_data.slot[1]",
    }
    assert all(i.created for i in plan.instances)


def test_binary_plan_through_the_cli(binary_plan: Path, tmp_path: Path) -> None:
    live = _write(tmp_path / "live.json", {"apiVersion": "v1", "kind": "List", "items": []})
    # terraform_data is not Kubernetes: a plan with no Kubernetes object is most likely the
    # wrong plan, so an error unless --allow-empty.
    result = run_cli("--terraform-plan", str(binary_plan), "--live-snapshot", str(live))
    assert result.returncode == 2, result.stderr
    assert "no Kubernetes objects" in result.stderr and "--allow-empty" in result.stderr
    allowed = run_cli(
        "--terraform-plan", str(binary_plan), "--live-snapshot", str(live), "--allow-empty"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "no desired objects were found" in allowed.stderr
    assert "No drift" in allowed.stdout


def test_binary_plan_that_terraform_cannot_show(binary_plan: Path, tmp_path: Path) -> None:
    broken = tmp_path / "plan.tfplan"
    broken.write_bytes(binary_plan.read_bytes()[:200])  # a cut-off zip
    result = run_cli("--terraform-plan", str(broken), "--live-snapshot", str(LIVE))
    line = _one_error_line(result)
    assert "terraform show -json failed" in line


# -- config file, flags -------------------------------------------------------------------------


def test_config_file_source_is_relative_to_the_config(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    shutil.copy(SEED, infra / "plan.json")
    config = tmp_path / "ci" / "drift.yaml"
    config.parent.mkdir()
    config.write_text("sources:\n  - terraform: ../infra/plan.json\n")
    live = ROOT / "examples" / "terraform" / "live.yaml"
    result = run_cli("--config", str(config), "--live-snapshot", str(live), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["resources"][0]["source"]["address"] == "kubernetes_deployment.example"


def test_terraform_plan_is_repeatable(tmp_path: Path) -> None:
    other = copy.deepcopy(json.loads(SEED.read_text()))
    for section in (other["resource_changes"], other["resource_drift"]):
        for entry in section:
            for side in ("before", "after"):
                entry["change"][side]["metadata"][0]["name"] = "example-two"
    second = _write(tmp_path / "two.json", other)
    result = run_cli(
        "--terraform-plan",
        str(SEED),
        "--terraform-plan",
        str(second),
        "--live-from-terraform",
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    names = {r["name"] for r in json.loads(result.stdout)["resources"]}
    assert names == {"example-deployment", "example-two"}


def test_help_names_the_flags() -> None:
    result = run_cli("--help")
    assert "--terraform-plan FILE" in result.stdout
    assert "--live-from-terraform" in result.stdout


def _config_map(name: str) -> dict[str, Any]:
    return {
        "binary_data": None,
        "data": {"MODE": "batch"},
        "id": f"shop/{name}",
        "immutable": False,
        "metadata": [
            {
                "annotations": None,
                "generate_name": "",
                "generation": 0,
                "labels": None,
                "name": name,
                "namespace": "shop",
                "resource_version": "",
                "uid": "",
            }
        ],
    }


def test_an_object_whose_identity_is_unknown_or_sensitive_is_named_and_skipped() -> None:
    unknown_namespace = _config_map("jobs")
    del unknown_namespace["metadata"][0]["namespace"]
    entries = [
        (
            "kubernetes_config_map_v1.jobs",
            unknown_namespace,
            {"metadata": [{"namespace": True}]},
            {},
        ),
        ("kubernetes_config_map_v1.hidden", _config_map("x"), {}, {"metadata": [{"name": True}]}),
        ("kubernetes_config_map_v1.fine", _config_map("fine"), {}, {}),
    ]
    data = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": "kubernetes_config_map_v1",
                "name": address.rsplit(".", 1)[1],
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": after,
                    "after_unknown": unknown,
                    "after_sensitive": sensitive,
                },
            }
            for address, after, unknown, sensitive in entries
        ],
    }
    built = build(read_plan(data, "plan.json"), "plan.json")
    assert set(_by_address(built.documents)) == {"kubernetes_config_map_v1.fine"}
    assert built.warnings == (
        "plan.json: kubernetes_config_map_v1.jobs: its namespace is known only after apply: "
        "not compared",
        "plan.json: kubernetes_config_map_v1.hidden: its identity is sensitive in the plan, and "
        "a report would have to name it: not compared",
    )


def test_the_cli_render_limit_reaches_helm_release_charts(tmp_path: Path) -> None:
    shutil.copytree(DATA / "charts", tmp_path / "charts")
    _write(tmp_path / "plan.json", _plan())
    args = ("--terraform-plan", "plan.json", "--live-from-terraform", "--render-max-bytes", "100")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "drift-action: error: plan.json: helm_release.cache: charts/cache: Helm printed more "
        "than 100 bytes, the render size limit (--render-max-bytes, input render_max_bytes)"
    )
