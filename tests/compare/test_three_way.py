"""The three-way classes (compare/three_way.py) on objects built here: every row of the table,
added and removed fields, whole objects, and subtrees named at different depths."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from drift_action.compare.three_way import against_base, overlaps
from drift_action.compare.verdicts import Settings, compare
from drift_action.core.model import (
    ChangeClass,
    KubeObject,
    Report,
    ResourceKey,
    SourceLocation,
    Status,
)
from drift_action.core.paths import ListKey
from drift_action.live.quantity import parse_quantity

SETTINGS = Settings(parse_quantity=parse_quantity)
WHEN = "2026-11-20T10:05:00Z"


def deployment(image: str = "web:1", replicas: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", **extra.pop("metadata", {})},
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "web", "image": image, **extra}]}},
        },
    }


def obj(body: dict[str, Any], file: str = "web.yaml") -> KubeObject:
    meta = body["metadata"]
    group = body["apiVersion"].split("/")[0] if "/" in body["apiVersion"] else ""
    key = ResourceKey(group, body["kind"], meta.get("namespace", ""), meta["name"])
    return KubeObject(key, body["apiVersion"], body, SourceLocation(file, 1))


def live(body: dict[str, Any], *managers: tuple[str, dict[str, Any]]) -> KubeObject:
    body = copy.deepcopy(body)
    body["metadata"]["managedFields"] = [
        {"manager": "kubectl-client-side-apply", "operation": "Update", "time": WHEN,
         "apiVersion": body["apiVersion"], "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}},
        *(
            {"manager": name, "operation": "Update", "time": WHEN, "apiVersion": body["apiVersion"],
             "fieldsType": "FieldsV1", "fieldsV1": fields}
            for name, fields in managers
        ),
    ]  # fmt: skip
    return obj(body, "cluster")


def three_way(
    base: list[dict[str, Any]], head: list[dict[str, Any]], cluster: list[KubeObject]
) -> Report:
    at_base, at_head = [obj(b) for b in base], [obj(h) for h in head]
    return against_base(
        compare(at_head, cluster, settings=SETTINGS),
        compare(at_base, cluster, settings=SETTINGS),
        at_head,
        at_base,
        description="base commit 1a2b3c4",
        settings=SETTINGS,
    )


def classes(report: Report) -> dict[str, ChangeClass]:
    (result,) = report.resources
    return {c.path_text.rsplit(".", 1)[-1]: c.change_class for c in result.changes}


@pytest.mark.parametrize(
    ("base", "head", "cluster", "expected"),
    [
        ("web:1", "web:2", "web:1", ChangeClass.PLANNED),
        ("web:1", "web:1", "web:1-hotfix", ChangeClass.DRIFT),
        ("web:1", "web:1-hotfix", "web:1-hotfix", ChangeClass.ADOPTED),
        ("web:1", "web:2", "web:1-hotfix", ChangeClass.CONFLICT),
    ],
)
def test_each_row_of_the_table(base: str, head: str, cluster: str, expected: ChangeClass) -> None:
    report = three_way([deployment(base)], [deployment(head)], [live(deployment(cluster))])
    assert classes(report) == {"image": expected}
    (change,) = report.resources[0].changes
    # The values each class needs to read plainly.
    if expected is ChangeClass.ADOPTED:
        assert (change.base, change.desired, change.live) == (base, cluster, cluster)
    elif expected is ChangeClass.CONFLICT:
        assert (change.base, change.desired, change.live) == (base, head, cluster)
    else:
        assert (change.desired, change.live) == (head, cluster)
    assert report.base == "base commit 1a2b3c4"
    assert report.has_drift is expected.fails
    assert report.resources[0].status is (
        Status.IN_SYNC if expected is ChangeClass.ADOPTED else Status.DRIFTED
    )


def test_planned_and_drift_on_one_object() -> None:
    scaled = live(deployment("web:1", 5), ("kubectl-scale", {"f:spec": {"f:replicas": {}}}))
    report = three_way([deployment("web:1")], [deployment("web:2")], [scaled])
    assert classes(report) == {"replicas": ChangeClass.DRIFT, "image": ChangeClass.PLANNED}
    replicas = next(c for c in report.resources[0].changes if c.path_text == "spec.replicas")
    assert replicas.attribution is not None and replicas.attribution.manager == "kubectl-scale"
    assert report.counts[Status.DRIFTED] == 1 and report.classes[ChangeClass.PLANNED] == 1


def test_a_field_added_by_hand_and_one_the_pr_adds() -> None:
    by_hand = {"f:metadata": {"f:labels": {"f:debug": {}}}}
    cluster = live(deployment(metadata={"labels": {"debug": "on"}}), ("kubectl-label", by_hand))
    # The PR sets a new label; someone added another by hand.
    head = deployment(metadata={"labels": {"tier": "web"}})
    report = three_way([deployment()], [head], [cluster])
    found = {c.path_text: (c.type.value, c.change_class) for c in report.resources[0].changes}
    assert found == {
        "metadata.labels.tier": ("missing", ChangeClass.PLANNED),
        "metadata.labels.debug": ("added", ChangeClass.DRIFT),
    }


def test_the_pr_adopts_a_field_added_by_hand() -> None:
    by_hand = {"f:metadata": {"f:labels": {"f:debug": {}}}}
    cluster = live(deployment(metadata={"labels": {"debug": "on"}}), ("kubectl-label", by_hand))
    head = deployment(metadata={"labels": {"debug": "on"}})
    report = three_way([deployment()], [head], [cluster])
    assert classes(report) == {"debug": ChangeClass.ADOPTED}
    assert not report.has_drift


def test_a_subtree_on_one_side_and_a_leaf_on_the_other() -> None:
    # The base sets no resources; someone set limits by hand; the PR sets other limits.
    limits = {"resources": {"limits": {"cpu": "500m"}}}
    container = {'k:{"name":"web"}': {"f:resources": {"f:limits": {"f:cpu": {}}}}}
    by_hand = {"f:spec": {"f:template": {"f:spec": {"f:containers": container}}}}
    cluster = live(deployment(**{"resources": {"limits": {"cpu": "1"}}}), ("kubectl-set", by_hand))
    report = three_way([deployment()], [deployment(**limits)], [cluster])
    assert set(classes(report).values()) == {ChangeClass.CONFLICT}
    # Limits no one set by hand (a controller's, or a default) are the PR's to set: planned.
    cluster = live(deployment(**{"resources": {"limits": {"cpu": "1"}}}))
    report = three_way([deployment()], [deployment(**limits)], [cluster])
    assert set(classes(report).values()) == {ChangeClass.PLANNED}


def test_whole_objects() -> None:
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags",
              "namespace": "shop"}, "data": {"a": "1"}}  # fmt: skip
    gone = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "old", "namespace": "shop"}}
    also_missing = deployment()
    report = three_way(
        [also_missing, gone],
        [also_missing, config],
        [live(gone)],  # the Deployment is gone from the cluster; the Service still there
    )
    found = {r.key.kind: (r.status, r.change_class) for r in report.resources}
    assert found == {
        "Deployment": (Status.MISSING, ChangeClass.DRIFT),  # at base and head, not live
        "ConfigMap": (Status.MISSING, ChangeClass.PLANNED),  # new in the PR
        "Service": (Status.EXTRA, ChangeClass.PLANNED),  # the PR deletes it
    }
    service = next(r for r in report.resources if r.key.kind == "Service")
    assert service.source is not None and service.source.file == "web.yaml"
    assert report.drift_count == 1  # only the missing Deployment fails


def test_an_object_the_pr_adds_that_someone_made_by_hand() -> None:
    same = three_way([], [deployment()], [live(deployment())])
    assert same.resources[0].change_class is ChangeClass.ADOPTED and not same.has_drift
    other = three_way([], [deployment("web:2")], [live(deployment("web:1"))])
    assert other.resources[0].change_class is ChangeClass.CONFLICT and other.has_drift


def test_nothing_changes_without_differences() -> None:
    report = three_way([deployment()], [deployment()], [live(deployment())])
    (result,) = report.resources
    assert result.status is Status.IN_SYNC and result.changes == () and result.classes == set()


def test_overlaps_by_prefix() -> None:
    web = ListKey((("name", "web"),))
    image = ("spec", "containers", web, "image")
    assert overlaps(image, [("spec", "containers")])
    assert overlaps(("spec",), [image])
    assert overlaps(image, [image])
    assert not overlaps(image, [("spec", "replicas")])
    assert not overlaps(image, [])


def applied_with(label: str) -> KubeObject:
    """The cluster as `kubectl apply` left it when Git still set the label `label`."""
    body = deployment(metadata={"labels": {label: "yes"}})
    body["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(body)
    }
    return live(body)


def test_a_field_the_pr_drops_is_planned() -> None:
    with_label = deployment(metadata={"labels": {"legacy": "yes"}})
    report = three_way([with_label], [deployment()], [applied_with("legacy")])
    found = {c.path_text: (c.type.value, c.change_class) for c in report.resources[0].changes}
    assert found == {"metadata.labels.legacy": ("removed", ChangeClass.PLANNED)}
    assert not report.has_drift


def test_a_field_git_dropped_before_the_pr_is_drift() -> None:
    report = three_way([deployment()], [deployment()], [applied_with("legacy")])
    found = {c.path_text: (c.type.value, c.change_class) for c in report.resources[0].changes}
    assert found == {"metadata.labels.legacy": ("removed", ChangeClass.DRIFT)}
