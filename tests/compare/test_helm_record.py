"""Helm's release record as the last-applied state, and "removed in Git" from Helm's Update entry.

The chart is helm/examples' hello-world (tests/data/charts). Its previous version, as the cluster
still has it, carried a `tier` label and `minReadySeconds`; the release Secret holding that
revision is built as Helm's storage driver builds it (JSON, gzip, base64, then the Secret's own
base64). The live Deployment also has what the API server fills in at creation, owned by Helm's
`Update` entry: none of it may show as drift.
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA, run_cli

from drift_action.compare.helm_record import MAX_DECODED, MAX_ENCODED, applied_by_helm, decode
from drift_action.compare.verdicts import compare
from drift_action.core.model import ChangeType, KubeObject, ResourceKey, SourceLocation, Status
from drift_action.sources import HelmSpec, render

HELLO_WORLD = DATA / "charts" / "helm__examples" / "charts" / "hello-world"
RELEASE = "hello"
NAME = "hello-hello-world"
SECRET = f"sh.helm.release.v1.{RELEASE}.v2"
PRIVATE = "s3cr3t-value-never-printed"
# What the API server adds to a Deployment it creates (recorded under the creator's entry).
SERVER_DEFAULTS: dict[str, Any] = {
    "progressDeadlineSeconds": 600,
    "revisionHistoryLimit": 10,
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
}
CONTAINER_DEFAULTS = {"terminationMessagePath": "/dev/termination-log", "resources": {}}


def old_chart(tmp_path: Path) -> Path:
    """hello-world as it was: one more label, and minReadySeconds."""
    chart = tmp_path / "old" / "hello-world"
    shutil.copytree(HELLO_WORLD, chart)
    template = chart / "templates" / "deployment.yaml"
    text = template.read_text(encoding="utf-8")
    text = text.replace("| nindent 4 }}\n", "| nindent 4 }}\n    tier: web\n", 1)
    text = text.replace("spec:\n  replicas:", "spec:\n  minReadySeconds: 5\n  replicas:", 1)
    template.write_text(text, encoding="utf-8")
    return chart


def rendered(chart: Path) -> list[dict[str, Any]]:
    docs = render(HelmSpec(str(chart), release=RELEASE)).documents
    return [dict(d.data) for d in docs]


def manifest(objects: list[dict[str, Any]]) -> str:
    return "".join(
        f"---\n# Source: hello-world/templates/x.yaml\n{yaml.safe_dump(o)}" for o in objects
    )


def release_secret(text: bytes, *, revision: int = 2, status: str = "deployed") -> dict[str, Any]:
    """The Secret as `helm upgrade` writes it; `text` is the release (JSON) before encoding."""
    helm_encoded = base64.b64encode(gzip.compress(text))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{RELEASE}.v{revision}",
            "namespace": "default",
            "labels": {
                "owner": "helm",
                "name": RELEASE,
                "status": status,
                "version": str(revision),
            },
        },
        "data": {"release": base64.b64encode(helm_encoded).decode()},
    }


def release_json(objects: list[dict[str, Any]]) -> bytes:
    release = {
        "name": RELEASE,
        "namespace": "default",
        "version": 2,
        "info": {"status": "deployed"},
        "config": {"password": PRIVATE},
        "manifest": manifest(objects),
    }
    return json.dumps(release).encode()


def fields_of(value: Any, key_fields: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A fieldsV1 tree owning every field of `value`: list items by merge key where known."""
    tree: dict[str, Any] = {}
    for name, child in value.items():
        if isinstance(child, dict) and child:
            tree[f"f:{name}"] = {".": {}, **fields_of(child, key_fields)}
        elif isinstance(child, list) and name in key_fields:
            items = {}
            for item in child:
                key = {k: item[k] for k in key_fields[name]}
                items[f"k:{json.dumps(key, separators=(',', ':'))}"] = {
                    ".": {},
                    **fields_of(item, key_fields),
                }
            tree[f"f:{name}"] = {".": {}, **items}
        else:
            tree[f"f:{name}"] = {}
    return tree


KEYS = {"containers": ("name",), "ports": ("containerPort", "protocol")}


def live_deployment(old: dict[str, Any]) -> dict[str, Any]:
    """The Deployment as `helm install` of the old chart left it: defaults and Helm's marks."""
    body = json.loads(json.dumps(old))
    body["spec"].update(SERVER_DEFAULTS)
    for container in body["spec"]["template"]["spec"]["containers"]:
        container.update(CONTAINER_DEFAULTS)
    metadata = body["metadata"]
    metadata["namespace"] = "default"
    metadata["annotations"] = {
        "meta.helm.sh/release-name": RELEASE,
        "meta.helm.sh/release-namespace": "default",
    }
    owned = {k: v for k, v in body.items() if k in ("metadata", "spec")}
    owned["metadata"] = {k: v for k, v in metadata.items() if k in ("labels", "annotations")}
    metadata["managedFields"] = [
        {
            "manager": "helm",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": "2026-01-01T00:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": fields_of(owned, KEYS),
        }
    ]
    return body


def kube(body: dict[str, Any]) -> KubeObject:
    api_version = body["apiVersion"]
    key = ResourceKey(
        api_version.rpartition("/")[0],
        body["kind"],
        body["metadata"].get("namespace", "default"),
        body["metadata"]["name"],
    )
    return KubeObject(key, api_version, body, SourceLocation("test"))


@pytest.fixture(scope="module")
def charts(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("charts")
    return rendered(old_chart(tmp)), rendered(HELLO_WORLD)


def deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "Deployment")


def compared(charts: Any, secret: dict[str, Any] | None) -> Any:
    old, new = charts
    desired = [
        kube(
            {**deployment(new), "metadata": {**deployment(new)["metadata"], "namespace": "default"}}
        )
    ]
    live = [kube(live_deployment(deployment(old)))]
    if secret is not None:
        live.append(kube(secret))
    return compare(desired, live)


def test_the_record_says_what_the_chart_dropped(charts: Any) -> None:
    report = compared(charts, release_secret(release_json(charts[0])))
    [result] = [r for r in report.resources if r.key.kind == "Deployment"]
    assert result.status is Status.DRIFTED
    removed = {c.path_text: c for c in result.changes}
    assert set(removed) == {"metadata.labels.tier", "spec.minReadySeconds"}
    assert all(c.type is ChangeType.REMOVED for c in removed.values())
    notes = {n.path: n for n in result.normalized if n.rule == "helm-release-record"}
    assert set(notes) == {"metadata.labels.tier", "spec.minReadySeconds"}
    assert SECRET in notes["spec.minReadySeconds"].reason
    assert not report.warnings


def test_without_the_record_managed_fields_still_find_the_label(charts: Any) -> None:
    """Helm's Update entry owns the label and the server's defaults alike; a label is never a
    default, minReadySeconds could be one: only the label is reported, with a warning."""
    report = compared(charts, None)
    [result] = report.resources
    assert [(c.path_text, c.type) for c in result.changes] == [
        ("metadata.labels.tier", ChangeType.REMOVED)
    ]
    [warning] = report.warnings
    assert f"sh.helm.release.v1.{RELEASE}.v<N>" in warning


def test_only_the_latest_deployed_revision_counts(charts: Any) -> None:
    """A later failed revision (without the label) does not hide what revision 2 applied."""
    old, new = charts
    failed = release_secret(release_json(new), revision=3, status="failed")
    older = release_secret(release_json(new), revision=1, status="superseded")
    desired = [
        kube(
            {**deployment(new), "metadata": {**deployment(new)["metadata"], "namespace": "default"}}
        )
    ]
    live = [
        kube(live_deployment(deployment(old))),
        kube(release_secret(release_json(old))),
        kube(failed),
        kube(older),
    ]
    applied, warnings = applied_by_helm(desired, live)
    assert not warnings
    [record] = applied.values()
    assert record.secret == f"default/{SECRET}"


def nested(levels: int) -> bytes:
    return b'{"manifest": "", "x": ' + b"[" * levels + b"]" * levels + b"}"


BAD_RECORDS = {
    "not base64": {"release": "%%%" + PRIVATE},
    "too large": {"release": "QUFB" * (MAX_ENCODED // 4 + 1)},
    "not gzip": {
        "release": base64.b64encode(base64.b64encode(b"\x1f\x8b\x08" + PRIVATE.encode())).decode()
    },
    "not JSON": release_secret(PRIVATE.encode())["data"],
    "too deep": release_secret(nested(1000))["data"],
    "a gzip bomb": release_secret(b" " * (MAX_DECODED + 10))["data"],
    "no manifest": release_secret(json.dumps({"config": PRIVATE}).encode())["data"],
    "bad YAML": release_secret(json.dumps({"manifest": f"a: [{PRIVATE}"}).encode())["data"],
}


@pytest.mark.parametrize("problem", sorted(BAD_RECORDS))
def test_a_bad_record_falls_back_with_a_warning_and_no_value(charts: Any, problem: str) -> None:
    secret = release_secret(b"{}")
    secret["data"] = BAD_RECORDS[problem]
    report = compared(charts, secret)
    [warning] = report.warnings
    assert SECRET in warning and "\n" not in warning
    assert PRIVATE not in warning
    [result] = [r for r in report.resources if r.key.kind == "Deployment"]
    assert [c.path_text for c in result.changes] == ["metadata.labels.tier"]


def test_cli_explain_names_the_record_and_never_a_value(charts: Any, tmp_path: Path) -> None:
    old, _ = charts
    live = [live_deployment(deployment(old)), release_secret(release_json(old))]
    snapshot = tmp_path / "live.yaml"
    snapshot.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": live}))
    args = ["--helm-chart", str(HELLO_WORLD), "--release", RELEASE, "--namespace", "default"]
    done = run_cli(*args, "--live-snapshot", str(snapshot), "--explain", "--fail-on", "none")
    assert done.returncode == 0, done.stderr
    assert "helm-release-record" in done.stdout
    # Evidence for a change, not a difference explained away.
    assert "found by (helm-release-record)" in done.stdout
    assert "not drift (helm-release-record)" not in done.stdout
    assert "minReadySeconds" in done.stdout
    assert SECRET in done.stdout
    assert PRIVATE not in done.stdout + done.stderr


def test_the_data_file_is_that_render(charts: Any) -> None:
    """tests/data/helm_record/live.yaml (used against the cluster emulator) is this render."""
    docs = list(yaml.safe_load_all((DATA / "helm_record" / "live.yaml").read_text()))
    [secret] = [kube(d) for d in docs if d["kind"] == "Secret"]
    assert [dict(o) for o in decode(secret).objects] == charts[0]
    assert docs[0] == live_deployment(deployment(charts[0]))


def test_chart_labels_alone_use_a_record_but_miss_none(charts: Any) -> None:
    """`helm template | kubectl apply` and Argo CD leave the chart's labels and no record: no
    warning then; a record that is there is still read."""
    old, new = charts
    desired = [
        kube(
            {**deployment(new), "metadata": {**deployment(new)["metadata"], "namespace": "default"}}
        )
    ]
    body = live_deployment(deployment(old))
    del body["metadata"]["annotations"]
    assert applied_by_helm(desired, [kube(body)]) == ({}, [])
    applied, warnings = applied_by_helm(
        desired, [kube(body), kube(release_secret(release_json(old)))]
    )
    assert list(applied) == [desired[0].key] and not warnings


def test_brackets_inside_strings_do_not_nest() -> None:
    """The nesting limit counts the JSON's structure, not brackets a value holds (a template,
    an escaped quote before them)."""
    deep_text = "[" * 300 + '\\"{' * 300
    release = {"manifest": "", "chart": {"templates": [{"data": deep_text}]}}
    secret = kube(release_secret(json.dumps(release).encode()))
    assert decode(secret).objects == ()


def test_the_record_names_an_object_by_kind_group_and_namespace() -> None:
    """Objects sharing a name in one manifest: each desired object gets its own."""
    objects = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": NAME}, "spec": {"a": 1}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": NAME, "namespace": "other"},
            "spec": {"b": 2},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": NAME},
            "spec": {"c": 3},
        },
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "second"}, "spec": {"d": 4}},
    ]
    record = decode(kube(release_secret(release_json(objects))))
    deployment_key = ResourceKey("apps", "Deployment", "default", NAME)
    assert record.applied(deployment_key) == objects[2]
    assert record.applied(ResourceKey("", "Service", "default", NAME)) == objects[0]
    assert record.applied(ResourceKey("", "Service", "default", "second")) == objects[3]
    assert record.applied(ResourceKey("", "ConfigMap", "default", NAME)) is None


@pytest.mark.parametrize("namespaced", [False, True])
def test_a_record_that_is_git_reports_nothing_removed(charts: Any, namespaced: bool) -> None:
    """The record of the chart Git holds (as rendered, or with the namespace Git adds): nothing
    was dropped since. Helm's entry still owns a label Git lacks: that one is found from it."""
    old, new = charts
    body = deployment(new)
    if namespaced:
        body = {**body, "metadata": {**body["metadata"], "namespace": "default"}}
    live = [kube(live_deployment(deployment(old))), kube(release_secret(release_json(new)))]
    report = compare([kube(body)], live)
    [result] = [r for r in report.resources if r.key.kind == "Deployment"]
    assert [c.path_text for c in result.changes] == ["metadata.labels.tier"]
    assert not [n for n in result.normalized if n.rule == "helm-release-record"]
