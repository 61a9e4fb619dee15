"""Field ownership from managedFields: attribution, hand edits, fields removed from Git.

1. Attribution is checked against kubectl-blame's own expected output for real live objects
   (tests/data/realworld/knight42__kubectl-blame): the manager per field was read by hand from its
   `.txt` files and is written below.
2. Hand edits (tests/data/handedits, see README.md there) are real live objects with one edit and
   the managedFields entry the API server would record for it, run through the real pipeline and
   once through the installed CLI.
3. Malformed managedFields never stop a resource from being compared; they become warnings.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA, run_cli

from drift_action.compare.managed_fields import parse_entries
from drift_action.compare.managers import ManagerClasses
from drift_action.compare.normalize import comparable
from drift_action.compare.ownership import Owners
from drift_action.core.model import (
    Actor,
    Attribution,
    Change,
    ChangeType,
    Report,
    ResourceKey,
    Status,
)
from drift_action.core.paths import ListKey, format_path
from drift_action.core.paths import Path as FieldPath
from drift_action.pipeline import RunOptions, run
from drift_action.sources import ManifestsSpec

BLAME = DATA / "realworld" / "knight42__kubectl-blame" / "cmd" / "testdata"
HANDEDITS = DATA / "handedits"

_SEGMENT = re.compile(
    r'\[(?P<quoted>"(?:[^"\\]|\\.)*")\]|\[(?P<index>\d+)\]|\[(?P<key>[^\]]+)\]'
    r"|\.?(?P<plain>[A-Za-z_$][A-Za-z0-9_$-]*)"
)


def field_path(text: str) -> FieldPath:
    """Parse a path in the report syntax; it must format back to the same text."""
    segments: list[Any] = []
    pos = 0
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        assert match, f"bad path {text!r} at {pos}"
        if match["quoted"]:
            segments.append(json.loads(match["quoted"]))
        elif match["index"]:
            segments.append(int(match["index"]))
        elif match["key"]:
            pairs = (part.split("=", 1) for part in match["key"].split(","))
            segments.append(ListKey(tuple((k, v) for k, v in pairs)))
        else:
            segments.append(match["plain"])
        pos = match.end()
    path = tuple(segments)
    assert format_path(path) == text
    return path


def blame_objects(name: str) -> list[dict[str, Any]]:
    text = (BLAME / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return [json.loads(text)]
    objects: list[dict[str, Any]] = []
    for doc in yaml.safe_load_all(text):
        objects.extend(doc["items"] if doc.get("kind") == "List" else [doc])
    return objects


def who(attribution: Attribution | None) -> Attribution:
    assert attribution is not None
    return attribution


def owners_of(body: Mapping[str, Any]) -> Owners:
    metadata = body["metadata"]
    key = ResourceKey("apps", body["kind"], metadata.get("namespace", ""), metadata.get("name", ""))
    entries, problems = parse_entries(body)
    assert problems == []
    live = comparable(key, body, desired=False)
    return Owners(key.kind, tuple(entries), live, ManagerClasses())


# --- 1. attribution against kubectl-blame's expected output ---------------------------------

C_IPERF = "spec.template.spec.containers[name=iperf]"
C_DNS = "spec.template.spec.containers[name=coredns]"
C_NGINX = "spec.template.spec.containers[name=nginx]"
REVISION = 'metadata.annotations["deployment.kubernetes.io/revision"]'
LAST_APPLIED = 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]'

# (file, index of the object in the file, field, manager the .txt shows). Every line there says
# operation Update.
BLAME_EXPECTED: list[tuple[str, int, str, str]] = [
    # deploy.yaml.txt, first object (default/foo)
    ("deploy.yaml", 0, "metadata.labels.app", "kubectl-create"),
    ("deploy.yaml", 0, REVISION, "kube-controller-manager"),
    ("deploy.yaml", 0, "spec.replicas", "kubectl-client-side-apply"),
    # f:selector is a leaf in the entry: the atomic selector's owner owns what is below it
    ("deploy.yaml", 0, "spec.selector.matchLabels.app", "kubectl-create"),
    ("deploy.yaml", 0, "spec.strategy.rollingUpdate.maxSurge", "kubectl-create"),
    ("deploy.yaml", 0, f"{C_IPERF}.image", "kubectl-create"),
    ("deploy.yaml", 0, f"{C_IPERF}.terminationMessagePolicy", "kubectl-create"),
    ("deploy.yaml", 0, "spec.template.spec.dnsPolicy", "kubectl-create"),
    # deploy.yaml.txt, second object (kube-system/coredns)
    ("deploy.yaml", 1, "metadata.labels.k8s-app", "kubeadm"),
    ("deploy.yaml", 1, REVISION, "kube-controller-manager"),
    ("deploy.yaml", 1, "spec.replicas", "kubeadm"),
    ("deploy.yaml", 1, "spec.strategy.rollingUpdate.maxUnavailable", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.args[1]", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.livenessProbe.httpGet.port", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.ports[containerPort=53,protocol=UDP].name", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.ports[containerPort=9153,protocol=TCP].containerPort", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.resources.limits.memory", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.securityContext.capabilities.add[0]", "kubeadm"),
    ("deploy.yaml", 1, f"{C_DNS}.volumeMounts[mountPath=/etc/coredns].readOnly", "kubeadm"),
    ("deploy.yaml", 1, 'spec.template.spec.nodeSelector["kubernetes.io/os"]', "kubeadm"),
    ("deploy.yaml", 1, "spec.template.spec.tolerations[2].key", "kubeadm"),
    (
        "deploy.yaml",
        1,
        "spec.template.spec.volumes[name=config-volume].configMap.items[0].path",
        "kubeadm",
    ),
    # deploy.json.txt (default/iperf)
    ("deploy.json", 0, "metadata.labels.app", "kubectl-create"),
    ("deploy.json", 0, REVISION, "kube-controller-manager"),
    ("deploy.json", 0, LAST_APPLIED, "kubectl-client-side-apply"),
    ("deploy.json", 0, "spec.replicas", "kubectl-client-side-apply"),
    ("deploy.json", 0, "spec.progressDeadlineSeconds", "kubectl-create"),
    ("deploy.json", 0, "spec.template.metadata.labels.app", "kubectl-create"),
    ("deploy.json", 0, f"{C_IPERF}.imagePullPolicy", "kubectl-create"),
    ("deploy.json", 0, f"{C_IPERF}.resources", "kubectl-create"),
    ("deploy.json", 0, "spec.template.spec.securityContext", "kubectl-create"),
    # list.yaml.txt (the two objects of deploy.yaml, as a List)
    ("list.yaml", 0, "spec.replicas", "kubectl-client-side-apply"),
    ("list.yaml", 0, "spec.template.spec.terminationGracePeriodSeconds", "kubectl-create"),
    ("list.yaml", 1, f"{C_DNS}.ports[containerPort=53,protocol=TCP].name", "kubeadm"),
    ("list.yaml", 1, f"{C_DNS}.readinessProbe.httpGet.path", "kubeadm"),
    ("list.yaml", 1, f"{C_DNS}.securityContext.readOnlyRootFilesystem", "kubeadm"),
    ("list.yaml", 1, "spec.template.spec.tolerations[0].operator", "kubeadm"),
    ("list.yaml", 1, "spec.template.spec.volumes[name=config-volume].configMap.name", "kubeadm"),
    ("list.yaml", 1, "spec.template.spec.serviceAccountName", "kubeadm"),
    # multi-manager-list-item.yaml.txt: `me` holds only the container item's `.`, so it owns
    # the fields of the item that nobody lists; envpatcher lists the env item's fields.
    ("multi-manager-list-item.yaml", 0, f"{C_NGINX}.image", "me"),
    ("multi-manager-list-item.yaml", 0, f"{C_NGINX}.imagePullPolicy", "me"),
    ("multi-manager-list-item.yaml", 0, f"{C_NGINX}.name", "me"),
    (
        "multi-manager-list-item.yaml",
        0,
        f"{C_NGINX}.ports[containerPort=80,protocol=TCP].containerPort",
        "me",
    ),
    ("multi-manager-list-item.yaml", 0, f"{C_NGINX}.env[name=barx].name", "envpatcher"),
    ("multi-manager-list-item.yaml", 0, f"{C_NGINX}.env[name=barx].value", "envpatcher"),
]


@pytest.mark.parametrize(
    ("file", "index", "path", "manager"),
    [pytest.param(*row, id=f"{row[0]}#{row[1]}:{row[2]}") for row in BLAME_EXPECTED],
)
def test_attribution_matches_kubectl_blame(file: str, index: int, path: str, manager: str) -> None:
    owners = owners_of(blame_objects(file)[index])
    attribution = owners.attribution(field_path(path))
    assert attribution is not None
    assert (attribution.manager, attribution.operation) == (manager, "Update")


def test_blame_sample_covers_every_file() -> None:
    assert {row[0] for row in BLAME_EXPECTED} == {
        "deploy.yaml",
        "deploy.json",
        "list.yaml",
        "multi-manager-list-item.yaml",
    }
    assert len(BLAME_EXPECTED) >= 25


def test_blame_attribution_classifies_the_managers() -> None:
    owners = owners_of(blame_objects("deploy.json")[0])
    actors = {
        path: who(owners.attribution(field_path(path))).actor
        for path in ("spec.replicas", f"{C_IPERF}.image", REVISION)
    }
    assert actors == {
        "spec.replicas": Actor.DEPLOYER,  # kubectl-client-side-apply
        f"{C_IPERF}.image": Actor.DEPLOYER,  # kubectl-create
        REVISION: Actor.CONTROLLER,  # kube-controller-manager
    }
    coredns = owners_of(blame_objects("deploy.yaml")[1])
    assert who(coredns.attribution(field_path("spec.replicas"))).actor is Actor.UNKNOWN  # kubeadm


def test_finalizer_set_member_is_attributed_to_its_manager() -> None:
    # multi-manager-list-item.yaml has a `finalizerpatcher` entry for the set member
    # v:"example.com/foo", but the object in the file has no finalizers (kubectl-blame shows
    # `metadata: {}`). Put the value the entry records into the object.
    body = copy.deepcopy(blame_objects("multi-manager-list-item.yaml")[0])
    body["metadata"]["finalizers"] = ["example.com/foo"]
    owners = owners_of(body)
    for path in ("metadata.finalizers", "metadata.finalizers[0]"):
        attribution = owners.attribution(field_path(path))
        assert attribution is not None
        assert attribution.manager == "finalizerpatcher"
    # and a container field is still the container owner's
    assert who(owners.attribution(field_path(f"{C_NGINX}.image"))).manager == "me"


def test_item_dot_owner_does_not_beat_the_field_owner_whatever_the_order() -> None:
    # The real entries of multi-manager-list-item.yaml, in reverse order (both have the same
    # time). kubectl-blame still says envpatcher owns the env item's fields.
    body = copy.deepcopy(blame_objects("multi-manager-list-item.yaml")[0])
    body["metadata"]["managedFields"].reverse()
    attribution = owners_of(body).attribution(field_path(f"{C_NGINX}.env[name=barx].value"))
    assert attribution is not None
    assert attribution.manager == "envpatcher"


# --- 2. hand edits on real live objects, through the pipeline ------------------------------


def run_case(case: str | Path) -> Report:
    folder = case if isinstance(case, Path) else HANDEDITS / case
    spec = ManifestsSpec(paths=(str(folder / "desired.yaml"),), namespace="default")
    return run(RunOptions(sources=(spec,), live_snapshots=(str(folder / "live.yaml"),)))


def only_resource(report: Report) -> Any:
    assert len(report.resources) == 1
    result = report.resources[0]
    assert result.status is not Status.ERROR, result.message
    return result


def change_at(report: Report, path: str) -> Change:
    found = [c for c in only_resource(report).changes if c.path_text == path]
    assert len(found) == 1, [c.path_text for c in only_resource(report).changes]
    return found[0]


HUMAN_CASES = [
    # (case, path, type, desired, live, manager, time)
    (
        "label-kubectl-label",
        "metadata.labels.team",
        ChangeType.ADDED,
        None,
        "payments",
        "kubectl-label",
        "2022-06-25T08:00:00Z",
    ),
    (
        "annotation-kubectl-annotate",
        'metadata.annotations["example.com/paused-by"]',
        ChangeType.ADDED,
        None,
        "alice",
        "kubectl-annotate",
        "2021-11-20T09:30:00Z",
    ),
    (
        "env-kubectl-edit",
        f"{C_NGINX}.env[name=DEBUG]",
        ChangeType.ADDED,
        None,
        {"name": "DEBUG", "value": "1"},
        "kubectl-edit",
        "2022-09-25T10:00:00Z",
    ),
    (
        "image-kubectl-set",
        f"{C_IPERF}.image",
        ChangeType.CHANGED,
        "knight42/iperf:latest",
        "knight42/iperf:3.16",
        "kubectl-set",
        "2021-11-20T09:30:00Z",
    ),
    (
        "finalizer-kubectl-patch",
        "metadata.finalizers[0]",
        ChangeType.ADDED,
        None,
        "example.com/protect",
        "kubectl-patch",
        "2021-11-20T09:30:00Z",
    ),
]


@pytest.mark.parametrize(
    ("case", "path", "kind", "desired", "live", "manager", "time"),
    [pytest.param(*row, id=row[0]) for row in HUMAN_CASES],
)
def test_hand_edit_is_reported_and_attributed(
    case: str, path: str, kind: ChangeType, desired: Any, live: Any, manager: str, time: str
) -> None:
    report = run_case(case)
    assert only_resource(report).status is Status.DRIFTED
    change = change_at(report, path)
    assert (change.type, change.desired, change.live) == (kind, desired, live)
    assert change.attribution is not None
    assert change.attribution.manager == manager
    assert change.attribution.operation == "Update"
    assert change.attribution.time == time
    assert change.attribution.actor is Actor.HUMAN
    assert change.attribution.subresource is None
    assert report.warnings == ()


@pytest.mark.parametrize(
    "case", ["annotation-kubectl-annotate", "env-kubectl-edit", "image-kubectl-set"]
)
def test_hand_edit_on_an_otherwise_synced_object_is_the_only_change(case: str) -> None:
    assert len(only_resource(run_case(case)).changes) == 1


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ("label-controller", "metadata.labels.team"),  # kube-controller-manager
        ("env-operator", f"{C_NGINX}.env[name=DEBUG]"),  # some-operator
    ],
)
def test_same_addition_by_a_controller_is_not_drift(case: str, path: str) -> None:
    result = only_resource(run_case(case))
    paths = [c.path_text for c in result.changes]
    assert not [p for p in paths if p == path or p.startswith(path + ".")]


def test_env_added_by_an_operator_leaves_the_deployment_in_sync() -> None:
    assert only_resource(run_case("env-operator")).status is Status.IN_SYNC


@pytest.mark.parametrize(
    ("case", "path", "live", "manager", "operation"),
    [
        (
            "removed-port-argocd",
            "spec.ports[port=443,protocol=TCP]",
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443},
            "argocd-controller",
            "Apply",
        ),
        (
            "removed-replicas-kubectl-apply",
            "spec.replicas",
            2,
            "kubectl-client-side-apply",
            "Update",
        ),
    ],
)
def test_deployer_field_dropped_from_git_is_removed(
    case: str, path: str, live: Any, manager: str, operation: str
) -> None:
    report = run_case(case)
    assert only_resource(report).status is Status.DRIFTED
    change = change_at(report, path)
    assert (change.type, change.desired, change.live) == (ChangeType.REMOVED, None, live)
    assert change.attribution is not None
    assert (change.attribution.manager, change.attribution.operation) == (manager, operation)
    assert change.attribution.actor is Actor.DEPLOYER


def test_replicas_dropped_from_git_is_the_only_change() -> None:
    assert len(only_resource(run_case("removed-replicas-kubectl-apply")).changes) == 1


def test_scale_through_the_scale_subresource() -> None:
    report = run_case("scale-subresource")
    change = change_at(report, "spec.replicas")
    assert (change.type, change.desired, change.live) == (ChangeType.CHANGED, 2, 5)
    assert change.attribution is not None
    assert change.attribution.manager == "kubectl-scale"
    assert change.attribution.subresource == "scale"
    assert change.attribution.actor is Actor.HUMAN
    assert len(only_resource(report).changes) == 1


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("removed-port-argocd", ["spec.ports[port=443,protocol=TCP]"]),
        ("label-kubectl-label", ["metadata.labels.team"]),
        ("label-controller", []),
    ],
)
def test_server_defaults_recorded_at_create_are_not_removed_from_git(
    case: str, expected: list[str]
) -> None:
    result = only_resource(run_case(case))
    assert sorted(c.path_text for c in result.changes) == expected


def test_field_set_by_a_person_inside_an_empty_struct_the_deployer_created_is_added() -> None:
    change = change_at(run_case("resources-kubectl-set"), f"{C_IPERF}.resources.limits.cpu")
    assert change.attribution is not None
    assert change.attribution.manager == "kubectl-set"
    assert change.type is ChangeType.ADDED


def test_cli_json_report_carries_the_attribution() -> None:
    folder = HANDEDITS / "scale-subresource"
    result = run_cli(
        "--manifests",
        str(folder / "desired.yaml"),
        "--live-snapshot",
        str(folder / "live.yaml"),
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    (resource,) = document["resources"]
    assert (resource["kind"], resource["namespace"], resource["name"]) == (
        "Deployment",
        "default",
        "iperf",
    )
    (change,) = resource["changes"]
    assert (change["path"], change["type"], change["desired"], change["live"]) == (
        "spec.replicas",
        "changed",
        2,
        5,
    )
    assert change["attribution"] == {
        "manager": "kubectl-scale",
        "operation": "Update",
        "time": "2021-11-20T09:30:00Z",
        "actor": "human",
        "subresource": "scale",
    }


# --- 3. malformed managedFields ---------------------------------------------------------------

RESOURCE = "Deployment default/iperf"
IMAGE = f"{C_IPERF}.image"


def malformed_case(tmp_path: Path, managed_fields: Any) -> Path:
    """The image-kubectl-set case with its managedFields replaced."""
    source = HANDEDITS / "image-kubectl-set"
    live = yaml.safe_load((source / "live.yaml").read_text(encoding="utf-8"))
    entries = live["metadata"]["managedFields"]
    live["metadata"]["managedFields"] = managed_fields(entries)
    (tmp_path / "live.yaml").write_text(yaml.safe_dump(live), encoding="utf-8")
    (tmp_path / "desired.yaml").write_bytes((source / "desired.yaml").read_bytes())
    return tmp_path


def _with(extra: Any) -> Any:
    return lambda entries: [*entries, extra]


MALFORMED = [
    ("not-a-mapping", _with("kubectl-edit"), "managedFields[4] skipped: not a mapping"),
    ("list-entry", _with([{"manager": "x"}]), "managedFields[4] skipped: not a mapping"),
    (
        "no-manager",
        _with({"operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}),
        "managedFields[4] skipped: no manager",
    ),
    (
        "empty-manager",
        _with({"manager": "", "fieldsType": "FieldsV1", "fieldsV1": {}}),
        "managedFields[4] skipped: no manager",
    ),
    (
        "manager-not-a-string",
        _with({"manager": 42, "fieldsType": "FieldsV1", "fieldsV1": {}}),
        "managedFields[4] skipped: no manager",
    ),
    (
        "fieldsV2",
        _with({"manager": "kubectl-edit", "fieldsType": "FieldsV2", "fieldsV1": {}}),
        "managedFields[4] skipped: unknown fieldsType 'FieldsV2'",
    ),
    (
        "fieldsV1-string",
        _with({"manager": "kubectl-edit", "fieldsType": "FieldsV1", "fieldsV1": "f:spec"}),
        "managedFields[4] skipped: fieldsV1 is not a mapping",
    ),
    (
        "fieldsV1-list",
        _with({"manager": "kubectl-edit", "fieldsType": "FieldsV1", "fieldsV1": ["f:spec"]}),
        "managedFields[4] skipped: fieldsV1 is not a mapping",
    ),
]


@pytest.mark.parametrize(
    ("managed_fields", "problem"),
    [pytest.param(fn, problem, id=name) for name, fn, problem in MALFORMED],
)
def test_malformed_entry_is_skipped_with_a_warning(
    tmp_path: Path, managed_fields: Any, problem: str
) -> None:
    report = run_case(malformed_case(tmp_path, managed_fields))
    result = only_resource(report)
    assert result.status is Status.DRIFTED
    # the good entries still attribute the change
    change = change_at(report, IMAGE)
    assert change.type is ChangeType.CHANGED
    assert change.attribution is not None
    assert change.attribution.manager == "kubectl-set"
    assert [w for w in report.warnings if RESOURCE in w] == [f"{RESOURCE}: {problem}"]


@pytest.mark.parametrize("value", ["kubectl-set", {"manager": "kubectl-set"}, 7])
def test_managed_fields_not_a_list_is_a_warning(tmp_path: Path, value: Any) -> None:
    report = run_case(malformed_case(tmp_path, lambda _entries: value))
    result = only_resource(report)
    assert result.status is Status.DRIFTED
    change = change_at(report, IMAGE)
    assert (change.type, change.live) == (ChangeType.CHANGED, "knight42/iperf:3.16")
    assert change.attribution is None
    assert [w for w in report.warnings if RESOURCE in w] == [
        f"{RESOURCE}: metadata.managedFields is not a list; field ownership is unknown"
    ]


def test_several_bad_entries_each_get_a_warning(tmp_path: Path) -> None:
    bad = ["x", {"fieldsV1": {}}, {"manager": "m", "fieldsType": "FieldsV2"}]
    report = run_case(malformed_case(tmp_path, lambda entries: [*bad, *entries]))
    assert only_resource(report).status is Status.DRIFTED
    assert who(change_at(report, IMAGE).attribution).manager == "kubectl-set"
    assert [w for w in report.warnings if RESOURCE in w] == [
        f"{RESOURCE}: managedFields[0] skipped: not a mapping",
        f"{RESOURCE}: managedFields[1] skipped: no manager",
        f"{RESOURCE}: managedFields[2] skipped: unknown fieldsType 'FieldsV2'",
    ]


def test_garbage_inside_fields_v1_does_not_stop_the_comparison(tmp_path: Path) -> None:
    garbage = {
        "manager": "kubectl-edit",
        "operation": "Update",
        "time": 12,
        "subresource": "",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "x:unknown": {},
            "f:metadata": "not a mapping",
            "f:spec": {
                "f:replicas": [],
                "f:template": {
                    "f:spec": {
                        "f:containers": {
                            "k:{not json": {},
                            "k:[1, 2]": {"f:image": {}},
                            "i:7": {"f:image": {}},
                            'v:"iperf"': {"f:image": {}},
                        }
                    }
                },
            },
        },
    }
    report = run_case(malformed_case(tmp_path, _with(garbage)))
    result = only_resource(report)
    assert result.status is Status.DRIFTED
    assert [c.path_text for c in result.changes] == [IMAGE]
    assert who(change_at(report, IMAGE).attribution).manager == "kubectl-set"
