"""`reconcile: true` in a scheduled run, end to end: the action puts a hand-scaled Deployment and
a hand-edited ConfigMap (in the Kubernetes API emulator) back, the nightly issue says what was
reverted and who had changed it, and the next run closes the issue. A pull request's run is
refused before anything is written."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from support.github_emulator import GitHubEmulator
from support.github_run import Runner, pr_event
from support.kube_emulator import KubeEmulator

from drift_action.github.context import reconcile_refusal

MERGE = "application/merge-patch+json"
NIGHTLY = {"schedule": "17 5 * * *"}


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]},
            },
        },
    }


def configmap() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default"},
        "data": {"mode": "safe"},
    }


def send(emu: KubeEmulator, path: str, body: Any, content_type: str, **query: str) -> None:
    request = urllib.request.Request(
        f"{emu.url}{path}?{urlencode(query)}",
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Content-Type": content_type},
    )
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def cluster(workspace: Path) -> Any:
    """The deployer's server-side apply, then a person's kubectl scale and kubectl edit."""
    (workspace / "git").mkdir(parents=True)
    (workspace / "git" / "app.yaml").write_text(
        yaml.safe_dump_all([deployment(), configmap()]), encoding="utf-8"
    )
    with KubeEmulator([]) as emu:
        apply = "application/apply-patch+yaml"
        deploy = "/apis/apps/v1/namespaces/default/deployments/web"
        cm = "/api/v1/namespaces/default/configmaps/cfg"
        send(emu, deploy, deployment(), apply, fieldManager="argocd-controller")
        send(emu, cm, configmap(), apply, fieldManager="argocd-controller")
        send(emu, deploy + "/scale", {"spec": {"replicas": 7}}, MERGE, fieldManager="kubectl-scale")
        send(emu, cm, {"data": {"mode": "danger"}}, MERGE, fieldManager="kubectl-edit")
        emu.write_kubeconfig(workspace / "kubeconfig")
        emu.reset_requests()
        yield emu


def inputs(**more: str) -> dict[str, str]:
    return {
        "live": "",
        "manifests": "git",
        "kubeconfig": "kubeconfig",
        "report_id": "prod",
        "reconcile": "true",
        "force_conflicts": "true",
        **more,
    }


def test_a_scheduled_reconcile_reverts_reports_and_the_next_run_closes_the_issue(
    act: Runner, gh: GitHubEmulator, cluster: KubeEmulator
) -> None:
    first = act("schedule", NIGHTLY, **inputs())
    assert first.returncode == 0, first.stdout + first.stderr
    assert cluster.objects("apps", "Deployment")[0]["spec"]["replicas"] == 2
    assert cluster.objects("", "ConfigMap")[0]["data"] == {"mode": "safe"}
    writes = [r for r in cluster.requests if r.method == "PATCH"]
    assert [r.query.get("dryRun") for r in writes] == ["All", "All", None, None]
    assert {r.query["fieldManager"] for r in writes} == {"argocd-controller"}

    (opened,) = gh.issues(state="open")
    body = opened.body
    assert "Reconcile: 2 put back" in body
    for said in ("spec.replicas", "`7` → `2`", "kubectl-scale", "data.mode", "kubectl-edit"):
        assert said in body, said
    assert "argocd-controller" in body  # as whom it was applied

    before = len(cluster.requests)
    second = act("schedule", NIGHTLY, **inputs())
    assert second.returncode == 0, second.stdout
    assert (opened.state, opened.state_reason) == ("closed", "completed")
    assert [r for r in cluster.requests[before:] if r.method == "PATCH"] == []


def test_a_pull_request_run_is_refused_before_anything_is_read_or_written(
    act: Runner, gh: GitHubEmulator, cluster: KubeEmulator
) -> None:
    number = gh.add_pull_request("0123456789abcdef0123456789abcdef01234567")
    result = act("pull_request", pr_event(number), **inputs())
    assert result.returncode == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1 and "reconcile" in errors[0]
    assert cluster.requests == []
    assert cluster.objects("apps", "Deployment")[0]["spec"]["replicas"] == 7


@pytest.mark.parametrize(
    ("event", "ref", "allowed"),
    [
        ("schedule", "", True),
        ("workflow_dispatch", "refs/heads/main", True),
        ("workflow_dispatch", "refs/heads/feature", False),
        ("push", "refs/heads/main", True),
        ("push", "refs/heads/feature", False),
        ("pull_request", "refs/pull/3/merge", False),
        ("pull_request_target", "refs/heads/main", False),
        ("", "", False),
    ],
)
def test_which_events_may_reconcile(event: str, ref: str, allowed: bool) -> None:
    payload = {"repository": {"default_branch": "main"}}
    assert (reconcile_refusal(event, ref, payload) == "") is allowed
