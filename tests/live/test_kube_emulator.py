"""The Kubernetes API emulator, exercised over real HTTP by the `kubernetes` client and kubectl."""

from __future__ import annotations

import copy
import http.client
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import urllib3
import yaml
from kubernetes import config as kube_config
from kubernetes.client import ApiClient, AppsV1Api, Configuration, CoreV1Api
from kubernetes.client.exceptions import ApiException
from support import DATA as TEST_DATA
from support.kube_emulator import (
    EXPIRED_MESSAGE,
    EXPIRED_WITH_TOKEN_MESSAGE,
    Fault,
    KubeEmulator,
    RequestRecord,
    ResourceType,
)

DATA = TEST_DATA / "emulator"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")


def configmaps(count: int, namespace: str = "default", **labels: str) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i:05d}", "namespace": namespace, "labels": dict(labels)},
            "data": {"index": str(i)},
        }
        for i in range(count)
    ]


def deployment(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "generation": 3},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "app:1",
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                        },
                        {"name": "sidecar", "image": "proxy:1"},
                    ]
                },
            },
        },
        "status": {"replicas": 2},
    }


def real_live_objects() -> list[dict[str, Any]]:
    """Live objects copied from public repositories (see tests/data/emulator/README.md)."""
    objects: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.yaml")):
        objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return objects


def client_for(
    emu: KubeEmulator,
    tmp_path: Path,
    name: str = "kubeconfig",
    *,
    retries: Any = None,
    **kwargs: Any,
) -> ApiClient:
    """A client configured from the kubeconfig the emulator writes. `retries` is urllib3's
    (None: its default Retry(3), which also retries 429/503 that carry Retry-After)."""
    path = emu.write_kubeconfig(tmp_path / name, **kwargs)
    configuration = Configuration()
    kube_config.load_kube_config(
        config_file=str(path),
        context="emulator",
        persist_config=False,
        client_configuration=configuration,
    )
    configuration.retries = retries
    return ApiClient(configuration)


def raw(
    api: ApiClient,
    path: str,
    query: dict[str, str] | None = None,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[int, Any, Any]:
    """One request the way our live reader makes it: raw call_api, JSON read by hand."""
    url_path = f"{path}?{urlencode(query)}" if query else path
    _m, url, all_headers, _b, _p = api.param_serialize(
        method,
        url_path,
        header_params={"Accept": "application/json", **(headers or {})},
        auth_settings=["BearerToken"],
    )
    response = api.call_api(method, url, header_params=all_headers, body=body)
    return response.status, json.loads(response.read()), response.headers


def list_all(
    api: ApiClient, path: str, limit: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item of a paged list, and each page's list metadata."""
    items: list[dict[str, Any]] = []
    metas: list[dict[str, Any]] = []
    query = {"limit": str(limit)}
    while True:
        status, body, _headers = raw(api, path, query)
        assert status == 200, body
        items.extend(body["items"])
        metas.append(body["metadata"])
        if not body["metadata"].get("continue"):
            return items, metas
        query = {"limit": str(limit), "continue": body["metadata"]["continue"]}


# -- listing, paging, selectors ---------------------------------------------------------


def test_python_client_pages_through_configmaps(tmp_path: Path) -> None:
    objects = configmaps(25) + configmaps(3, namespace="other")
    with KubeEmulator(objects) as emu:
        api = client_for(emu, tmp_path)
        items, metas = list_all(api, "/api/v1/namespaces/default/configmaps", limit=10)

        assert [i["metadata"]["name"] for i in items] == [f"cm-{i:05d}" for i in range(25)]
        # Like a real server: list items carry neither apiVersion nor kind.
        assert all("apiVersion" not in i and "kind" not in i for i in items)
        assert [m.get("remainingItemCount") for m in metas] == [15, 5, None]
        assert len({m["resourceVersion"] for m in metas}) == 1
        assert [r.query.get("limit") for r in emu.requests] == ["10", "10", "10"]
        assert "continue" in emu.requests[1].query

        everything, _ = list_all(api, "/api/v1/configmaps", limit=500)
        namespaces = [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in everything]
        assert namespaces == sorted(namespaces) and len(namespaces) == 28


def test_typed_client_reads_lists_and_objects(tmp_path: Path) -> None:
    with KubeEmulator([*configmaps(3), deployment("web")]) as emu:
        api = client_for(emu, tmp_path)
        listed = CoreV1Api(api).list_namespaced_config_map("default", limit=2)
        assert [c.metadata.name for c in listed.items] == ["cm-00000", "cm-00001"]
        assert listed.metadata.remaining_item_count == 1
        rest = CoreV1Api(api).list_namespaced_config_map(
            "default", limit=2, _continue=listed.metadata._continue
        )
        assert [c.metadata.name for c in rest.items] == ["cm-00002"]
        web = AppsV1Api(api).read_namespaced_deployment("web", "default")
        assert web.spec.replicas == 2 and web.metadata.uid


def test_label_and_field_selectors(tmp_path: Path) -> None:
    objects = configmaps(4, app="x", tier="web") + configmaps(2, namespace="ops", app="y")
    objects.append(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bare", "namespace": "ops"}}
    )
    with KubeEmulator(objects) as emu:
        api = client_for(emu, tmp_path)

        def names(selector: dict[str, str]) -> list[str]:
            status, body, _ = raw(api, "/api/v1/configmaps", selector)
            assert status == 200, body
            return [f"{i['metadata']['namespace']}/{i['metadata']['name']}" for i in body["items"]]

        assert len(names({"labelSelector": "app=x"})) == 4
        assert names({"labelSelector": "app==y"}) == ["ops/cm-00000", "ops/cm-00001"]
        assert names({"labelSelector": "app!=x"}) == ["ops/bare", "ops/cm-00000", "ops/cm-00001"]
        assert len(names({"labelSelector": "app in (x, y)"})) == 6
        assert names({"labelSelector": "app notin (x,y)"}) == ["ops/bare"]
        assert names({"labelSelector": "!app"}) == ["ops/bare"]
        assert len(names({"labelSelector": "tier"})) == 4
        assert names({"labelSelector": "app in (x,y),!tier"}) == ["ops/cm-00000", "ops/cm-00001"]
        assert names({"fieldSelector": "metadata.name=bare"}) == ["ops/bare"]
        assert len(names({"fieldSelector": "metadata.namespace!=ops"})) == 4
        assert names(
            {"fieldSelector": "metadata.namespace==ops,metadata.name!=bare", "labelSelector": "app"}
        ) == [
            "ops/cm-00000",
            "ops/cm-00001",
        ]

        # With a selector, paging still works but remainingItemCount is left out.
        status, page, _ = raw(api, "/api/v1/configmaps", {"labelSelector": "app", "limit": "3"})
        assert len(page["items"]) == 3 and page["metadata"]["continue"]
        assert "remainingItemCount" not in page["metadata"]

        for bad in (
            {"labelSelector": "app in (x"},
            {"labelSelector": "a b"},
            {"fieldSelector": "spec.foo=1"},
        ):
            status, body, _ = raw(api, "/api/v1/configmaps", bad)
            assert status == 400 and body["reason"] == "BadRequest", bad


def test_limit_cap_and_empty_lists(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(12), max_limit=5) as emu:
        api = client_for(emu, tmp_path)
        _status, body, _ = raw(api, "/api/v1/namespaces/default/configmaps", {"limit": "100"})
        assert len(body["items"]) == 5 and body["metadata"]["remainingItemCount"] == 7
        items, metas = list_all(api, "/api/v1/configmaps", limit=50)
        assert len(items) == 12 and len(metas) == 3
        # No limit asked: no paging, like a real server.
        assert len(raw(api, "/api/v1/configmaps")[1]["items"]) == 12
        status, body, _ = raw(api, "/apis/apps/v1/namespaces/default/deployments")
        assert (status, body["kind"], body["items"]) == (200, "DeploymentList", [])


# -- discovery ----------------------------------------------------------------------------


def test_discovery_documents(tmp_path: Path) -> None:
    with KubeEmulator(real_live_objects()) as emu:
        api = client_for(emu, tmp_path)
        _s, versions, headers = raw(api, "/api")
        assert versions["kind"] == "APIVersions" and versions["versions"] == ["v1"]
        assert headers["Content-Type"] == "application/json"

        _s, core, _ = raw(api, "/api/v1")
        configmaps_entry = next(r for r in core["resources"] if r["name"] == "configmaps")
        assert configmaps_entry["shortNames"] == ["cm"] and configmaps_entry["namespaced"]
        assert {"get", "list", "patch"} <= set(configmaps_entry["verbs"])

        _s, groups, _ = raw(api, "/apis")
        by_name = {g["name"]: g for g in groups["groups"]}
        assert by_name["autoscaling"]["preferredVersion"]["version"] == "v2"
        assert [v["version"] for v in by_name["autoscaling"]["versions"]] == ["v2", "v1"]
        assert by_name["argoproj.io"]["preferredVersion"]["groupVersion"] == "argoproj.io/v1alpha1"

        _s, apps, _ = raw(api, "/apis/apps/v1")
        names = {r["name"]: r for r in apps["resources"]}
        assert names["deployments"]["shortNames"] == ["deploy"]
        assert names["deployments/scale"]["kind"] == "Scale"
        _s, custom, _ = raw(api, "/apis/argoproj.io/v1alpha1")
        assert [r["name"] for r in custom["resources"]] == [
            "rollouts",
            "rollouts/status",
            "rollouts/scale",
        ]

        _s, version, _ = raw(api, "/version")
        assert version["gitVersion"] == "v1.32.0"


def test_served_kinds_simulates_a_missing_crd(tmp_path: Path) -> None:
    objects = real_live_objects()
    with KubeEmulator(
        objects, served_kinds=["ConfigMap", "Deployment.apps", "CustomResourceDefinition"]
    ) as emu:
        api = client_for(emu, tmp_path)
        _s, groups, _ = raw(api, "/apis")
        assert {g["name"] for g in groups["groups"]} == {"apps", "apiextensions.k8s.io"}
        status, body, _ = raw(api, "/apis/argoproj.io/v1alpha1/rollouts")
        assert status == 404 and body["reason"] == "NotFound"
        status, _body, _ = raw(api, "/apis/apps/v1/statefulsets")
        assert status == 404


def test_objects_added_and_removed_at_runtime(tmp_path: Path) -> None:
    crd, rollout = (
        yaml.safe_load((DATA / f).read_text())
        for f in ("rollouts-crd.yaml", "argo-cd-rollout-healthy.yaml")
    )
    # A raw API list body (items without apiVersion/kind) loads like kubectl output does.
    raw_list = {"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "a"}}]}
    with KubeEmulator([raw_list]) as emu:
        api = client_for(emu, tmp_path)
        path = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts"
        assert raw(api, path)[0] == 404
        emu.add(crd)
        emu.add(rollout)
        status, listed, _ = raw(api, path)
        assert status == 200 and [i["metadata"]["name"] for i in listed["items"]] == [
            "guestbook-canary"
        ]
        emu.add({"apiVersion": "v1", "kind": "List", "items": configmaps(3)})
        names = [
            i["metadata"]["name"]
            for i in raw(api, "/api/v1/namespaces/default/configmaps")[1]["items"]
        ]
        assert names == ["a", "cm-00000", "cm-00001", "cm-00002"]
        assert emu.remove("", "ConfigMap", "a", "default")
        assert [o["metadata"]["name"] for o in emu.objects("", "ConfigMap")] == names[1:]


def test_served_kinds_can_add_types_without_a_crd(tmp_path: Path) -> None:
    pod_metrics = ResourceType(
        "metrics.k8s.io", ("v1beta1",), "PodMetrics", "pods", namespaced=True
    )
    sample = {
        "apiVersion": "metrics.k8s.io/v1beta1",
        "kind": "PodMetrics",
        "metadata": {"name": "p", "namespace": "x"},
    }
    with KubeEmulator([sample], served_kinds=["Pod", pod_metrics]) as emu:
        api = client_for(emu, tmp_path)
        _s, groups, _ = raw(api, "/apis")
        assert [g["name"] for g in groups["groups"]] == ["metrics.k8s.io"]
        status, listed, _ = raw(api, "/apis/metrics.k8s.io/v1beta1/pods")
        assert (status, listed["kind"], len(listed["items"])) == (200, "PodMetricsList", 1)


def test_loading_leaves_the_callers_objects_alone() -> None:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns", "namespace": "x"}},
    ]
    before = copy.deepcopy(objects)
    emu = KubeEmulator(objects)
    assert objects == before
    (stored,) = emu.objects("", "ConfigMap")
    # What a real server always sets is filled in; cluster-scoped objects lose a namespace.
    assert stored["metadata"]["namespace"] == "default"
    assert {"uid", "resourceVersion", "creationTimestamp"} <= set(stored["metadata"])
    assert "namespace" not in emu.objects("", "Namespace")[0]["metadata"]


def test_unknown_kind_is_rejected_at_load() -> None:
    rollout = yaml.safe_load((DATA / "argo-cd-rollout-healthy.yaml").read_text())
    with pytest.raises(ValueError, match="'Rollout'"):
        KubeEmulator([rollout])  # its CRD is not among the objects


# -- errors and faults --------------------------------------------------------------------


def test_not_found_and_other_errors_have_real_status_bodies(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path)
        status, body, _ = raw(api, "/api/v1/namespaces/default/configmaps/x")
        assert status == 404
        assert body == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'configmaps "x" not found',
            "reason": "NotFound",
            "details": {"name": "x", "kind": "configmaps"},
            "code": 404,
        }
        status, body, _ = raw(api, "/apis/apps/v1/namespaces/default/deployments/web")
        assert body["message"] == 'deployments.apps "web" not found'
        assert body["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
        status, body, _ = raw(api, "/apis/nope.example.com/v1/things")
        assert status == 404 and "/apis/nope.example.com/v1/things" in body["message"]
        status, body, _ = raw(
            api, "/api/v1/namespaces/default/configmaps/cm-00000", method="DELETE"
        )
        assert (status, body["reason"]) == (405, "MethodNotAllowed")
        assert "writes only through PATCH" in body["message"]


def test_forbidden_fault_raises_api_exception(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(2)) as emu:
        api = client_for(emu, tmp_path)
        emu.inject(Fault(status=403, path_regex=r"/configmaps$", times=1))
        with pytest.raises(ApiException) as raised:
            CoreV1Api(api).list_namespaced_config_map("default")
        assert raised.value.status == 403
        body = json.loads(raised.value.body)
        assert body["reason"] == "Forbidden" and body["code"] == 403
        assert body["message"] == (
            'configmaps is forbidden: User "system:serviceaccount:ci:drift" cannot list resource '
            '"configmaps" in API group "" in the namespace "default"'
        )
        # times=1: the next request goes through.
        assert len(CoreV1Api(api).list_namespaced_config_map("default").items) == 2
        assert [r.status for r in emu.requests] == [403, 200]

        emu.inject(Fault(status=403, method="GET", path_regex="/apis/apps/v1/deployments"))
        _status, body, _ = raw(api, "/apis/apps/v1/deployments")
        assert body["message"] == (
            'deployments.apps is forbidden: User "system:serviceaccount:ci:drift" cannot list '
            'resource "deployments" in API group "apps" at the cluster scope'
        )


def test_expired_continue_token(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(5)) as emu:
        api = client_for(emu, tmp_path)
        first = CoreV1Api(api).list_namespaced_config_map("default", limit=2)
        emu.inject(Fault(status=410, path_regex="continue=", times=1))
        with pytest.raises(ApiException) as raised:
            CoreV1Api(api).list_namespaced_config_map(
                "default", limit=2, _continue=first.metadata._continue
            )
        body = json.loads(raised.value.body)
        assert (raised.value.status, body["reason"], body["message"]) == (
            410,
            "Expired",
            EXPIRED_MESSAGE,
        )

        # Without a fault: compaction makes tokens issued before it expire.
        emu.expire_continue_tokens()
        status, body, _ = raw(
            api,
            "/api/v1/namespaces/default/configmaps",
            {"limit": "2", "continue": first.metadata._continue},
        )
        assert (status, body["reason"], body["message"]) == (
            410,
            "Expired",
            EXPIRED_WITH_TOKEN_MESSAGE,
        )
        # Like etcd3 storage, the Status offers a token for the (inconsistent) remainder.
        status, rest, _ = raw(
            api,
            "/api/v1/namespaces/default/configmaps",
            {"limit": "10", "continue": body["metadata"]["continue"]},
        )
        assert status == 200
        assert [i["metadata"]["name"] for i in rest["items"]] == [
            "cm-00002",
            "cm-00003",
            "cm-00004",
        ]
        status, body, _ = raw(
            api, "/api/v1/namespaces/default/configmaps", {"limit": "2", "continue": "%%%"}
        )
        assert (status, body["reason"]) == (400, "BadRequest")


@pytest.mark.parametrize(("retry_after", "header"), [(None, "1"), (0, "0"), (7, "7")])
def test_too_many_requests_has_retry_after(
    tmp_path: Path, retry_after: int | None, header: str
) -> None:
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path, retries=False)
        emu.inject(Fault(status=429, retry_after=retry_after, times=1))
        status, body, headers = raw(api, "/api/v1/configmaps")
        assert (status, body["reason"], headers["Retry-After"]) == (429, "TooManyRequests", header)
        assert body["details"]["retryAfterSeconds"] == int(header)
        assert raw(api, "/api/v1/configmaps")[0] == 200


def test_default_client_retries_429_by_itself(tmp_path: Path) -> None:
    """Worth knowing for the live reader: urllib3's default Retry honours Retry-After on 429
    and 503, so a client without `retries` configured never sees a single 429."""
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path)
        emu.inject(Fault(status=429, retry_after=0, times=2))
        assert raw(api, "/api/v1/configmaps")[0] == 200
        assert [r.status for r in emu.requests] == [429, 429, 200]


@pytest.mark.parametrize(
    ("code", "reason"), [(500, "InternalError"), (503, "ServiceUnavailable"), (404, "NotFound")]
)
def test_server_error_faults(tmp_path: Path, code: int, reason: str) -> None:
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path)
        emu.inject(Fault(status=code, path_regex="cm-00000"))
        status, body, _ = raw(api, "/api/v1/namespaces/default/configmaps/cm-00000")
        assert (status, body["reason"], body["code"]) == (code, reason, code)
        assert raw(api, "/api/v1/namespaces/default/configmaps")[0] == 200


def test_dropped_connection_is_a_connection_error(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path, retries=False)
        emu.inject(Fault(drop=True, path_regex="/configmaps"))
        with pytest.raises(urllib3.exceptions.HTTPError):
            raw(api, "/api/v1/configmaps")
        assert [r.status for r in emu.requests] == [0]
        assert raw(api, "/api/v1")[0] == 200


def test_hang_times_out_the_client_and_latency_delays(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path, retries=False)
        emu.inject(Fault(hang=5, times=1, path_regex="/configmaps"))
        started = time.monotonic()
        with pytest.raises(urllib3.exceptions.HTTPError):
            CoreV1Api(api).list_config_map_for_all_namespaces(_request_timeout=0.3)
        assert time.monotonic() - started < 3

        emu.latency = 0.05
        emu.inject(Fault(latency=0.4, path_regex="/api/v1$"))
        started = time.monotonic()
        raw(api, "/api")
        assert 0.05 <= time.monotonic() - started < 0.4  # the fault's latency is not for /api
        started = time.monotonic()
        raw(api, "/api/v1")
        assert time.monotonic() - started >= 0.45
    # Leaving the block did not wait for the hung request to finish its 5 seconds.


def test_token_is_required(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(1), token="s3cret") as emu:
        anonymous = client_for(emu, tmp_path, "anonymous", token=None)
        with pytest.raises(ApiException) as raised:
            CoreV1Api(anonymous).list_namespaced_config_map("default")
        assert raised.value.status == 401
        assert json.loads(raised.value.body)["reason"] == "Unauthorized"
        wrong = client_for(emu, tmp_path, "wrong", token="nope")
        assert raw(wrong, "/version")[0] == 401
        good = client_for(emu, tmp_path)
        assert len(CoreV1Api(good).list_namespaced_config_map("default").items) == 1


def test_tls_verifies_with_the_ca_only(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(1), tls=True, token="t") as emu:
        assert emu.url.startswith("https://127.0.0.1:") and emu.ca_file
        assert Path(emu.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")
        trusted = client_for(emu, tmp_path)
        assert raw(trusted, "/api/v1/namespaces/default/configmaps")[0] == 200
        untrusted = client_for(emu, tmp_path, "no-ca", retries=False, certificate_authority=False)
        with pytest.raises((ApiException, urllib3.exceptions.HTTPError)) as raised:
            raw(untrusted, "/api/v1/namespaces/default/configmaps")
        assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
        insecure = client_for(emu, tmp_path, "insecure", insecure=True)
        with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
            assert raw(insecure, "/version")[0] == 200
    assert emu.ca_file is None  # the temporary CA is gone with the server


def test_requests_are_recorded_and_reset(tmp_path: Path) -> None:
    with KubeEmulator(configmaps(1)) as emu:
        api = client_for(emu, tmp_path)
        raw(api, "/api/v1/configmaps", {"labelSelector": "a=b"})
        assert emu.requests == [
            RequestRecord("GET", "/api/v1/configmaps", {"labelSelector": "a=b"}, 200)
        ]
        emu.reset_requests()
        assert emu.requests == []


def test_keep_alive_serves_many_requests_on_one_connection() -> None:
    with KubeEmulator(configmaps(3)) as emu:
        connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
        sockets = set()
        for _ in range(20):
            connection.request("GET", "/api/v1/namespaces/default/configmaps/cm-00001")
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["kind"] == "ConfigMap"
            sockets.add(id(connection.sock))
        assert len(sockets) == 1
        connection.close()


def test_head_and_chunked_bodies_keep_the_connection_in_sync() -> None:
    with KubeEmulator(configmaps(1)) as emu:
        connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
        connection.request("HEAD", "/api/v1/namespaces/default/configmaps/cm-00000")
        response = connection.getresponse()
        assert response.status == 405 and response.read() == b""
        body = json.dumps(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-00000"}}
        )
        connection.request(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/cm-00000?dryRun=All&fieldManager=t",
            body=iter([body[:10].encode(), body[10:].encode()]),  # sent chunked
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["data"] == {"index": "0"}
        connection.request("GET", "/version")
        assert connection.getresponse().status == 200
        connection.close()


def test_parallel_clients(tmp_path: Path) -> None:
    objects = [o for ns in ("a", "b", "c", "d") for o in configmaps(500, namespace=ns)]
    with KubeEmulator(objects, latency=0.01) as emu:
        api = client_for(emu, tmp_path)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(
                pool.map(
                    lambda ns: list_all(api, f"/api/v1/namespaces/{ns}/configmaps", limit=50)[0],
                    "abcdabcd",
                )
            )
        assert [len(r) for r in results] == [500] * 8
        assert len(emu.requests) == 80 and {r.status for r in emu.requests} == {200}


# -- dry-run server-side apply ------------------------------------------------------------


def apply(api: ApiClient, path: str, body: dict[str, Any], **query: str) -> tuple[int, Any]:
    params = {"dryRun": "All", "fieldManager": "drift", "force": "true", **query}
    status, result, _ = raw(
        api,
        path,
        {k: v for k, v in params.items() if v},
        method="PATCH",
        headers={"Content-Type": "application/apply-patch+yaml"},
        body=json.dumps(body),
    )
    return status, result


def test_dry_run_apply_merges_runs_hooks_and_does_not_persist(tmp_path: Path) -> None:
    live = deployment("web", team="a")
    with KubeEmulator([live]) as emu:

        @emu.on_apply
        def inject_sidecar_default(obj: dict[str, Any]) -> dict[str, Any]:
            for container in obj["spec"]["template"]["spec"]["containers"]:
                container.setdefault("imagePullPolicy", "IfNotPresent")
            return obj

        api = client_for(emu, tmp_path)
        path = "/apis/apps/v1/namespaces/default/deployments/web"
        before = raw(api, path)[1]
        applied = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"env": "prod"}},
            "spec": {
                "replicas": 5,
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": "app:2",
                                "env": [{"name": "B", "value": "changed"}],
                                "ports": [{"containerPort": 8080}, {"containerPort": 9090}],
                            }
                        ]
                    }
                },
            },
            "status": {"replicas": 99},
        }
        status, result = apply(api, path, applied)
        assert status == 200, result
        assert result["metadata"]["labels"] == {"team": "a", "env": "prod"}
        assert result["spec"]["replicas"] == 5
        app, sidecar = result["spec"]["template"]["spec"]["containers"]
        assert app["image"] == "app:2"
        assert sidecar == {"name": "sidecar", "image": "proxy:1", "imagePullPolicy": "IfNotPresent"}
        assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "changed"}]
        assert app["ports"] == [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9090}]
        assert app["imagePullPolicy"] == "IfNotPresent"
        # Status is not written through the main resource.
        assert result["status"] == {"replicas": 2}
        for field in ("uid", "resourceVersion", "creationTimestamp"):
            assert result["metadata"][field] == before["metadata"][field]
        assert result["metadata"]["generation"] == 4
        (entry,) = result["metadata"]["managedFields"]
        assert (entry["manager"], entry["operation"]) == ("drift", "Apply")
        assert "f:replicas" in entry["fieldsV1"]["f:spec"]
        containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
        assert list(containers) == ['k:{"name":"app"}']

        assert raw(api, path)[1] == before  # nothing persisted
        assert emu.objects("apps", "Deployment")[0]["spec"]["replicas"] == 2


def test_dry_run_apply_of_a_new_object_and_refusals(tmp_path: Path) -> None:
    with KubeEmulator([]) as emu:
        api = client_for(emu, tmp_path)
        path = "/api/v1/namespaces/default/configmaps/new"
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "new"},
            "data": {"k": "v"},
        }
        status, result = apply(api, path, body)
        assert status == 201
        assert result["metadata"]["namespace"] == "default" and result["metadata"]["uid"]
        assert result["data"] == {"k": "v"}
        assert raw(api, path)[0] == 404

        status, result, _ = raw(
            api,
            path,
            {"dryRun": "All", "fieldManager": "x"},
            method="PATCH",
            headers={"Content-Type": "application/xml"},
            body=json.dumps(body),
        )
        assert (status, result["reason"]) == (415, "UnsupportedMediaType")
        status, result, _ = raw(
            api,
            path,
            {"fieldManager": "x"},
            method="PATCH",
            headers={"Content-Type": "application/merge-patch+json"},
            body=json.dumps(body),
        )
        assert (status, result["reason"]) == (404, "NotFound")  # only apply creates
        status, result = apply(api, path, {**body, "metadata": {"name": "other"}})
        assert (status, result["reason"]) == (400, "BadRequest")


# -- real live objects ----------------------------------------------------------------------


def test_real_live_objects_are_served(tmp_path: Path) -> None:
    with KubeEmulator(real_live_objects()) as emu:
        api = client_for(emu, tmp_path)
        deployments, _ = list_all(api, "/apis/apps/v1/deployments", limit=1)
        assert [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in deployments] == [
            ("default", "foo"),
            ("kube-system", "coredns"),
        ]
        assert deployments[0]["metadata"]["managedFields"]  # served as dumped

        # One stored HPA, served at both versions of autoscaling.
        for version in ("v2", "v1"):
            _s, hpa, _ = raw(
                api,
                f"/apis/autoscaling/{version}/namespaces/default/horizontalpodautoscalers/sample",
            )
            assert hpa["apiVersion"] == f"autoscaling/{version}"
            assert hpa["kind"] == "HorizontalPodAutoscaler"

        # Unquoted YAML timestamps come back as RFC 3339 strings, like the API sends them.
        _s, sts, _ = raw(api, "/apis/apps/v1/namespaces/default/statefulsets/redis-master")
        assert sts["metadata"]["creationTimestamp"] == "2018-07-20T08:23:04Z"
        assert sts["metadata"]["resourceVersion"] == "514251"

        _s, rollouts, _ = raw(api, "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts")
        assert [r["metadata"]["name"] for r in rollouts["items"]] == ["guestbook-canary"]
        _s, scale, _ = raw(api, "/apis/apps/v1/namespaces/default/deployments/foo/scale")
        assert (scale["kind"], scale["spec"]["replicas"], scale["status"]["replicas"]) == (
            "Scale",
            2,
            2,
        )
        assert len(emu.objects("", "Pod")) == 1


# -- scale ----------------------------------------------------------------------------------


def test_ten_thousand_objects_page_quickly(tmp_path: Path) -> None:
    objects = [obj for ns in range(10) for obj in configmaps(1000, namespace=f"ns-{ns}")]
    started = time.monotonic()
    emu = KubeEmulator(objects)
    load_seconds = time.monotonic() - started
    with emu:
        api = client_for(emu, tmp_path)
        started = time.monotonic()
        items, metas = list_all(api, "/api/v1/configmaps", limit=500)
        list_seconds = time.monotonic() - started
        assert len(items) == 10_000 and len(metas) == 20
        _s, page, _ = raw(api, "/api/v1/namespaces/ns-7/configmaps", {"limit": "10"})
        assert page["items"][0]["metadata"]["name"] == "cm-00000"
        assert page["metadata"]["remainingItemCount"] == 990
    assert load_seconds < 5 and list_seconds < 5, (load_seconds, list_seconds)


# -- the real kubectl -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubectl_cluster(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[KubeEmulator, Path]]:
    """One TLS + token emulator for all kubectl tests, so discovery is cached once.
    (kubectl sends bearer tokens only over TLS, like every client-go program.)"""
    objects = [
        *real_live_objects(),
        *configmaps(3, app="x"),
        *configmaps(2, app="y", namespace="ops"),
        deployment("web"),
    ]
    with KubeEmulator(objects, token="kubectl-token", tls=True) as emu:
        home = tmp_path_factory.mktemp("kubectl")
        yield emu, emu.write_kubeconfig(home / "config", namespace="default")


def kubectl(cluster: tuple[KubeEmulator, Path], *args: str) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    _emu, kubeconfig = cluster
    home = kubeconfig.parent
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env.update(HOME=str(home), KUBECACHEDIR=str(home / "cache"))
    command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(home / "cache"), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)


@needs_kubectl
def test_kubectl_get_configmaps_json(kubectl_cluster: tuple[KubeEmulator, Path]) -> None:
    result = kubectl(kubectl_cluster, "get", "configmaps", "-n", "default", "-o", "json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["cm-00000", "cm-00001", "cm-00002"]
    assert all(i["apiVersion"] == "v1" and i["kind"] == "ConfigMap" for i in listed["items"])


@needs_kubectl
def test_kubectl_get_deployments_all_namespaces(kubectl_cluster: tuple[KubeEmulator, Path]) -> None:
    emu, _ = kubectl_cluster
    emu.reset_requests()
    result = kubectl(kubectl_cluster, "get", "deployments", "-A", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "deployment.apps/foo",
        "deployment.apps/web",
        "deployment.apps/coredns",
    ]
    listing = [r for r in emu.requests if r.path == "/apis/apps/v1/deployments"]
    assert listing and listing[0].query["limit"] == "500"  # kubectl pages by 500


@needs_kubectl
def test_kubectl_get_custom_resources(kubectl_cluster: tuple[KubeEmulator, Path]) -> None:
    result = kubectl(kubectl_cluster, "get", "rollouts", "-o", "json")
    assert result.returncode == 0, result.stderr
    (rollout,) = json.loads(result.stdout)["items"]
    assert (rollout["apiVersion"], rollout["kind"]) == ("argoproj.io/v1alpha1", "Rollout")
    short = kubectl(kubectl_cluster, "get", "ro", "guestbook-canary", "-o", "name")
    assert short.stdout.strip() == "rollout.argoproj.io/guestbook-canary", short.stderr


@needs_kubectl
def test_kubectl_label_selector_and_table_output(
    kubectl_cluster: tuple[KubeEmulator, Path],
) -> None:
    result = kubectl(kubectl_cluster, "get", "configmaps", "-A", "-l", "app=y")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "AGE"]
    assert [line.split()[:2] for line in lines[1:]] == [["ops", "cm-00000"], ["ops", "cm-00001"]]


@needs_kubectl
def test_kubectl_not_found_message(kubectl_cluster: tuple[KubeEmulator, Path]) -> None:
    result = kubectl(kubectl_cluster, "get", "configmap", "missing")
    assert result.returncode == 1
    assert 'Error from server (NotFound): configmaps "missing" not found' in result.stderr


@needs_kubectl
def test_kubectl_server_side_dry_run_apply(
    kubectl_cluster: tuple[KubeEmulator, Path], tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    applied = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"new": "yes"}},
        "spec": {"replicas": 4},
    }
    manifest.write_text(yaml.safe_dump(applied))
    result = kubectl(
        kubectl_cluster,
        "apply",
        "--server-side",
        "--dry-run=server",
        "-f",
        str(manifest),
        "-o",
        "json",
    )
    assert result.returncode == 0, result.stderr
    predicted = json.loads(result.stdout)
    assert predicted["spec"]["replicas"] == 4 and predicted["metadata"]["labels"] == {"new": "yes"}
    # Merged with the live object:
    assert predicted["spec"]["template"]["spec"]["containers"][0]["name"] == "app"
    again = kubectl(kubectl_cluster, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}")
    assert again.stdout == "2"  # dry run: not persisted

    diff = kubectl(kubectl_cluster, "diff", "--server-side", "-f", str(manifest))
    assert diff.returncode == 1, diff.stderr  # 1: differences found
    assert "-  replicas: 2" in diff.stdout and "+  replicas: 4" in diff.stdout


@needs_kubectl
def test_kubectl_sends_no_token_over_plain_http(tmp_path: Path) -> None:
    """client-go drops bearer tokens on http:// servers, so kubectl plus `token` needs
    tls=True (the Python client does send the token over http)."""
    with KubeEmulator(configmaps(1), token="t") as emu:
        cluster = (emu, emu.write_kubeconfig(tmp_path / "config"))
        result = kubectl(cluster, "get", "configmaps", "-o", "name")
        assert result.returncode == 1 and "You must be logged in to the server" in result.stderr
        assert {r.status for r in emu.requests} == {401}
