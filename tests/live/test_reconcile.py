"""`--reconcile` against the Kubernetes API emulator, which now stores server-side applies and
keeps managedFields and conflicts as the real server does: dry runs before any write, one
object's conflict or refusal not stopping the others, refusals that write nothing, and Secret
data that never leaves the request body."""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from support import run_cli
from support.kube_emulator import Fault, KubeEmulator

SECRET_VALUE = "s3cr3t-Reconcile-Value-9f2b"
MERGE = "application/merge-patch+json"


def deployment(replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]},
            },
        },
    }


def configmap(name: str = "cfg", mode: str = "safe") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"mode": mode},
    }


def secret(value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "default"},
        "data": {"password": base64.b64encode(value.encode()).decode()},
    }


def send(emu: KubeEmulator, path: str, body: Any, content_type: str, **query: str) -> int:
    request = urllib.request.Request(
        f"{emu.url}{path}?{urlencode(query)}",
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def deploy(emu: KubeEmulator, *objects: dict[str, Any], manager: str = "kubectl") -> None:
    """What a deployer's `kubectl apply --server-side` leaves behind."""
    for obj in objects:
        plural = obj["kind"].lower() + "s"
        group = "/apis/apps/v1" if obj["kind"] == "Deployment" else "/api/v1"
        path = f"{group}/namespaces/default/{plural}/{obj['metadata']['name']}"
        send(emu, path, obj, "application/apply-patch+yaml", fieldManager=manager)


def hand_edits(emu: KubeEmulator) -> None:
    """kubectl scale and kubectl edit: the fields change hands."""
    scale = "/apis/apps/v1/namespaces/default/deployments/web/scale"
    send(emu, scale, {"spec": {"replicas": 5}}, MERGE, fieldManager="kubectl-scale")
    edit = {"data": {"mode": "danger"}}
    send(emu, "/api/v1/namespaces/default/configmaps/cfg", edit, MERGE, fieldManager="kubectl-edit")


@pytest.fixture
def git(tmp_path: Path) -> Path:
    path = tmp_path / "git.yaml"
    path.write_text(yaml.safe_dump_all([deployment(), configmap()]), encoding="utf-8")
    return path


def reconcile(emu: KubeEmulator, manifests: Path, *flags: str) -> Any:
    kubeconfig = emu.write_kubeconfig(manifests.parent / "kubeconfig")
    emu.reset_requests()
    return run_cli("--manifests", str(manifests), "--kubeconfig", str(kubeconfig), *flags)


def patches(emu: KubeEmulator) -> list[tuple[str, bool, int]]:
    """(resource, dry run, status) of each PATCH, in order."""
    return [
        (r.path.rsplit("/", 2)[-2], r.query.get("dryRun") == "All", r.status)
        for r in emu.requests
        if r.method == "PATCH"
    ]


def test_every_dry_run_passes_before_the_first_write_and_the_drift_is_put_back(
    git: Path,
) -> None:
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(), configmap())
        hand_edits(emu)
        result = reconcile(emu, git, "--reconcile", "--force-conflicts", "-o", "json")
        assert result.returncode == 0, result.stderr
        sent = patches(emu)
        assert [dry for _, dry, _ in sent] == [True, True, False, False]
        assert {status for *_, status in sent} == {200}
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 2
        assert emu.objects("", "ConfigMap")[0]["data"] == {"mode": "safe"}
        # Applied as the deployer, which now owns the fields again: ownership not split.
        (web,) = emu.objects("apps", "Deployment")
        assert {m["manager"] for m in web["metadata"]["managedFields"]} == {"kubectl"}
        done = json.loads(result.stdout)["reconcile"]
        assert done["settled"] is True and done["force_conflicts"] is True
        by_kind = {r["kind"]: r for r in done["resources"]}
        assert by_kind["Deployment"]["outcome"] == "reverted"
        assert by_kind["Deployment"]["field_manager"] == "kubectl"
        (change,) = by_kind["Deployment"]["changes"]
        assert (change["path"], change["before"], change["after"]) == ("spec.replicas", "5", "2")
        assert (change["changed_by"], change["actor"]) == ("kubectl-scale", "human")
        assert by_kind["ConfigMap"]["changes"][0]["changed_by"] == "kubectl-edit"

        again = reconcile(emu, git, "--reconcile")
        assert again.returncode == 0 and patches(emu) == []  # in sync: nothing to apply


def test_without_force_hand_edits_are_conflicts_and_the_run_exits_1(git: Path) -> None:
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(), configmap())
        hand_edits(emu)
        result = reconcile(emu, git, "--reconcile", "-o", "json")
        assert result.returncode == 1, result.stderr
        done = json.loads(result.stdout)["reconcile"]
        assert {r["outcome"] for r in done["resources"]} == {"conflict"}
        reasons = " ".join(r["reason"] for r in done["resources"])
        assert "kubectl-scale" in reasons and "kubectl-edit" in reasons
        assert all(dry for _, dry, _ in patches(emu))  # nothing written
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 5


def test_a_conflict_at_the_apply_stops_that_object_and_the_others_go_on(git: Path) -> None:
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(), configmap())
        hand_edits(emu)
        # Someone takes the ConfigMap between its dry run and its apply.
        emu.inject(Fault(status=409, method="PATCH", path_regex=r"/configmaps/cfg\?(?!.*dryRun)"))
        result = reconcile(emu, git, "--reconcile", "--force-conflicts", "-o", "json")
        assert result.returncode == 1, result.stderr
        outcomes = {
            r["kind"]: r["outcome"] for r in json.loads(result.stdout)["reconcile"]["resources"]
        }
        assert outcomes == {"Deployment": "reverted", "ConfigMap": "conflict"}
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 2
        assert emu.objects("", "ConfigMap")[0]["data"] == {"mode": "danger"}


def test_a_failing_dry_run_stops_the_run_before_any_write(git: Path) -> None:
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(), configmap())
        hand_edits(emu)
        emu.inject(Fault(status=422, method="PATCH", path_regex=r"/configmaps/cfg\?.*dryRun=All"))
        result = reconcile(emu, git, "--reconcile", "--force-conflicts")
        assert result.returncode == 2
        (line,) = result.stderr.splitlines()
        assert "nothing was applied" in line and "ConfigMap default/cfg" in line
        assert all(dry for _, dry, _ in patches(emu))
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 5


def test_without_patch_one_warning_per_kind(tmp_path: Path) -> None:
    manifests = tmp_path / "git.yaml"
    objects = [deployment(), configmap("a"), configmap("b")]
    manifests.write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(3), configmap("a", "x"), configmap("b", "y"))
        emu.inject(Fault(status=403, method="PATCH", path_regex=r"/configmaps/"))
        result = reconcile(emu, manifests, "--reconcile", "-o", "json")
        assert result.returncode == 1, result.stderr
        warned = [w for w in result.stderr.splitlines() if "forbidden" in w]
        assert len(warned) == 1 and "ConfigMap" in warned[0] and "Traceback" not in result.stderr
        outcomes = sorted(r["outcome"] for r in json.loads(result.stdout)["reconcile"]["resources"])
        assert outcomes == ["forbidden", "forbidden", "reverted"]


@pytest.mark.parametrize(
    "flags",
    [
        ("--reconcile", "--prune"),
        ("--force-conflicts",),
        ("--reconcile", "--live-snapshot", "snapshot.yaml"),
    ],
)
def test_refused_flags_write_nothing(git: Path, flags: tuple[str, ...]) -> None:
    (git.parent / "snapshot.yaml").write_text(yaml.safe_dump(configmap()), encoding="utf-8")
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(), configmap())
        hand_edits(emu)
        kubeconfig = emu.write_kubeconfig(git.parent / "kubeconfig")
        emu.reset_requests()
        result = run_cli(
            "--manifests", str(git), "--kubeconfig", str(kubeconfig), *flags, cwd=git.parent
        )
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert patches(emu) == []


def test_errors_and_high_severity_refuse_before_any_write(git: Path, tmp_path: Path) -> None:
    config = tmp_path / "drift.yaml"
    config.write_text(
        yaml.safe_dump({"severity": [{"paths": ["spec.replicas"], "level": "high"}]}),
        encoding="utf-8",
    )
    with KubeEmulator([]) as emu:
        deploy(emu, deployment(), configmap())
        hand_edits(emu)
        high = reconcile(emu, git, "--reconcile", "--force-conflicts", "--config", str(config))
        assert high.returncode == 2 and "high-severity" in high.stderr, high.stderr
        assert patches(emu) == []
        allowed = reconcile(
            emu, git, "--reconcile", "--force-conflicts", "--reconcile-high", "--config",
            str(config),
        )  # fmt: skip
        assert allowed.returncode == 0, allowed.stderr

        emu.inject(Fault(status=403, method="GET", path_regex=r"/configmaps"))
        hand_edits(emu)
        broken = reconcile(emu, git, "--reconcile", "--force-conflicts")
        assert broken.returncode == 2 and "could not be compared" in broken.stderr
        assert patches(emu) == []


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_secret_data_goes_only_in_the_request_body(tmp_path: Path, fmt: str) -> None:
    manifests = tmp_path / "git.yaml"
    manifests.write_text(yaml.safe_dump(secret(SECRET_VALUE)), encoding="utf-8")
    with KubeEmulator([]) as emu:
        deploy(emu, secret("old-" + SECRET_VALUE))
        send(emu, "/api/v1/namespaces/default/secrets/creds",
             {"data": {"password": base64.b64encode(b"hand-" + SECRET_VALUE.encode()).decode()}},
             MERGE, fieldManager="kubectl-edit")  # fmt: skip
        # A refused apply's message must not carry the value either.
        emu.inject(Fault(status=422, method="PATCH", times=1, message=f"bad {SECRET_VALUE}",
                         path_regex=r"\?(?!.*dryRun)"))  # fmt: skip
        failed = reconcile(emu, manifests, "--reconcile", "--force-conflicts", "-o", fmt)
        assert failed.returncode == 1 and "422" in failed.stdout, failed.stderr
        result = reconcile(emu, manifests, "--reconcile", "--force-conflicts", "-o", fmt)
        assert result.returncode == 0, result.stderr
        stored = emu.objects("", "Secret")[0]["data"]["password"]
        assert base64.b64decode(stored).decode() == SECRET_VALUE  # it was sent, and stored
        for value in ("hand-" + SECRET_VALUE, "old-" + SECRET_VALUE, SECRET_VALUE):
            encoded = base64.b64encode(value.encode()).decode()
            for run in (failed, result):
                for stream in (run.stdout, run.stderr):
                    assert SECRET_VALUE not in stream and encoded not in stream
