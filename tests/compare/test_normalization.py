"""One group per normalization rule: the benign difference is not drift, a real one still is.

Every case goes through `compare()` with the quantity parser the pipeline uses, and checks that
what was explained away is listed in `ResourceResult.normalized` under the rule's name (what
`--explain` prints), so a rule can neither hide real drift nor act without saying so.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DATA as TEST_DATA

from drift_action.compare.normalize import RULES as ALWAYS_APPLIED
from drift_action.compare.normalize import SECRET_STRING_DATA, without_nulls
from drift_action.compare.verdicts import Settings, compare
from drift_action.core.identity import canonical_group
from drift_action.core.model import (
    Actor,
    ChangeType,
    KubeObject,
    ResourceKey,
    ResourceResult,
    SourceLocation,
    Status,
)
from drift_action.live.quantity import parse_quantity
from drift_action.report import RenderOptions, render

SETTINGS = Settings(parse_quantity=parse_quantity)
CLUSTER_SCOPED = {"ClusterRole", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}


def kube(body: Mapping[str, Any], source: str = "git.yaml") -> KubeObject:
    metadata = body["metadata"]
    kind = body["kind"]
    namespace = "" if kind in CLUSTER_SCOPED else metadata.get("namespace", "default")
    key = ResourceKey(canonical_group(body["apiVersion"], kind), kind, namespace, metadata["name"])
    return KubeObject(key, body["apiVersion"], body, SourceLocation(source, 1))


def verdict(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    settings: Settings = SETTINGS,
    *,
    more_desired: Sequence[Mapping[str, Any]] = (),
    more_live: Sequence[Mapping[str, Any]] = (),
) -> ResourceResult:
    """The result for `desired`, compared with `live` (plus other objects in either set)."""
    report = compare(
        [kube(desired), *(kube(b) for b in more_desired)],
        [kube(live, "live.yaml"), *(kube(b, "live.yaml") for b in more_live)],
        settings=settings,
    )
    (result,) = [r for r in report.resources if r.key == kube(desired).key]
    assert result.status is not Status.ERROR, result.message
    return result


def changes(result: ResourceResult) -> dict[str, tuple[Any, Any]]:
    return {c.path_text: (c.desired, c.live) for c in result.changes}


def notes(result: ResourceResult) -> set[tuple[str, str]]:
    return {(n.rule, n.path) for n in result.normalized}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --- quantities --------------------------------------------------------------------------------

CONTAINER = "spec.template.spec.containers[name=web]"


def deployment(
    requests: Mapping[str, Any], limits: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": dict(requests)}
    if limits is not None:
        resources["limits"] = dict(limits)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "web", "image": "web:1", "resources": resources}]}
            }
        },
    }


@pytest.mark.parametrize(
    ("resource", "in_git", "live"),
    [
        ("cpu", "0.5", "500m"),
        ("cpu", 0.5, "500m"),  # `cpu: 0.5` in YAML is a float
        ("cpu", "1", "1000m"),
        ("cpu", 1, "1000m"),
        ("memory", "1Gi", "1024Mi"),
        ("memory", "1Gi", "1073741824"),
        ("memory", "1024Mi", 1073741824),
    ],
)
def test_equal_quantities_are_not_drift(resource: str, in_git: Any, live: Any) -> None:
    path = f"{CONTAINER}.resources.requests.{resource}"
    result = verdict(deployment({resource: in_git}), deployment({resource: live}))
    assert result.status is Status.IN_SYNC
    assert result.changes == ()
    assert ("quantity", path) in notes(result)

    # A real change in the same container is still caught, and only that change.
    result = verdict(
        deployment({resource: in_git}, {"cpu": "250m"}),
        deployment({resource: live}, {"cpu": "500m"}),
    )
    assert result.status is Status.DRIFTED
    assert changes(result) == {f"{CONTAINER}.resources.limits.cpu": ("250m", "500m")}
    assert ("quantity", path) in notes(result)


def test_different_quantities_are_drift() -> None:
    result = verdict(deployment({"cpu": "250m"}), deployment({"cpu": "500m"}))
    assert result.status is Status.DRIFTED
    assert changes(result) == {f"{CONTAINER}.resources.requests.cpu": ("250m", "500m")}
    assert not any(rule == "quantity" for rule, _ in notes(result))


def pvc(storage: Any, storage_class: str = "fast") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage_class,
            "resources": {"requests": {"storage": storage}},
        },
    }


def test_pvc_storage_is_a_quantity() -> None:
    result = verdict(pvc("1Gi"), pvc("1024Mi"))
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("quantity", "spec.resources.requests.storage")}

    result = verdict(pvc("1Gi", "fast"), pvc("1024Mi", "slow"))
    assert changes(result) == {"spec.storageClassName": ("fast", "slow")}

    result = verdict(pvc("1Gi"), pvc("2Gi"))
    assert changes(result) == {"spec.resources.requests.storage": ("1Gi", "2Gi")}


@pytest.mark.parametrize(
    ("in_git", "live"),
    [("lots", "500m"), ("500m", "lots"), ("1Gi ", "1Gi"), ({"a": 1}, "500m"), (True, "1")],
)
def test_a_value_that_is_not_a_quantity_is_compared_as_is(in_git: Any, live: Any) -> None:
    result = verdict(deployment({"cpu": in_git}), deployment({"cpu": live}))
    assert result.status is Status.DRIFTED
    assert changes(result) == {f"{CONTAINER}.resources.requests.cpu": (in_git, live)}


def test_the_same_non_quantity_on_both_sides_is_in_sync() -> None:
    result = verdict(deployment({"cpu": "lots"}), deployment({"cpu": "lots"}))
    assert result.status is Status.IN_SYNC


# --- null, absent and empty --------------------------------------------------------------------


def role(rules: Any = ..., labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "reader", "namespace": "shop", "labels": dict(labels or {})},
    }
    if rules is not ...:
        body["rules"] = rules
    return body


READ_PODS = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]


def test_empty_list_in_git_is_absent_live() -> None:
    result = verdict(role([]), role())
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("empty-is-unset", "rules")}

    result = verdict(role([], {"tier": "web"}), role(labels={"tier": "api"}))
    assert changes(result) == {"metadata.labels.tier": ("web", "api")}
    assert notes(result) == {("empty-is-unset", "rules")}


def test_empty_list_in_git_is_not_a_filled_list_live() -> None:
    result = verdict(role([]), role(READ_PODS))
    assert result.status is Status.DRIFTED
    assert changes(result) == {"rules": ([], READ_PODS)}


def configmap(
    data: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": "shop", **(metadata or {})},
    }
    if data is not None:
        body["data"] = dict(data)
    return body


def test_empty_annotations_in_git_are_absent_live() -> None:
    result = verdict(configmap({"a": "1"}, {"annotations": {}}), configmap({"a": "1"}))
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("empty-is-unset", "metadata.annotations")}

    result = verdict(configmap({"a": "1"}, {"annotations": {}}), configmap({"a": "2"}))
    assert changes(result) == {"data.a": ("1", "2")}
    assert notes(result) == {("empty-is-unset", "metadata.annotations")}


def test_annotation_set_in_git_and_absent_live_is_drift() -> None:
    result = verdict(configmap({}, {"annotations": {"team": "web"}}), configmap({}))
    assert [(c.path_text, c.type) for c in result.changes] == [
        ("metadata.annotations.team", ChangeType.MISSING)
    ]


def test_null_creation_timestamp_is_not_drift() -> None:
    stamped = {"creationTimestamp": "2024-05-01T10:00:00Z", "uid": "0b1c"}
    result = verdict(
        configmap({"a": "1"}, {"creationTimestamp": None}), configmap({"a": "1"}, stamped)
    )
    assert result.status is Status.IN_SYNC

    result = verdict(
        configmap({"a": "1"}, {"creationTimestamp": None}), configmap({"a": "2"}, stamped)
    )
    assert changes(result) == {"data.a": ("1", "2")}


def secret(**fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "shop"},
        "type": "Opaque",
        **fields,
    }


def test_empty_secret_data_in_git_is_absent_live() -> None:
    result = verdict(secret(data={}), secret())
    assert result.status is Status.IN_SYNC

    result = verdict(secret(data={}), secret(type="kubernetes.io/tls"))
    assert changes(result) == {"type": ("Opaque", "kubernetes.io/tls")}


def test_empty_list_in_git_is_null_live() -> None:
    result = verdict(role([]), role(None))
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("empty-is-unset", "rules")}


def test_empty_secret_data_is_explained_per_resource() -> None:
    # At d4afcb6 this Secret got no note (a ConfigMap with `data: {}` did).
    result = verdict(secret(data={}), secret())
    assert ("empty-is-unset", "data") in notes(result), result.normalized


def test_null_creation_timestamp_in_a_pod_template_is_explained_per_resource() -> None:
    """kubectl and Helm render `creationTimestamp: null` into pod templates; live has none."""

    def deployment(template_metadata: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"metadata": template_metadata}},
        }

    result = verdict(
        deployment({"creationTimestamp": None, "labels": {"app": "web"}}),
        deployment({"labels": {"app": "web"}}),
    )
    assert result.status is Status.IN_SYNC
    assert ("empty-is-unset", "spec.template.metadata.creationTimestamp") in notes(result)


def test_top_level_creation_timestamp_is_always_left_out() -> None:
    """The object's own creationTimestamp is server metadata: --explain names it once, globally."""
    result = verdict(
        configmap({}, {"creationTimestamp": None}),
        configmap({}, {"creationTimestamp": "2024-05-01T10:00:00Z"}),
    )
    assert result.status is Status.IN_SYNC
    report = compare([kube(configmap({}, {"creationTimestamp": None}))], [], settings=SETTINGS)
    assert "creationTimestamp" in render(report, "text", RenderOptions(explain=True))


# --- Secret stringData -------------------------------------------------------------------------


def test_string_data_equal_to_live_base64_data_is_in_sync() -> None:
    result = verdict(
        secret(data={"user": b64("admin")}, stringData={"password": "s3cret", "url": "héllo://x"}),
        secret(data={"user": b64("admin"), "password": b64("s3cret"), "url": b64("héllo://x")}),
    )
    assert result.status is Status.IN_SYNC


def test_string_data_wins_over_data_as_on_the_server() -> None:
    desired = secret(data={"password": b64("old")}, stringData={"password": "new"})
    assert verdict(desired, secret(data={"password": b64("new")})).status is Status.IN_SYNC
    assert verdict(desired, secret(data={"password": b64("old")})).status is Status.DRIFTED


def test_string_data_different_from_live_is_hidden_drift() -> None:
    desired = secret(stringData={"user": "admin", "password": "s3cret"})
    live = secret(data={"user": b64("admin"), "password": b64("hunter2")})
    report = compare([kube(desired)], [kube(live)], settings=SETTINGS)
    (result,) = report.resources
    assert result.status is Status.DRIFTED
    (change,) = result.changes
    assert change.path_text == "data.password"
    assert change.type is ChangeType.CHANGED
    assert (change.desired, change.live, change.redacted) == ("(hidden)", "(hidden)", True)
    for fmt in ("text", "markdown", "json"):
        shown = render(report, fmt)
        assert "data.password" in shown
        for secret_value in ("s3cret", "hunter2", b64("s3cret"), b64("hunter2")):
            assert secret_value not in shown, fmt


def test_string_data_key_missing_live_is_hidden_drift() -> None:
    result = verdict(
        secret(stringData={"user": "admin", "token": "t0ken"}), secret(data={"user": b64("admin")})
    )
    (change,) = result.changes
    assert (change.path_text, change.type) == ("data.token", ChangeType.MISSING)
    assert (change.desired, change.live, change.redacted) == ("(hidden)", None, True)


def test_string_data_folding_is_named_by_explain() -> None:
    """Not per resource: --explain lists secret-string-data among the rules always applied."""
    desired = secret(stringData={"password": "s3cret"})
    report = compare(
        [kube(desired)], [kube(secret(data={"password": b64("s3cret")}))], settings=SETTINGS
    )
    assert report.resources[0].status is Status.IN_SYNC
    assert "secret-string-data" in {rule.name for rule in ALWAYS_APPLIED}
    explained = render(report, "text", RenderOptions(explain=True))
    assert f"secret-string-data: {SECRET_STRING_DATA.reason}" in explained
    assert "s3cret" not in explained and b64("s3cret") not in explained


# --- unordered Endpoints -----------------------------------------------------------------------


def endpoints(subsets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "shop"},
        "subsets": subsets,
    }


def pod_address(ip: str, node: str, pod: str) -> dict[str, Any]:
    ref = {"kind": "Pod", "name": pod, "namespace": "shop", "uid": f"uid-{pod}"}
    return {"ip": ip, "nodeName": node, "targetRef": ref}


WANT_ENDPOINTS = endpoints(
    [
        {
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        },
        {
            "addresses": [{"ip": "10.0.1.1"}],
            "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}],
        },
    ]
)
LIVE_ENDPOINTS = endpoints(
    [
        {
            "addresses": [pod_address("10.0.1.1", "node-b", "metrics-0")],
            "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}],
        },
        {
            "addresses": [
                pod_address("10.0.0.2", "node-a", "web-1"),
                pod_address("10.0.0.1", "node-b", "web-0"),
            ],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        },
    ]
)


def test_endpoints_in_another_order_with_extra_live_fields_are_in_sync() -> None:
    result = verdict(WANT_ENDPOINTS, LIVE_ENDPOINTS)
    assert result.status is Status.IN_SYNC
    assert ("unordered-list", "subsets") in notes(result)


def test_endpoints_reordered_next_to_a_real_change() -> None:
    desired = copy.deepcopy(WANT_ENDPOINTS)
    desired["metadata"]["labels"] = {"tier": "web"}
    live = copy.deepcopy(LIVE_ENDPOINTS)
    live["metadata"]["labels"] = {"tier": "api"}
    result = verdict(desired, live)
    assert changes(result) == {"metadata.labels.tier": ("web", "api")}
    assert ("unordered-list", "subsets") in notes(result)


def without_address(ip: str) -> dict[str, Any]:
    live = copy.deepcopy(LIVE_ENDPOINTS)
    for subset in live["subsets"]:
        subset["addresses"] = [a for a in subset["addresses"] if a["ip"] != ip]
    return live


def test_endpoints_address_missing_is_drift() -> None:
    result = verdict(WANT_ENDPOINTS, without_address("10.0.0.2"))
    assert result.status is Status.DRIFTED
    assert any("addresses" in path for path in changes(result))
    assert ("unordered-list", "subsets") not in notes(result)


def test_single_subset_address_missing_is_drift() -> None:
    want = endpoints(
        [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}]}]
    )
    live = endpoints(
        [
            {
                "addresses": [pod_address("10.0.0.2", "a", "p")],
                "ports": [{"port": 80, "protocol": "TCP"}],
            }
        ]
    )
    result = verdict(want, live)
    assert result.status is Status.DRIFTED
    assert changes(result)
    assert all(path.startswith("subsets[0].addresses") for path in changes(result))


def test_endpoints_address_missing_names_only_the_addresses() -> None:
    # At d4afcb6 the subsets fell back to positional comparison: `ports[0].port: 8080 -> 9090`.
    result = verdict(WANT_ENDPOINTS, without_address("10.0.0.2"))
    assert result.status is Status.DRIFTED
    assert all("ports" not in path for path in changes(result)), changes(result)


# --- injected webhook caBundle -----------------------------------------------------------------

HOOK = "webhooks[name=mutate.example.com]"
CA_PATH = f"{HOOK}.clientConfig.caBundle"


def webhook_config(
    ca_bundle: str | None, manager: str | None = None, *, path: str = "/mutate"
) -> dict[str, Any]:
    client: dict[str, Any] = {"service": {"name": "hook", "namespace": "shop", "path": path}}
    if ca_bundle is not None:
        client["caBundle"] = ca_bundle
    body: dict[str, Any] = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "hook"},
        "webhooks": [
            {
                "name": "mutate.example.com",
                "clientConfig": client,
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    }
    if manager is not None:
        owned = {"f:clientConfig": {"f:caBundle": {}}}
        body["metadata"]["managedFields"] = [
            {
                "manager": manager,
                "operation": "Update",
                "apiVersion": "admissionregistration.k8s.io/v1",
                "time": "2024-05-01T10:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:webhooks": {'k:{"name":"mutate.example.com"}': owned}},
            }
        ]
    return body


GIT_CA = b64("placeholder")
LIVE_CA = b64("-----BEGIN CERTIFICATE-----injected")


@pytest.mark.parametrize("injector", ["cert-manager-cainjector", "external-secrets"])
def test_injected_ca_bundle_is_not_drift(injector: str) -> None:
    live = webhook_config(LIVE_CA, injector)
    result = verdict(webhook_config(GIT_CA), live)
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("injected-ca-bundle", CA_PATH)}
    (note,) = result.normalized
    assert injector in note.reason

    result = verdict(
        webhook_config(GIT_CA, path="/mutate"), webhook_config(LIVE_CA, injector, path="/v2")
    )
    assert changes(result) == {f"{HOOK}.clientConfig.service.path": ("/mutate", "/v2")}
    assert notes(result) == {("injected-ca-bundle", CA_PATH)}

    off = Settings(parse_quantity=parse_quantity, injected_ca_bundles=False)
    result = verdict(webhook_config(GIT_CA), live, off)
    assert changes(result) == {CA_PATH: (GIT_CA, LIVE_CA)}
    assert result.normalized == ()


def test_ca_bundle_owned_by_the_deployer_is_drift() -> None:
    result = verdict(webhook_config(GIT_CA), webhook_config(LIVE_CA, "helm"))
    assert changes(result) == {CA_PATH: (GIT_CA, LIVE_CA)}
    (change,) = result.changes
    assert change.attribution is not None
    assert (change.attribution.manager, change.attribution.actor) == ("helm", Actor.DEPLOYER)
    assert result.normalized == ()

    result = verdict(webhook_config(LIVE_CA), webhook_config(LIVE_CA, "helm"))
    assert result.status is Status.IN_SYNC


@pytest.mark.parametrize("person", ["kubectl-patch", "kubectl-edit"])
def test_ca_bundle_changed_by_hand_is_drift(person: str) -> None:
    # At d4afcb6 this was set aside as "the CA bundle is injected by kubectl-patch".
    result = verdict(webhook_config(GIT_CA), webhook_config(LIVE_CA, person))
    assert result.status is Status.DRIFTED, result.normalized
    assert list(changes(result)) == [CA_PATH]


# --- ServiceAccount secrets --------------------------------------------------------------------


def service_account(**fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "web", "namespace": "shop"},
        **fields,
    }


TOKEN = {"name": "web-token-x7k2p"}


def test_secrets_the_server_adds_to_a_service_account_are_not_drift() -> None:
    assert verdict(service_account(), service_account(secrets=[TOKEN])).status is Status.IN_SYNC
    result = verdict(
        service_account(secrets=[{"name": "mine"}]),
        service_account(secrets=[TOKEN, {"name": "mine"}]),
    )
    assert result.status is Status.IN_SYNC


def test_service_account_secrets_next_to_a_real_change() -> None:
    result = verdict(
        service_account(imagePullSecrets=[{"name": "registry"}]),
        service_account(secrets=[TOKEN]),
    )
    assert [(c.path_text, c.type) for c in result.changes] == [
        ("imagePullSecrets", ChangeType.MISSING)
    ]
    result = verdict(service_account(secrets=[{"name": "mine"}]), service_account(secrets=[TOKEN]))
    assert result.status is Status.DRIFTED
    assert [(c.path_text, c.type) for c in result.changes] == [
        ("secrets[name=mine]", ChangeType.MISSING)
    ]


# --- aggregated ClusterRoles -------------------------------------------------------------------


def cluster_role(rules: list[dict[str, Any]], *, aggregate: str | None = "true") -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "monitoring"},
        "rules": rules,
    }
    if aggregate is not None:
        body["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate": aggregate}}]
        }
    return body


def test_aggregated_cluster_role_rules_are_not_drift() -> None:
    result = verdict(cluster_role([]), cluster_role(READ_PODS))
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("aggregated-rules", "rules")}

    off = Settings(parse_quantity=parse_quantity, aggregated_cluster_roles=False)
    result = verdict(cluster_role([]), cluster_role(READ_PODS), off)
    assert changes(result) == {"rules": ([], READ_PODS)}
    assert result.normalized == ()


def test_aggregation_selector_change_is_still_drift() -> None:
    result = verdict(cluster_role([]), cluster_role(READ_PODS, aggregate="false"))
    # An atomic list in the schema: reported whole (issue 17).
    assert changes(result) == {
        "aggregationRule.clusterRoleSelectors": (
            [{"matchLabels": {"example.com/aggregate": "true"}}],
            [{"matchLabels": {"example.com/aggregate": "false"}}],
        )
    }
    assert notes(result) == {("aggregated-rules", "rules")}


def test_cluster_role_without_aggregation_rule_compares_its_rules() -> None:
    result = verdict(cluster_role([], aggregate=None), cluster_role(READ_PODS, aggregate=None))
    assert changes(result) == {"rules": ([], READ_PODS)}


# --- HPA-managed replicas ----------------------------------------------------------------------


def scaled(replicas: int, *, namespace: str = "shop", image: str = "web:1") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def hpa(target: str = "web", namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": 2,
            "maxReplicas": 10,
        },
    }


@pytest.mark.parametrize("where", ["desired", "live"])
def test_replicas_of_a_workload_an_hpa_scales_are_not_drift(where: str) -> None:
    sets: dict[str, Any] = (
        {"more_desired": [hpa()]} if where == "desired" else {"more_live": [hpa()]}
    )
    result = verdict(scaled(3), scaled(7), **sets)
    assert result.status is Status.IN_SYNC
    assert notes(result) == {("hpa-replicas", "spec.replicas")}

    result = verdict(scaled(3), scaled(7, image="web:2"), **sets)
    assert changes(result) == {f"{CONTAINER}.image": ("web:1", "web:2")}
    assert notes(result) == {("hpa-replicas", "spec.replicas")}


@pytest.mark.parametrize(
    "autoscaler",
    [
        pytest.param(hpa(target="api"), id="other-deployment"),
        pytest.param(hpa(namespace="other"), id="other-namespace"),
    ],
)
@pytest.mark.parametrize("where", ["desired", "live"])
def test_an_hpa_for_another_workload_does_not_hide_replicas(
    autoscaler: dict[str, Any], where: str
) -> None:
    sets: dict[str, Any] = (
        {"more_desired": [autoscaler]} if where == "desired" else {"more_live": [autoscaler]}
    )
    result = verdict(scaled(3), scaled(7), **sets)
    assert changes(result) == {"spec.replicas": (3, 7)}
    assert result.normalized == ()


# --- rules keyed on field names do not fire on user data -----------------------------------------


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        pytest.param(
            configmap({"limits": "1"}), configmap({"limits": "1000m"}), id="configmap-data"
        ),
        pytest.param(
            configmap({}, {"labels": {"storage": "1Gi"}}),
            configmap({}, {"labels": {"storage": "1024Mi"}}),
            id="label",
        ),
    ],
)
def test_user_keys_named_like_quantity_fields_are_compared_as_strings(
    desired: dict[str, Any], live: dict[str, Any]
) -> None:
    # At d4afcb6 any value below a key named limits/requests/storage/... was a quantity.
    result = verdict(desired, live)
    assert result.status is Status.DRIFTED, result.normalized


def test_configmap_data_key_named_ca_bundle_is_compared() -> None:
    # At d4afcb6 any path ending in caBundle, in any kind, was set aside as injected.
    result = verdict(configmap({"caBundle": b64("ours")}), configmap({"caBundle": b64("theirs")}))
    assert result.status is Status.DRIFTED, result.normalized


# --- encrypted-in-git: SOPS ciphertext and Flux's **SOPS** mask --------------------------------

_FLUX_PODINFO = TEST_DATA / "realworld/fluxcd__flux2/cmd/flux/testdata/build-kustomization/podinfo"


def _sops_file(name: str) -> dict[str, Any]:
    """A real SOPS-encrypted manifest from fluxcd/flux2's test data."""
    body: dict[str, Any] = yaml.safe_load((_FLUX_PODINFO / name).read_text(encoding="utf-8"))
    body["metadata"]["namespace"] = "default"
    return body


def _decrypted_live(encrypted: Mapping[str, Any], data: Mapping[str, str]) -> dict[str, Any]:
    live = {k: v for k, v in encrypted.items() if k not in ("sops", "stringData", "data")}
    live["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return live


def test_sops_encrypted_values_compare_by_key_only() -> None:
    desired = _sops_file("stringdata-secret.yaml")
    live = _decrypted_live(desired, {"username": "admin", "password": "s3cr3t-value"})

    result = verdict(desired, live)

    assert result.status is Status.IN_SYNC, result.changes
    assert {(n.rule, n.path) for n in result.normalized} == {
        ("encrypted-in-git", "sops"),
        ("encrypted-in-git", "data.username"),
        ("encrypted-in-git", "data.password"),
    }


def test_sops_encrypted_key_missing_live_is_still_drift() -> None:
    desired = _sops_file("stringdata-secret.yaml")
    live = _decrypted_live(desired, {"username": "admin", "extra": "by-hand"})
    live["metadata"]["managedFields"] = [
        {
            "manager": "kubectl-edit",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2026-11-20T10:02:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:extra": {}}},
        }
    ]

    result = verdict(desired, live)

    changes = {c.path_text: c for c in result.changes}
    assert set(changes) == {"data.password", "data.extra"}
    assert changes["data.password"].type is ChangeType.MISSING
    assert changes["data.extra"].type is ChangeType.ADDED
    assert all(c.redacted for c in changes.values())


def test_sops_block_is_not_reported_missing_from_a_dockerconfigjson_secret() -> None:
    desired = _sops_file("dockerconfigjson-sops-secret.yaml")
    live = _decrypted_live(desired, {".dockerconfigjson": '{"auths":{}}'})

    result = verdict(desired, live)

    assert result.status is Status.IN_SYNC, result.changes


def test_flux_build_mask_is_an_encrypted_value() -> None:
    masked = base64.b64encode(b"**SOPS**").decode()
    desired = secret(data={"token": masked})
    live = secret(data={"token": base64.b64encode(b"real-token-value").decode()})

    result = verdict(desired, live)

    assert result.status is Status.IN_SYNC
    assert [(n.rule, n.path) for n in result.normalized] == [("encrypted-in-git", "data.token")]


def test_a_plain_secret_value_change_is_still_drift() -> None:
    desired = secret(data={"token": base64.b64encode(b"in-git-value").decode()})
    live = secret(data={"token": base64.b64encode(b"changed-live").decode()})

    result = verdict(desired, live)

    assert [c.path_text for c in result.changes] == ["data.token"]
    assert not result.normalized


def _copied_without_nulls(value: Any) -> Any:
    """The plain definition: a deep copy without the mapping keys whose value is null."""
    if isinstance(value, Mapping):
        return {k: _copied_without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_copied_without_nulls(v) for v in value]
    return value


def _shares_null_free_parts(value: Any, result: Any) -> bool:
    """Every container that holds no null anywhere is returned itself, not a copy."""
    if isinstance(value, dict | list) and _copied_without_nulls(value) == value:
        return result is value
    if isinstance(value, dict):
        return all(_shares_null_free_parts(v, result[k]) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return all(_shares_null_free_parts(v, r) for v, r in zip(value, result, strict=True))
    return True


_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=20,
)


@given(_json_like)
@settings(max_examples=300)
def test_live_nulls_are_left_out_without_copying_the_rest(value: Any) -> None:
    before = copy.deepcopy(value)
    result = without_nulls(value)
    assert result == _copied_without_nulls(value)
    assert value == before  # the live object itself is never changed
    assert _shares_null_free_parts(value, result)
