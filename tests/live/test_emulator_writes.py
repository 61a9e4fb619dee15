"""The Kubernetes API emulator's writes: server-side apply that persists, with managedFields and
conflicts as structured-merge-diff keeps them, and merge, strategic and JSON patches on objects
and /scale, driven over HTTP and by the real kubectl.

The expectations (conflict causes, the scale entry without a time, emptied annotations left out,
an atomic LabelSelector) were read off kube-apiserver v1.36 (tests/realserver tier binaries).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from support.kube_emulator import Fault, KubeEmulator

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments/web"
CM = "/api/v1/namespaces/default/configmaps/cfg"


def deployment(replicas: int = 2, image: str = "app:1") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def configmap(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default", "annotations": {"note": "git"}},
        "data": data,
    }


def call(
    emu: KubeEmulator,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = APPLY,
    **query: str,
) -> tuple[int, Any]:
    url = f"{emu.url}{path}" + (f"?{urlencode(query)}" if query else "")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def managers(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m["manager"], m["operation"]): m for m in obj["metadata"]["managedFields"]}


def test_apply_creates_then_updates_and_persists() -> None:
    with KubeEmulator([]) as emu:
        status, created = call(emu, "PATCH", DEPLOY, deployment(), fieldManager="deployer")
        assert status == 201
        meta = created["metadata"]
        assert meta["generation"] == 1 and meta["resourceVersion"] and meta["uid"]
        entry = managers(created)[("deployer", "Apply")]
        # A LabelSelector is atomic: owned whole, like the real server records it.
        assert entry["fieldsV1"]["f:spec"]["f:selector"] == {}
        assert call(emu, "GET", DEPLOY)[1] == created

        status, updated = call(emu, "PATCH", DEPLOY, deployment(3), fieldManager="deployer")
        assert status == 200 and updated["spec"]["replicas"] == 3
        assert updated["metadata"]["generation"] == 2
        assert int(updated["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 3

        # The same apply again changes nothing: no new resourceVersion, no new generation.
        status, again = call(emu, "PATCH", DEPLOY, deployment(3), fieldManager="deployer")
        assert status == 200
        assert again["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]

        cm = configmap(k="v")
        assert call(emu, "PATCH", CM, cm, fieldManager="deployer")[0] == 201
        assert "generation" not in emu.objects("", "ConfigMap")[0]["metadata"]


def test_a_hand_scale_conflicts_until_forced() -> None:
    with KubeEmulator([]) as emu:
        call(emu, "PATCH", DEPLOY, deployment(), fieldManager="deployer")
        status, scale = call(
            emu, "PATCH", DEPLOY + "/scale", {"spec": {"replicas": 5}}, MERGE,
            fieldManager="kubectl-scale",
        )  # fmt: skip
        assert (status, scale["kind"], scale["spec"]["replicas"]) == (200, "Scale", 5)
        live = call(emu, "GET", DEPLOY)[1]
        scaler = managers(live)[("kubectl-scale", "Update")]
        assert scaler["subresource"] == "scale" and "time" not in scaler
        assert scaler["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
        assert "f:replicas" not in managers(live)[("deployer", "Apply")]["fieldsV1"]["f:spec"]

        before = live["metadata"]["resourceVersion"]
        status, error = call(emu, "PATCH", DEPLOY, deployment(), fieldManager="deployer")
        assert (status, error["reason"]) == (409, "Conflict")
        (cause,) = error["details"]["causes"]
        assert cause["reason"] == "FieldManagerConflict" and cause["field"] == ".spec.replicas"
        assert '"kubectl-scale"' in cause["message"]
        assert call(emu, "GET", DEPLOY)[1]["metadata"]["resourceVersion"] == before

        # A dry run conflicts the same way, and stores nothing when forced.
        assert (
            call(emu, "PATCH", DEPLOY, deployment(), fieldManager="deployer", dryRun="All")[0]
            == 409
        )
        status, predicted = call(
            emu, "PATCH", DEPLOY, deployment(), fieldManager="deployer", dryRun="All", force="true"
        )
        assert status == 200 and predicted["spec"]["replicas"] == 2
        assert call(emu, "GET", DEPLOY)[1]["spec"]["replicas"] == 5

        status, forced = call(
            emu, "PATCH", DEPLOY, deployment(), fieldManager="deployer", force="true"
        )
        assert status == 200 and forced["spec"]["replicas"] == 2
        assert ("kubectl-scale", "Update") not in managers(forced)  # it owned nothing else
        assert "f:replicas" in managers(forced)[("deployer", "Apply")]["fieldsV1"]["f:spec"]


def test_conflicts_name_every_manager_and_field() -> None:
    with KubeEmulator([]) as emu:
        call(emu, "PATCH", CM, configmap(a="1", b="2"), fieldManager="deployer")
        call(emu, "PATCH", CM, {"data": {"a": "x", "b": "y"}}, MERGE, fieldManager="kubectl-patch")
        status, error = call(emu, "PATCH", CM, configmap(a="1", b="2"), fieldManager="deployer")
        assert status == 409
        causes = {(c["field"], c["message"]) for c in error["details"]["causes"]}
        assert causes == {
            (".data.a", 'conflict with "kubectl-patch" using v1'),
            (".data.b", 'conflict with "kubectl-patch" using v1'),
        }
        # The same value is shared ownership, not a conflict.
        status, _ = call(emu, "PATCH", CM, configmap(a="x", b="y"), fieldManager="deployer")
        assert status == 200


def test_a_field_no_longer_applied_is_removed_unless_someone_else_owns_it() -> None:
    with KubeEmulator([]) as emu:
        call(emu, "PATCH", CM, configmap(a="1", b="2", c="3"), fieldManager="deployer")
        call(emu, "PATCH", CM, {"data": {"c": "hand"}}, MERGE, fieldManager="kubectl-patch")
        status, result = call(emu, "PATCH", CM, configmap(a="1"), fieldManager="deployer")
        assert status == 200
        assert result["data"] == {"a": "1", "c": "hand"}  # b dropped, c kept: kubectl-patch's


def test_merge_and_json_patches_record_update_managers() -> None:
    with KubeEmulator([configmap(k="v")]) as emu:
        status, result = call(
            emu, "PATCH", CM, {"metadata": {"annotations": {"note": None}}}, MERGE,
            fieldManager="kubectl-annotate",
        )  # fmt: skip
        assert status == 200 and "annotations" not in result["metadata"]  # emptied: left out
        # It removed a field and owns nothing: no entry, as on the real server.
        assert ("kubectl-annotate", "Update") not in managers(result)

        operations = [
            {"op": "test", "path": "/data/k", "value": "v"},
            {"op": "replace", "path": "/data/k", "value": "w"},
            {"op": "add", "path": "/data/n", "value": "1"},
            {"op": "remove", "path": "/data/n"},
            {"op": "add", "path": "/metadata/labels", "value": {"a~b/c": "1"}},
        ]
        status, result = call(
            emu, "PATCH", CM, operations, JSON_PATCH, fieldManager="kubectl-patch"
        )
        assert status == 200 and result["data"] == {"k": "w"}
        entry = managers(result)[("kubectl-patch", "Update")]
        assert entry["apiVersion"] == "v1" and entry["time"]
        assert entry["fieldsV1"] == {
            "f:data": {"f:k": {}},
            "f:metadata": {"f:labels": {"f:a~b/c": {}}},
        }
        stored = emu.objects("", "ConfigMap")[0]
        assert stored["data"] == {"k": "w"} and stored["metadata"]["labels"] == {"a~b/c": "1"}

        failing = [{"op": "test", "path": "/data/k", "value": "v"}]
        status, error = call(emu, "PATCH", CM, failing, JSON_PATCH, fieldManager="kubectl-patch")
        assert status == 422 and error["kind"] == "Status"
        status, _ = call(
            emu, "PATCH", DEPLOY + "/scale", [{"op": "replace", "path": "/spec/replicas",
            "value": 1}], JSON_PATCH,
        )  # fmt: skip
        assert status == 404  # no such Deployment


def test_json_patch_on_scale_and_patch_preconditions() -> None:
    with KubeEmulator([deployment()]) as emu:
        replace = [{"op": "replace", "path": "/spec/replicas", "value": 7}]
        status, scale = call(emu, "PATCH", DEPLOY + "/scale", replace, JSON_PATCH)
        assert status == 200 and scale["spec"]["replicas"] == 7
        live = call(emu, "GET", DEPLOY)[1]
        assert live["spec"]["replicas"] == 7
        # No fieldManager: named after the User-Agent's first word, as the server does.
        assert {m["manager"] for m in live["metadata"]["managedFields"]} == {"Python-urllib"}
        stale = {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 1}}
        status, error = call(emu, "PATCH", DEPLOY, stale, MERGE)
        assert (status, error["reason"]) == (409, "Conflict")
        status, error = call(emu, "PATCH", DEPLOY, {"metadata": {"name": "other"}}, MERGE)
        assert status == 400


def test_faults_target_writes_by_method_and_path() -> None:
    with KubeEmulator([configmap(k="v"), deployment()]) as emu:
        emu.inject(Fault(status=409, method="PATCH", path_regex=r"/configmaps/cfg\b", times=1))
        emu.inject(Fault(status=403, method="PATCH", path_regex=r"/deployments/"))
        status, error = call(emu, "PATCH", CM, configmap(k="w"), fieldManager="deployer")
        assert (status, error["reason"]) == (409, "Conflict")
        status, error = call(emu, "PATCH", DEPLOY, deployment(3), fieldManager="deployer")
        assert (status, error["reason"]) == (403, "Forbidden")
        assert "cannot patch" in error["message"]
        assert call(emu, "GET", DEPLOY)[0] == 200  # reads are not matched
        assert emu.objects("", "ConfigMap")[0]["data"] == {"k": "v"}  # nothing stored
        assert call(emu, "PATCH", CM, configmap(k="w"), fieldManager="deployer")[0] == 200
        assert [r.status for r in emu.requests if r.method == "PATCH"] == [409, 403, 200]


def test_strategic_merge_patch_merges_containers_by_name() -> None:
    with KubeEmulator([deployment()]) as emu:
        body = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}}
        status, result = call(
            emu, "PATCH", DEPLOY, body, "application/strategic-merge-patch+json",
            fieldManager="kubectl-set",
        )  # fmt: skip
        assert status == 200
        (container,) = result["spec"]["template"]["spec"]["containers"]
        assert container == {"name": "app", "image": "app:2"}


# -- the real kubectl ---------------------------------------------------------------------------


def kubectl(home: Path, kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env.update(HOME=str(home))
    command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(home / "cache"), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)


@needs_kubectl
def test_kubectl_writes_land_in_the_store(tmp_path: Path) -> None:
    with KubeEmulator([configmap(k="v")], token="kubectl-token", tls=True) as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "config", namespace="default")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            result = kubectl(tmp_path, kubeconfig, *args)
            assert result.returncode == 0, result.stderr
            return result

        manifest = tmp_path / "web.yaml"
        manifest.write_text(yaml.safe_dump(deployment()), encoding="utf-8")
        run("apply", "--server-side", "--field-manager=deployer", "-f", str(manifest))
        run("scale", "deployment/web", "--replicas=5")
        refused = kubectl(
            tmp_path, kubeconfig, "apply", "--server-side", "--field-manager=deployer",
            "-f", str(manifest),
        )  # fmt: skip
        assert refused.returncode == 1 and ".spec.replicas" in refused.stderr
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 5
        run(
            "apply", "--server-side", "--force-conflicts", "--field-manager=deployer",
            "-f", str(manifest),
        )  # fmt: skip
        (web,) = emu.objects("apps", "Deployment")
        assert web["spec"]["replicas"] == 2
        assert {m["manager"] for m in web["metadata"]["managedFields"]} == {"deployer"}

        run("annotate", "configmap", "cfg", "note-")
        run("label", "configmap", "cfg", "team=a")
        run("patch", "configmap", "cfg", "--type=json", "-p",
            '[{"op": "replace", "path": "/data/k", "value": "w"}]')  # fmt: skip
        (cm,) = emu.objects("", "ConfigMap")
        assert cm["data"] == {"k": "w"} and cm["metadata"]["labels"] == {"team": "a"}
        assert "annotations" not in cm["metadata"]
        assert {m["manager"] for m in cm["metadata"]["managedFields"]} == {
            "kubectl-label",
            "kubectl-patch",
        }
        writes = [
            (r.path, r.query.get("fieldManager")) for r in emu.requests if r.method == "PATCH"
        ]
        assert [m for _, m in writes][-3:] == ["kubectl-annotate", "kubectl-label", "kubectl-patch"]


def test_post_creates_once_with_an_update_entry_for_the_creator() -> None:
    """As `kubectl create` and client-side `kubectl apply` of a new object: 201, then 409."""
    collection = "/api/v1/namespaces/default/configmaps"
    with KubeEmulator([]) as emu:
        code, created = call(
            emu, "POST", collection, configmap(mode="on"), "application/json",
            fieldManager="kubectl-client-side-apply",
        )  # fmt: skip
        again, refused = call(emu, "POST", collection, configmap(mode="off"), "application/json")
        _, stored = call(emu, "GET", CM)

    assert code == 201
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    (entry,) = created["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl-client-side-apply", "Update")
    assert entry["fieldsV1"]["f:data"] == {"f:mode": {}}
    assert (again, refused["reason"]) == (409, "AlreadyExists")
    assert stored["data"] == {"mode": "on"}
