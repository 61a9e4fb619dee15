"""The fix chosen for each drifted object (drift_action.remediation): how it is applied again,
under which field manager, in which namespace, and what follow-up commands remove fields added
outside Git. Objects are compared by the real comparison (compare.verdicts), not built by hand."""

from __future__ import annotations

import copy
import json
from typing import Any

from drift_action.compare.verdicts import compare
from drift_action.core.fixes import HIDDEN_VALUE, FixKind, Origin, OriginKind, Remediation
from drift_action.core.model import (
    Change,
    ChangeClass,
    ChangeType,
    KubeObject,
    Report,
    ResourceKey,
    ResourceResult,
    SourceLocation,
    Status,
)
from drift_action.remediation import remediate

T0, T1 = "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"
MANIFESTS = Origin(OriginKind.MANIFESTS, "manifests deploy")
APPLY_SSA = ("kubectl", "apply", "--server-side")


def config_map(data: dict[str, str], **metadata: Any) -> dict[str, Any]:
    meta = {"name": "web", "namespace": "shop", **metadata}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def entry(manager: str, operation: str, fields: dict[str, Any], time: str = T0) -> dict[str, Any]:
    return {
        "manager": manager, "operation": operation, "apiVersion": "v1", "time": time,
        "fieldsType": "FieldsV1", "fieldsV1": fields,
    }  # fmt: skip


def kube(
    body: dict[str, Any], file: str = "deploy/web.yaml", origin: Origin | None = MANIFESTS
) -> KubeObject:
    meta = body["metadata"]
    group = body["apiVersion"].rpartition("/")[0]
    key = ResourceKey(group, body["kind"], meta.get("namespace", "shop"), meta["name"])
    return KubeObject(key, body["apiVersion"], body, SourceLocation(file, 1, origin=origin))


def live_of(desired: dict[str, Any], *entries: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(desired)
    body["metadata"].setdefault("namespace", "shop")
    body["metadata"]["managedFields"] = list(entries)
    for path, value in changes.items():
        *parents, last = path.split("__")
        at = body
        for name in parents:
            at = at.setdefault(name, {})
        at[last] = value
    return body


def fixed(desired: list[KubeObject], live: list[dict[str, Any]]) -> dict[str, Remediation]:
    lives = [kube(body) for body in live]
    report = remediate(compare(desired, lives), desired, lives)
    return {r.key.kind + "/" + r.key.name: r.fix for r in report.resources if r.fix is not None}


DATA_FIELDS = {"f:data": {"f:LOG_LEVEL": {}}}


def test_an_object_applied_client_side_is_applied_again_with_kubectl_apply_f() -> None:
    git = config_map({"LOG_LEVEL": "info"})
    live = live_of(
        git,
        entry("kubectl-client-side-apply", "Update", DATA_FIELDS),
        entry("kubectl-edit", "Update", DATA_FIELDS, T1),
        data={"LOG_LEVEL": "debug"},
    )

    fix = fixed([kube(git)], [live])["ConfigMap/web"]

    assert fix == Remediation(FixKind.APPLY, ("kubectl", "apply", "-f", "deploy/web.yaml"))


def test_the_last_applied_annotation_alone_means_client_side() -> None:
    git = config_map({"LOG_LEVEL": "info"})
    note = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(git)}
    live = live_of(git, data={"LOG_LEVEL": "debug"}, metadata__annotations=note)
    live["metadata"].pop("managedFields")

    assert fixed([kube(git)], [live])["ConfigMap/web"].command == (
        "kubectl", "apply", "-f", "deploy/web.yaml",
    )  # fmt: skip


def test_a_server_side_deployer_is_applied_again_under_its_own_manager_forcing_conflicts() -> None:
    git = config_map({"LOG_LEVEL": "info"})
    live = live_of(
        git,
        entry("argocd-controller", "Apply", DATA_FIELDS),
        entry("kubectl-edit", "Update", DATA_FIELDS, T1),
        data={"LOG_LEVEL": "debug"},
    )

    fix = fixed([kube(git)], [live])["ConfigMap/web"]

    assert fix.command == (
        *APPLY_SSA, "--field-manager=argocd-controller", "--force-conflicts", "-f",
        "deploy/web.yaml",
    )  # fmt: skip


def test_a_server_side_apply_newer_than_the_client_side_one_wins() -> None:
    git = config_map({"LOG_LEVEL": "info"})
    live = live_of(
        git,
        entry("kubectl-client-side-apply", "Update", DATA_FIELDS, T0),
        entry("kustomize-controller", "Apply", DATA_FIELDS, T1),
        data={"LOG_LEVEL": "debug"},
    )

    assert (
        "--field-manager=kustomize-controller"
        in fixed([kube(git)], [live])["ConfigMap/web"].command
    )


def test_a_missing_object_is_applied_as_the_other_objects_of_its_source_were() -> None:
    web = config_map({"LOG_LEVEL": "info"})
    pdb = config_map({}, name="other")
    live = live_of(web, entry("helm-controller", "Apply", DATA_FIELDS))

    found = fixed([kube(web), kube(pdb, file="deploy/pdb.yaml")], [live])

    assert found["ConfigMap/other"].command == (
        *APPLY_SSA, "--field-manager=helm-controller", "--force-conflicts", "-f",
        "deploy/pdb.yaml",
    )  # fmt: skip
    assert found["ConfigMap/other"].then == ()
    assert "ConfigMap/web" not in found  # in sync: no fix


def test_a_missing_object_with_nothing_to_go_by_gets_kubectls_own_server_side_apply() -> None:
    [fix] = fixed([kube(config_map({}))], []).values()

    assert fix.command == (
        *APPLY_SSA, "--field-manager=kubectl", "--force-conflicts", "-f", "deploy/web.yaml",
    )  # fmt: skip


def test_the_namespace_is_named_only_when_the_manifest_sets_none() -> None:
    declared = config_map({}, name="declared")
    given = config_map({}, name="given")
    del given["metadata"]["namespace"]  # the run's --namespace shop gave it one

    found = fixed([kube(declared), kube(given)], [])

    assert "-n" not in found["ConfigMap/declared"].command
    assert found["ConfigMap/given"].command[-2:] == ("-n", "shop")


def test_annotations_and_labels_added_by_hand_are_taken_off_after_the_apply() -> None:
    git = config_map({"LOG_LEVEL": "info"})
    marks = {
        "f:metadata": {
            "f:annotations": {"f:example.com/debug-owner": {}, "f:note": {}},
            "f:labels": {"f:debug": {}},
        }
    }
    live = live_of(
        git,
        entry("kubectl-client-side-apply", "Update", DATA_FIELDS),
        entry("kubectl-annotate", "Update", marks, T1),
        metadata__annotations={"example.com/debug-owner": "alice", "note": "x"},
        metadata__labels={"debug": "on"},
    )

    fix = fixed([kube(git)], [live])["ConfigMap/web"]

    assert fix.command == ("kubectl", "apply", "-f", "deploy/web.yaml")
    assert fix.then == (
        ("kubectl", "annotate", "configmap/web", "-n", "shop", "example.com/debug-owner-", "note-"),
        ("kubectl", "label", "configmap/web", "-n", "shop", "debug-"),
    )


def deployment(env: list[dict[str, str]]) -> dict[str, Any]:
    container = {"name": "web", "image": "web:1", "env": env}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def test_other_fields_added_by_hand_are_removed_by_a_json_patch_pinned_by_test_operations() -> None:
    git = deployment([{"name": "A", "value": "1"}])
    live = deployment([{"name": "B/~x", "value": "2"}, {"name": "A", "value": "1"}])
    live["metadata"]["managedFields"] = [
        entry("kubectl-client-side-apply", "Update", {"f:spec": {}}),
        entry(
            "kubectl-patch", "Update",
            {"f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"web"}': {
                "f:env": {'k:{"name":"B/~x"}': {".": {}, "f:name": {}, "f:value": {}}}
            }}}}}},
            T1,
        ),
    ]  # fmt: skip

    fix = fixed([kube(git)], [live])["Deployment/web"]

    [patch] = fix.then
    assert patch[:6] == ("kubectl", "patch", "deployment.apps/web", "-n", "shop", "--type=json")
    assert patch[6] == "-p"
    env = "/spec/template/spec/containers/0/env/0"
    assert json.loads(patch[7]) == [
        {"op": "test", "path": "/spec/template/spec/containers/0/name", "value": "web"},
        {"op": "test", "path": f"{env}/name", "value": "B/~x"},
        {"op": "remove", "path": env},
    ]


def test_a_field_git_dropped_is_left_to_the_apply_of_its_own_manager_else_removed() -> None:
    git = config_map({"LOG_LEVEL": "info"})
    owned = {"f:data": {"f:LOG_LEVEL": {}, "f:OLD": {}}}
    mine = live_of(
        git, entry("argocd-controller", "Apply", owned), data={"LOG_LEVEL": "info", "OLD": "1"}
    )
    created = live_of(
        git,
        entry("argocd-controller", "Apply", DATA_FIELDS, T1),
        entry("terraform", "Apply", owned),  # another deployer's apply: not removed by ours
        data={"LOG_LEVEL": "info", "OLD": "1"},
    )

    assert fixed([kube(git)], [mine])["ConfigMap/web"].then == ()
    [patch] = fixed([kube(git)], [created])["ConfigMap/web"].then
    assert json.loads(patch[-1]) == [{"op": "remove", "path": "/data/OLD"}]


def test_helm_objects_are_fixed_by_helm_upgrade_with_the_runs_values_and_no_set_value() -> None:
    origin = Origin(
        OriginKind.HELM, "helm chart charts/shop", path="charts/shop", release="shop",
        namespace="prod", values=("charts/shop/values-prod.yaml",),
        set=("image.tag=1.4.2,db.password=s3cr3t", r"a\.b={x,y}"), set_string=("token=abc",),
    )  # fmt: skip
    git = kube(config_map({}), file="shop/templates/cm.yaml", origin=origin)

    [fix] = fixed([git], []).values()

    assert fix.kind is FixKind.HELM and fix.redacted
    assert fix.command == (
        "helm", "upgrade", "--install", "shop", "charts/shop", "-n", "prod",
        "-f", "charts/shop/values-prod.yaml",
        "--set", f"image.tag={HIDDEN_VALUE},db.password={HIDDEN_VALUE}",
        "--set", rf"a\.b={HIDDEN_VALUE}", "--set-string", f"token={HIDDEN_VALUE}",
    )  # fmt: skip
    assert not any(secret in " ".join(fix.command) for secret in ("1.4.2", "s3cr3t", "abc", "x,y"))


def test_a_kustomization_is_applied_again_with_kubectl_apply_k() -> None:
    origin = Origin(OriginKind.KUSTOMIZE, "kustomization overlays/prod", path="overlays/prod")
    git = config_map({"LOG_LEVEL": "info"})
    live = live_of(
        git, entry("kubectl-client-side-apply", "Update", DATA_FIELDS), data={"LOG_LEVEL": "x"}
    )

    [fix] = fixed([kube(git, file="overlays/prod", origin=origin)], [live]).values()

    assert fix.command == ("kubectl", "apply", "-k", "overlays/prod")


def test_a_terraform_resource_is_planned_then_applied_by_its_address() -> None:
    address = 'kubernetes_config_map.web["a"]'
    for plan, chdir in (("infra/plan.json", ("-chdir=infra",)), ("plan.json", ())):
        git = KubeObject(
            ResourceKey("", "ConfigMap", "shop", "web"), "v1", config_map({}),
            SourceLocation(plan, None, address),
        )  # fmt: skip

        [fix] = fixed([git], []).values()

        assert fix.kind is FixKind.TERRAFORM
        assert fix.commands == (
            ("terraform", *chdir, "plan", f"-target={address}"),
            ("terraform", *chdir, "apply", f"-target={address}"),
        )


def test_extras_in_sync_objects_errors_and_a_pull_requests_changes_get_no_fix() -> None:
    key = ResourceKey("", "ConfigMap", "shop", "web")
    source = SourceLocation("deploy/web.yaml", 1, origin=MANIFESTS)
    desired = [kube(config_map({}))]
    report = Report(
        (
            ResourceResult(key, "v1", Status.EXTRA, source),
            ResourceResult(key, "v1", Status.IN_SYNC, source),
            ResourceResult(key, "v1", Status.ERROR, source, message="forbidden"),
            ResourceResult(
                key,
                "v1",
                Status.MISSING,
                SourceLocation("deploy/new.yaml", 1, origin=MANIFESTS),
                object_class=ChangeClass.PLANNED,
            ),
            ResourceResult(key, "v1", Status.MISSING, source),
        )
    )

    fixes = [r.fix for r in remediate(report, desired, []).resources]

    assert fixes[:4] == [None, None, None, None]
    assert fixes[4] is not None


def test_in_a_pull_request_objects_deployed_with_a_changed_one_get_no_fix() -> None:
    """`kubectl apply -f web.yaml` for the drifted Service would also deploy the Deployment the
    pull request changes in the same file, before the merge."""
    planned = Change(
        ("spec", "replicas"), ChangeType.CHANGED, 3, 2, change_class=ChangeClass.PLANNED
    )
    drift = Change(("data", "A"), ChangeType.CHANGED, "1", "2")
    web = SourceLocation("deploy/web.yaml", 1, origin=MANIFESTS)
    other = SourceLocation("deploy/other.yaml", 1, origin=MANIFESTS)
    report = Report(
        (
            ResourceResult(
                ResourceKey("apps", "Deployment", "shop", "web"),
                "apps/v1",
                Status.DRIFTED,
                web,
                (planned,),
            ),
            ResourceResult(
                ResourceKey("", "ConfigMap", "shop", "web"), "v1", Status.DRIFTED, web, (drift,)
            ),
            ResourceResult(
                ResourceKey("", "ConfigMap", "shop", "other"), "v1", Status.DRIFTED, other, (drift,)
            ),
        ),
        base="base commit 1a2b3c4",
    )
    desired = [
        kube(config_map({"A": "1"})),
        kube(config_map({"A": "1"}, name="other"), "deploy/other.yaml"),
    ]

    fixes = [r.fix for r in remediate(report, desired, []).resources]

    assert fixes[:2] == [None, None]
    assert fixes[2] is not None and fixes[2].command[-1] == "deploy/other.yaml"
