"""End to end: Terraform plans through the installed CLI and the action's entry point.

The seed scenario: `kubernetes_deployment.example` declares `replicas = 3`, somebody ran
`kubectl scale --replicas=5`, and the pipeline must say so and point at `terraform plan` and
`terraform apply` (examples/terraform/).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from support import EXAMPLES, ROOT, run_action, run_cli

SEED = EXAMPLES / "terraform" / "plan.json"
SEED_LIVE = EXAMPLES / "terraform" / "live.yaml"
DATA = ROOT / "tests" / "data" / "terraform"
PLAN = DATA / "plan-modules.json"
LIVE = DATA / "live-modules.yaml"


def _unreachable_kubeconfig(folder: Path) -> Path:
    """A kubeconfig whose server refuses connections: reading it would fail the run."""
    path = folder / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        "clusters:\n- name: prod\n  cluster:\n    server: https://127.0.0.1:9\n"
        "contexts:\n- name: prod\n  context:\n    cluster: prod\n    user: ci\n"
        "users:\n- name: ci\n  user:\n    token: not-a-real-token\n"
    )
    return path


def _resource(report: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    found = [r for r in report["resources"] if r["kind"] == kind and r["name"] == name]
    assert len(found) == 1, report["resources"]
    return found[0]


# -- the seed scenario --------------------------------------------------------------------------


def test_seed_scenario_through_the_cli() -> None:
    result = run_cli("--terraform-plan", str(SEED), "--live-snapshot", str(SEED_LIVE))
    assert result.returncode == 1, result.stderr
    assert "Deployment default/example-deployment" in result.stdout
    assert "spec.replicas: 3 -> 5" in result.stdout
    assert "kubernetes_deployment.example" in result.stdout
    assert "run `terraform plan` to review and `terraform apply`" in result.stdout


def test_seed_scenario_as_json() -> None:
    result = run_cli(
        "--terraform-plan", str(SEED), "--live-snapshot", str(SEED_LIVE), "--format", "json"
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    deployment = _resource(report, "Deployment", "example-deployment")
    assert deployment["status"] == "drifted"
    assert [(c["path"], c["desired"], c["live"]) for c in deployment["changes"]] == [
        ("spec.replicas", 3, 5)
    ]
    assert deployment["changes"][0]["attribution"]["manager"] == "kubectl-scale"
    assert deployment["source"] == {
        "file": "examples/terraform/plan.json",
        "line": None,
        "address": "kubernetes_deployment.example",
    }
    assert deployment["seen_by"] == ["live", "terraform"]  # the plan's resource_drift too
    assert "terraform apply" in deployment["message"]


def test_seed_scenario_through_the_action(workspace: Path) -> None:
    result = run_action(
        workspace,
        {
            "INPUT_TERRAFORM_PLAN": "examples/terraform/plan.json",
            "INPUT_LIVE_SNAPSHOT": "examples/terraform/live.yaml",
            "GITHUB_OUTPUT": str(workspace / "outputs.txt"),
        },
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "spec.replicas: 3 -> 5" in result.stdout
    report = json.loads((workspace / "drift-report.json").read_text())
    changes = _resource(report, "Deployment", "example-deployment")["changes"]
    assert [(c["path"], c["desired"], c["live"]) for c in changes] == [("spec.replicas", 3, 5)]
    markdown = (workspace / "drift-report.md").read_text()
    assert "terraform apply" in markdown
    assert "drift_detected=true" in (workspace / "outputs.txt").read_text()


def test_seed_scenario_without_cluster_access(tmp_path: Path) -> None:
    """Terraform's own refresh is the live state: nothing else is read or contacted."""
    kubeconfig = _unreachable_kubeconfig(tmp_path)
    result = run_cli(
        "--terraform-plan",
        str(SEED),
        "--live-from-terraform",
        "--format",
        "json",
        env={"KUBECONFIG": str(kubeconfig)},
    )
    assert result.returncode == 1, result.stderr
    deployment = _resource(json.loads(result.stdout), "Deployment", "example-deployment")
    assert [(c["path"], c["desired"], c["live"]) for c in deployment["changes"]] == [
        ("spec.replicas", 3, 5)
    ]
    assert deployment["seen_by"] == ["terraform"]
    text = run_cli("--terraform-plan", str(SEED), "--live-from-terraform").stdout
    assert "[drifted: Git -> cluster, as Terraform saw it]" in text
    assert "Terraform's refresh saw kubernetes_deployment.example changed outside" in text


def test_seed_scenario_without_cluster_access_through_the_action(workspace: Path) -> None:
    result = run_action(
        workspace,
        {
            "INPUT_TERRAFORM_PLAN": "examples/terraform/plan.json",
            "INPUT_LIVE_FROM_TERRAFORM": "true",
            "KUBECONFIG": str(_unreachable_kubeconfig(workspace)),
        },
    )
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((workspace / "drift-report.json").read_text())
    assert _resource(report, "Deployment", "example-deployment")["seen_by"] == ["terraform"]


def test_a_plan_alone_without_a_kubeconfig_says_what_to_do(tmp_path: Path) -> None:
    result = run_cli("--terraform-plan", str(SEED), env={"HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "no kubeconfig" in result.stderr
    assert "--live-from-terraform" in result.stderr


def test_terraform_view_mixes_with_nothing_else() -> None:
    with_snapshot = run_cli(
        "--terraform-plan", str(SEED), "--live-from-terraform", "--live-snapshot", str(SEED_LIVE)
    )
    assert with_snapshot.returncode == 2
    assert "reads no live state: leave out --live-snapshot" in with_snapshot.stderr
    with_manifests = run_cli(
        "--terraform-plan",
        str(SEED),
        "--manifests",
        str(EXAMPLES / "manifests"),
        "--live-from-terraform",
    )
    assert with_manifests.returncode == 2
    assert "compares Terraform plans only" in with_manifests.stderr


# -- a realistic plan: modules, count, for_each, manifests, a Helm release, resource_drift ------


def _modules_report(*extra: str) -> dict[str, Any]:
    result = run_cli(
        "--terraform-plan", str(PLAN), "--live-snapshot", str(LIVE), "--format", "json", *extra
    )
    assert result.returncode == 1, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_every_object_is_reported_once_with_its_verdict() -> None:
    report = _modules_report()
    keys = Counter((r["kind"], r["namespace"], r["name"]) for r in report["resources"])
    assert all(count == 1 for count in keys.values()), keys  # drift seen twice, counted once
    statuses = {(r["kind"], r["name"]): r["status"] for r in report["resources"]}
    assert statuses == {
        ("Namespace", "shop"): "in_sync",
        ("Deployment", "web"): "drifted",
        ("Service", "web"): "in_sync",
        ("ConfigMap", "settings-blue"): "in_sync",
        ("ConfigMap", "settings-green"): "drifted",
        ("Secret", "credentials"): "drifted",
        ("ServiceMonitor", "web"): "in_sync",
        ("Certificate", "shop-tls"): "drifted",
        ("Secret", "kubectl-secret"): "in_sync",
        ("Deployment", "cache"): "in_sync",
        ("Secret", "cache-auth"): "in_sync",
        ("ConfigMap", "cache-clients"): "drifted",
        ("ConfigMap", "legacy"): "drifted",  # drifted outside Terraform, deleted by the plan
    }
    seen = {(r["kind"], r["name"]): r.get("seen_by", ["live"]) for r in report["resources"]}
    assert seen[("Deployment", "web")] == ["live", "terraform"]
    assert seen[("Certificate", "shop-tls")] == ["live", "terraform"]
    assert seen[("ConfigMap", "legacy")] == ["terraform"]
    assert seen[("ConfigMap", "settings-green")] == ["live"]


def test_changes_read_as_api_paths() -> None:
    report = _modules_report()
    web = _resource(report, "Deployment", "web")
    paths = {c["path"]: c for c in web["changes"]}
    assert paths["spec.replicas"]["desired"] == 2
    assert paths["spec.replicas"]["live"] == 4
    token = paths["spec.template.spec.containers[name=web].env[name=API_TOKEN].value"]
    assert token["redacted"] is True
    assert token["desired"] == token["live"] == "(hidden)"
    green = _resource(report, "ConfigMap", "settings-green")["changes"]
    assert [(c["path"], c["desired"], c["live"]) for c in green] == [
        ("data.COLOR", "green", "teal")
    ]
    legacy = _resource(report, "ConfigMap", "legacy")
    assert [(c["path"], c["desired"], c["live"]) for c in legacy["changes"]] == [
        ("data.MODE", "batch", "manual")
    ]
    assert legacy["source"]["address"] == "kubernetes_config_map_v1.legacy"


def test_helm_release_objects_are_compared_and_sourced_at_the_release() -> None:
    report = _modules_report()
    clients = _resource(report, "ConfigMap", "cache-clients")
    assert clients["source"]["address"] == "helm_release.cache"
    assert clients["source"]["file"].endswith("cache/templates/configmap.yaml")
    (change,) = clients["changes"]
    assert change["path"] == "data.REDIS_URL"
    assert change["redacted"] is True  # it holds the release's set_sensitive value
    assert "message" not in clients  # terraform apply would not restore a Helm release's object


def test_known_after_apply_in_every_format() -> None:
    report = _modules_report("--explain")
    monitor = _resource(report, "ServiceMonitor", "web")
    assert {"rule": "known-after-apply", "path": "spec.endpoints[0].bearerTokenSecret",
            "reason": "Terraform knows this value only after apply: not compared"} in monitor["normalized"]  # fmt: skip
    for fmt in ("text", "markdown"):
        result = run_cli(
            "--terraform-plan",
            str(PLAN),
            "--live-snapshot",
            str(LIVE),
            "--explain",
            "--format",
            fmt,
        )
        assert "spec.endpoints[0].bearerTokenSecret" in result.stdout
        assert "Terraform knows this value only after apply" in result.stdout


def test_a_drifted_object_lists_its_values_known_after_apply(tmp_path: Path) -> None:
    plan = json.loads(SEED.read_text())
    change = plan["resource_changes"][0]["change"]
    container = change["after"]["spec"][0]["template"][0]["spec"][0]["container"][0]
    del container["image"]  # from an image registry resource: known after apply
    unknown = change["after_unknown"]["spec"][0]["template"][0]["spec"][0]["container"][0]
    unknown["image"] = True
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    live = SEED_LIVE.read_text().replace("image: nginx:1.21.6", "image: nginx:1.27.2")
    (tmp_path / "live.yaml").write_text(live)
    args = (
        "--terraform-plan",
        str(tmp_path / "plan.json"),
        "--live-snapshot",
        str(tmp_path / "live.yaml"),
    )
    text = run_cli(*args)
    assert text.returncode == 1
    assert "spec.template.spec.containers[name=example].image: (known after apply)" in text.stdout
    assert "nginx:1.27.2" not in text.stdout  # not compared: not drift
    markdown = run_cli(*args, "--format", "markdown").stdout
    assert "Known after apply (not compared):" in markdown
    assert "`spec.template.spec.containers[name=example].image`" in markdown


def test_markdown_says_who_saw_the_drift() -> None:
    result = run_cli(
        "--terraform-plan", str(PLAN), "--live-snapshot", str(LIVE), "--format", "markdown"
    )
    assert result.returncode == 1
    assert "<b>Deployment shop/web</b>, Terraform saw it too" in result.stdout
    assert "<b>ConfigMap shop/legacy</b>, as Terraform saw it" in result.stdout
    assert "`terraform apply` to reconcile" in result.stdout


def test_terraform_view_of_a_realistic_plan(tmp_path: Path) -> None:
    result = run_cli(
        "--terraform-plan",
        str(PLAN),
        "--live-from-terraform",
        "--format",
        "json",
        env={"KUBECONFIG": str(_unreachable_kubeconfig(tmp_path))},
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    statuses = {(r["kind"], r["name"]): r["status"] for r in report["resources"]}
    assert statuses[("ServiceMonitor", "web")] == "missing"  # the plan creates it
    assert statuses[("Certificate", "shop-tls")] == "drifted"  # the kubectl fingerprint
    assert statuses[("ConfigMap", "settings-green")] == "in_sync"  # Terraform saw no change
    assert all(r["seen_by"] == ["terraform"] for r in report["resources"])
    certificate = _resource(report, "Certificate", "shop-tls")
    assert certificate["changes"] == []
    assert "fingerprint" in certificate["message"]
    assert any("helm_release.cache" in w for w in report["warnings"])
