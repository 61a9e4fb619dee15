from __future__ import annotations

import base64
from typing import Any

import yaml

from drift_action.compare.verdicts import REDACTED, Settings, compare
from drift_action.core.identity import canonical_group
from drift_action.core.model import Change, ChangeType, KubeObject, ResourceKey, SourceLocation
from drift_action.live.quantity import parse_quantity


def obj(text: str) -> KubeObject:
    body: dict[str, Any] = yaml.safe_load(text)
    meta = body["metadata"]
    key = ResourceKey(
        canonical_group(body["apiVersion"], body["kind"]),
        body["kind"],
        meta.get("namespace", "default"),
        meta["name"],
    )
    return KubeObject(key, body["apiVersion"], body, SourceLocation("x.yaml", 1))


def diff_objects(desired: KubeObject, live: KubeObject) -> tuple[Change, ...]:
    report = compare([desired], [live], settings=Settings(parse_quantity=parse_quantity))
    return report.resources[0].changes


def changes(desired: str, live: str) -> dict[str, tuple[Any, Any]]:
    return {c.path_text: (c.desired, c.live) for c in diff_objects(obj(desired), obj(live))}


DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 3
  template:
    metadata: {creationTimestamp: null, labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        args: [--port, "8080"]
        ports: [{containerPort: 8080}]
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
        volumeMounts:
        - {name: config, mountPath: /etc/a, subPath: a}
        - {name: config, mountPath: /etc/b, subPath: b}
      - name: sidecar
        image: envoy:1
"""

LIVE = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  uid: 7a2b
  resourceVersion: "123"
  generation: 4
  creationTimestamp: "2026-01-01T00:00:00Z"
  annotations:
    deployment.kubernetes.io/revision: "4"
    kubectl.kubernetes.io/last-applied-configuration: '{"spec":{"replicas":99}}'
  managedFields: [{manager: kubectl, operation: Update}]
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  template:
    metadata: {labels: {app: web}}
    spec:
      dnsPolicy: ClusterFirst
      containers:
      - name: sidecar
        image: envoy:1
        imagePullPolicy: IfNotPresent
      - name: web
        image: nginx:1.25
        args: [--port, "8080"]
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080, protocol: TCP}]
        env: [{name: B, value: "2"}, {name: A, value: "1"}]
        volumeMounts:
        - {name: config, mountPath: /etc/b, subPath: b}
        - {name: config, mountPath: /etc/a, subPath: a}
      - name: injected-by-a-webhook
        image: proxy:1
status: {replicas: 3, readyReplicas: 1}
"""


def test_server_defaults_status_metadata_and_order_are_not_drift() -> None:
    assert changes(DEPLOY, LIVE) == {}


def test_scalar_changes_inside_keyed_lists_name_the_item() -> None:
    live = LIVE.replace("image: nginx:1.25", "image: nginx:1.26").replace(
        'value: "1"', 'value: "9"'
    )
    assert changes(DEPLOY, live) == {
        "spec.template.spec.containers[name=web].image": ("nginx:1.25", "nginx:1.26"),
        "spec.template.spec.containers[name=web].env[name=A].value": ("1", "9"),
    }


def test_replicas_change_is_reported_with_both_values() -> None:
    (change,) = diff_objects(
        obj(DEPLOY), obj(LIVE.replace("replicas: 3\n  prog", "replicas: 5\n  prog"))
    )
    assert (change.path_text, change.type, change.desired, change.live) == (
        "spec.replicas",
        ChangeType.CHANGED,
        3,
        5,
    )


def test_a_desired_item_absent_from_live_is_missing() -> None:
    live = LIVE.replace(
        "      - name: sidecar\n        image: envoy:1\n        imagePullPolicy: IfNotPresent\n", ""
    )
    (change,) = diff_objects(obj(DEPLOY), obj(live))
    assert change.path_text == "spec.template.spec.containers[name=sidecar]"
    assert change.type is ChangeType.MISSING
    assert change.desired == {"name": "sidecar", "image": "envoy:1"}
    assert change.live is None


def test_volume_mounts_are_keyed_by_mount_path() -> None:
    live = LIVE.replace("mountPath: /etc/b, subPath: b", "mountPath: /etc/b, subPath: c")
    assert changes(DEPLOY, live) == {
        "spec.template.spec.containers[name=web].volumeMounts[mountPath=/etc/b].subPath": ("b", "c")
    }


def test_atomic_lists_compare_whole() -> None:
    live = LIVE.replace('args: [--port, "8080"]', 'args: ["8080", --port]')
    assert changes(DEPLOY, live) == {
        "spec.template.spec.containers[name=web].args": (["--port", "8080"], ["8080", "--port"])
    }


def test_labels_with_dots_are_quoted_in_paths() -> None:
    desired = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app.kubernetes.io/name: a}\n"
    live = desired.replace("name: a}", "name: b}")
    assert changes(desired, live) == {'metadata.labels["app.kubernetes.io/name"]': ("a", "b")}


SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: dns, port: 53, protocol: UDP}
"""


def test_service_ports_match_on_port_and_default_protocol() -> None:
    live = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.0.0.1
  type: ClusterIP
  selector: {app: web}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: http, port: 80, protocol: TCP, targetPort: 9090}
"""
    assert changes(SERVICE, live) == {"spec.ports[port=80,protocol=TCP].targetPort": (8080, 9090)}


def test_list_items_without_merge_key_compare_by_position_with_defaults_allowed() -> None:
    desired = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
"""
    same_with_default = desired.replace("verbs: [get]}", "verbs: [get], resourceNames: []}")
    assert changes(desired, same_with_default) == {}
    widened = desired.replace("verbs: [get]", "verbs: [get, delete]")
    # Role's rules are atomic in the schema: one change at the list's path (issue 17).
    rule = {"apiGroups": [""], "resources": ["pods"]}
    assert changes(desired, widened) == {
        "rules": ([{**rule, "verbs": ["get"]}], [{**rule, "verbs": ["get", "delete"]}])
    }
    extra_rule = desired + "- {apiGroups: [''], resources: [secrets], verbs: [get]}\n"
    assert list(changes(desired, extra_rule)) == ["rules"]


def test_null_and_empty_desired_values_match_absent_live_fields() -> None:
    desired = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {}}\ndata: {a: b}\nbinaryData: null\n"
    live = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"
    assert changes(desired, live) == {}


def test_version_differences_are_not_drift() -> None:
    desired = DEPLOY.replace("apps/v1", "apps/v1beta2")
    assert changes(desired, LIVE) == {}


def secret(data: str) -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ntype: Opaque\n{data}\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_secret_string_data_compares_with_live_data() -> None:
    desired = secret("stringData: {password: hunter2, user: admin}")
    live = secret(f"data: {{password: {b64('hunter2')}, user: {b64('admin')}}}")
    assert changes(desired, live) == {}


def test_secret_changes_name_keys_and_hide_values() -> None:
    desired = secret(f"data: {{password: {b64('hunter2')}, token: {b64('abc')}}}")
    live = secret(f"data: {{password: {b64('swordfish')}}}")
    found = diff_objects(obj(desired), obj(live))
    assert {(c.path_text, c.type, c.desired, c.live, c.redacted) for c in found} == {
        ("data.password", ChangeType.CHANGED, REDACTED, REDACTED, True),
        ("data.token", ChangeType.MISSING, REDACTED, None, True),
    }


def test_secret_without_live_data_lists_each_missing_key() -> None:
    desired = secret("stringData: {a: '1', b: '2'}")
    found = diff_objects(obj(desired), obj(secret("")))
    assert sorted(c.path_text for c in found) == ["data.a", "data.b"]
    assert all(c.redacted and c.desired == REDACTED for c in found)
