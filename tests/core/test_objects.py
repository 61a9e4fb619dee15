from __future__ import annotations

import pytest

from drift_action.core.errors import InputError
from drift_action.core.model import ResourceKey
from drift_action.core.objects import (
    RawObject,
    collect,
    desired_objects,
    learn_scopes,
    live_objects,
)
from drift_action.core.scope import ScopeResolver
from drift_action.core.yaml_docs import parse_documents


def raw(
    text: str, *, strict: bool = False, file: str = "m.yaml"
) -> tuple[list[RawObject], list[str]]:
    return collect(parse_documents(text, file), strict=strict)


def keys(text: str, namespace: str = "default", live: str = "") -> list[ResourceKey]:
    desired, _ = raw(text)
    live_raw, _ = raw(live, strict=True) if live else ([], [])
    scopes = ScopeResolver()
    learn_scopes(scopes, desired, live_raw)
    objects, _ = desired_objects([(o, namespace) for o in desired], scopes)
    return [o.key for o in objects]


def test_lists_are_flattened_with_item_lines() -> None:
    objects, warnings = raw(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n"
    )
    assert [(o.body["metadata"]["name"], o.source.line) for o in objects] == [("a", 4), ("b", 7)]
    assert warnings == []


def test_typed_api_lists_give_their_items_a_kind() -> None:
    objects, _ = raw(
        "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: web, namespace: x}\n",
        strict=True,
    )
    assert objects[0].kind == "Deployment" and objects[0].api_version == "apps/v1"


def test_documents_without_type_are_skipped_with_a_warning() -> None:
    objects, warnings = raw("replicaCount: 3\nimage: {tag: x}\n", file="values.yaml")
    assert objects == []
    assert warnings == ["values.yaml:1: skipped a document without apiVersion/kind"]


def test_snapshots_refuse_documents_that_are_not_kubernetes_output() -> None:
    with pytest.raises(InputError, match=r"^snap.yaml:1: not Kubernetes output"):
        raw("hello: world\n", strict=True, file="snap.yaml")


@pytest.mark.parametrize(
    ("text", "found"),
    [("just a string\n", "a string"), ("- a\n- b\n", "a list"), ("42\n", "a number")],
)
def test_non_mapping_documents_are_errors(text: str, found: str) -> None:
    with pytest.raises(InputError, match=rf"^m.yaml:1: expected a Kubernetes object .*{found}"):
        raw(text)


def test_objects_without_a_name_are_errors() -> None:
    with pytest.raises(InputError, match=r"^m.yaml:2: ConfigMap has no metadata.name"):
        raw("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n")


def test_namespace_defaults_and_cluster_scope() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata: {name: c, namespace: ignored}\n"
    )
    assert keys(text, namespace="team") == [
        ResourceKey("", "ConfigMap", "team", "a"),
        ResourceKey("", "ConfigMap", "other", "b"),
        ResourceKey("rbac.authorization.k8s.io", "ClusterRole", "", "c"),
    ]


def test_custom_kinds_learn_their_scope_from_crds_and_live_objects() -> None:
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: clusterissuers.cert-manager.io}\n"
        "spec: {group: cert-manager.io, scope: Cluster, names: {kind: ClusterIssuer}}\n---\n"
        "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: le}\n---\n"
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    )
    live = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    assert keys(crd, live=live)[1:] == [
        ResourceKey("cert-manager.io", "ClusterIssuer", "", "le"),
        ResourceKey("example.com", "Widget", "", "w"),
    ]


def test_identity_ignores_version_and_group_moves() -> None:
    text = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\n"
    assert keys(text) == [ResourceKey("apps", "Deployment", "default", "web")]


def test_duplicate_desired_objects_name_both_locations() -> None:
    a, _ = raw("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", file="one.yaml")
    b, _ = raw("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", file="two.yaml")
    with pytest.raises(InputError) as err:
        desired_objects([(o, "default") for o in a + b], ScopeResolver())
    assert str(err.value) == (
        "two.yaml:2: ConfigMap default/a is declared twice; it was first declared at one.yaml:1"
    )


def test_repeated_live_objects_keep_the_first() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n}, data: {k: '1'}}\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n}, data: {k: '2'}}\n"
    )
    found, _ = raw(text, strict=True, file="live.yaml")
    objects, warnings = live_objects(found)
    assert [o.body["data"]["k"] for o in objects] == ["1"]
    assert warnings == [
        "live.yaml:5: ConfigMap n/a appears twice in the live objects; kept the first"
    ]
