"""List semantics from the schema (issue 17): the built-in table generated from Kubernetes' OpenAPI
v3, and custom kinds' CRDs among the manifests or in a live snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA

from drift_action.compare.merge_keys import HAND_TABLE, key_fields, list_rule
from drift_action.core import list_schema
from drift_action.core.model import Report, ResourceResult, Status
from drift_action.pipeline import RunOptions, run
from drift_action.sources.manifests import ManifestsSpec

SCHEMA = DATA / "schema"
GATEWAY = "Gateway shop/edge"


def load(name: str) -> Any:
    return yaml.safe_load((SCHEMA / name).read_text(encoding="utf-8"))


def write(path: Path, *docs: Any) -> Path:
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return path


def compare(tmp_path: Path, desired: list[Any], live: list[Any]) -> Report:
    folder = tmp_path / "git"
    folder.mkdir()
    write(folder / "objects.yaml", *desired)
    snapshot = write(tmp_path / "live.yaml", *live)
    sources = (ManifestsSpec((str(folder),), "shop"),)
    return run(RunOptions(sources, live_snapshots=(str(snapshot),)))


def result(report: Report, key: str = GATEWAY) -> ResourceResult:
    return next(r for r in report.resources if str(r.key) == key)


def paths(found: ResourceResult) -> list[str]:
    return sorted(c.path_text for c in found.changes)


def rules(found: ResourceResult) -> set[tuple[str, str]]:
    return {(n.rule, n.path) for n in found.normalized}


def test_a_crd_list_map_reordered_live_is_in_sync_and_says_why(tmp_path: Path) -> None:
    crd = load("crd.yaml")
    report = compare(tmp_path, [crd, load("gateway.yaml")], [crd, load("gateway-reordered.yaml")])
    found = result(report)
    assert found.status is Status.IN_SYNC, found.changes
    assert ("schema-list-map", "spec.routes") in rules(found)
    assert ("schema-list-set", "spec.hosts") in rules(found)
    assert ("schema-list-set", "spec.routes[name=web,port=80].filters") in rules(found)


def test_a_changed_item_of_a_crd_list_map_is_reported_at_its_key(tmp_path: Path) -> None:
    crd, live = load("crd.yaml"), load("gateway-reordered.yaml")
    live["spec"]["routes"][1]["backend"] = "other-svc"
    found = result(compare(tmp_path, [crd, load("gateway.yaml")], [crd, live]))
    assert found.status is Status.DRIFTED
    assert paths(found) == ["spec.routes[name=web,port=80].backend"]


def test_a_set_missing_an_item_and_an_atomic_list_are_reported_whole(tmp_path: Path) -> None:
    crd, live = load("crd.yaml"), load("gateway-reordered.yaml")
    live["spec"]["hosts"] = ["b.example.com"]
    live["spec"]["weights"][1]["weight"] = 20
    found = result(compare(tmp_path, [crd, load("gateway.yaml")], [crd, live]))
    assert paths(found) == ["spec.hosts", "spec.weights"]
    weights = next(c for c in found.changes if c.path_text == "spec.weights")
    assert weights.live == [
        {"backend": "web-svc", "weight": 90},
        {"backend": "canary", "weight": 20},
    ]


def test_an_atomic_list_reordered_is_drift_and_a_silent_one_keeps_its_position(
    tmp_path: Path,
) -> None:
    crd, live = load("crd.yaml"), load("gateway-reordered.yaml")
    live["spec"]["weights"].reverse()
    live["spec"]["legacy"] = ["y", "x"]
    found = result(compare(tmp_path, [crd, load("gateway.yaml")], [crd, live]))
    assert paths(found) == ["spec.legacy", "spec.weights"]


def test_without_the_crd_the_lists_compare_by_position(tmp_path: Path) -> None:
    report = compare(tmp_path, [load("gateway.yaml")], [load("gateway-reordered.yaml")])
    assert result(report).status is Status.DRIFTED


def test_a_crd_in_the_live_snapshot_teaches_the_same(tmp_path: Path) -> None:
    report = compare(
        tmp_path, [load("gateway.yaml")], [load("crd.yaml"), load("gateway-reordered.yaml")]
    )
    assert result(report).status is Status.IN_SYNC


def test_a_malformed_crd_schema_is_one_warning_naming_the_crd(tmp_path: Path) -> None:
    crd = load("crd.yaml")
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec["properties"]["routes"]["x-kubernetes-list-map-keys"] = "name"  # not a list
    report = compare(tmp_path, [crd, load("gateway.yaml")], [crd, load("gateway-reordered.yaml")])
    warned = [w for w in report.warnings if "openAPIV3Schema" in w]
    assert len(warned) == 1 and "CustomResourceDefinition gateways.example.com" in warned[0]
    assert "\n" not in warned[0] and "Traceback" not in warned[0]
    assert result(report).status is Status.DRIFTED  # by position, as without a schema


def test_a_huge_or_deep_crd_schema_is_refused_with_a_warning() -> None:
    deep: dict[str, Any] = {"type": "object"}
    for _ in range(list_schema.MAX_SCHEMA_DEPTH + 5):
        deep = {"type": "object", "properties": {"a": deep}}
    wide = {
        "type": "object",
        "properties": {f"f{i}": {"type": "string"} for i in range(list_schema.MAX_SCHEMA_NODES)},
    }
    for schema in (deep, wide, "not a schema", {"properties": ["a"]}):
        crd = load("crd.yaml")
        crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = schema
        learned = list_schema.LearnedLists()
        learned.learn_crd(crd, "CustomResourceDefinition gateways.example.com")
        assert learned.kinds == {}
        [warning] = learned.drain_warnings()
        assert warning.startswith("CustomResourceDefinition gateways.example.com: ")


def test_crds_are_forgotten_after_the_run(tmp_path: Path) -> None:
    crd = load("crd.yaml")
    compare(tmp_path, [crd, load("gateway.yaml")], [crd, load("gateway-reordered.yaml")])
    assert list_schema.active() is None
    assert key_fields("Gateway", ("spec", "routes")) is None


def test_builtin_lists_follow_the_generated_table() -> None:
    assert key_fields("Deployment", ("spec", "template", "spec", "containers")) == ("name",)
    ports = ("spec", "template", "spec", "containers", 0, "ports")
    assert key_fields("Deployment", ports) == ("containerPort", "protocol")
    assert key_fields("Service", ("spec", "ports")) == ("port", "protocol")
    tolerations = list_rule("Pod", ("spec", "tolerations"))
    assert tolerations is not None and tolerations.type == "atomic"
    finalizers = list_rule("ConfigMap", ("metadata", "finalizers"))
    assert finalizers is None or finalizers.type == "set"
    assert list_rule("Deployment", ("metadata", "finalizers")) == list_rule(
        "Pod", ("metadata", "finalizers")
    )


def test_the_hand_table_answers_only_where_the_schema_is_silent() -> None:
    # A custom kind the run has no CRD for: the hand table's field names still match.
    rule = list_rule("Rollout", ("spec", "template", "spec", "containers"))
    assert rule is not None and rule.rule == HAND_TABLE and rule.keys == ("name",)
    schema = list_rule("Deployment", ("spec", "template", "spec", "containers"))
    assert schema is not None and schema.rule == "schema-list-map"


def test_a_nodeselector_term_change_is_reported_at_the_atomic_list(tmp_path: Path) -> None:
    def deployment(value: str) -> dict[str, Any]:
        term = {"matchExpressions": [{"key": "tier", "operator": "In", "values": [value]}]}
        affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}
        affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [term]
        }
        pod = {"containers": [{"name": "app", "image": "app:1"}], "affinity": affinity}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"spec": pod}},
        }

    found = result(compare(tmp_path, [deployment("a")], [deployment("b")]), "Deployment shop/web")
    assert paths(found) == [
        "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
        ".nodeSelectorTerms"
    ]


def test_the_table_names_its_source_and_how_to_regenerate_it() -> None:
    table_file = Path(list_schema.__file__).parent.parent / "compare/data/list_types.json"
    table = json.loads(table_file.read_text(encoding="utf-8"))
    assert table["source"].startswith("kubernetes v1.")
    assert "scripts/gen_list_types.py" in table["regenerate"]
    assert table["kinds"]["Deployment"]["apiVersion"] == "apps/v1"


def test_a_field_git_sets_inside_an_atomic_item_keeps_its_own_path(tmp_path: Path) -> None:
    # What the live item lacks may be a default (Terraform's provider defaults, `operator:
    # Equal`): the rules about defaults judge it at its own path, not the whole list.
    def deployment(toleration: dict[str, Any]) -> dict[str, Any]:
        pod = {"containers": [{"name": "app", "image": "app:1"}], "tolerations": [toleration]}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"spec": pod}},
        }

    live = {"key": "dedicated", "value": "web", "effect": "NoSchedule"}
    report = compare(tmp_path, [deployment({**live, "tolerationSeconds": 30})], [deployment(live)])
    found = result(report, "Deployment shop/web")
    assert paths(found) == ["spec.template.spec.tolerations[0].tolerationSeconds"]


def test_the_table_is_what_the_generator_makes_of_kubernetes_openapi(tmp_path: Path) -> None:
    # Only where the Go module cache holds kubernetes v1.31.0 (see the script's docstring).
    spec = Path.home() / "go/pkg/mod/k8s.io/kubernetes@v1.31.0/api/openapi-spec/v3"
    if not spec.is_dir():
        pytest.skip("kubernetes v1.31.0's OpenAPI v3 is not in the Go module cache")
    script = Path(list_schema.__file__).parent.parent.parent / "scripts/gen_list_types.py"
    out = tmp_path / "list_types.json"
    subprocess.run([sys.executable, str(script), str(spec), "v1.31.0", str(out)], check=True)
    shipped = Path(list_schema.__file__).parent.parent / "compare/data/list_types.json"
    assert out.read_bytes() == shipped.read_bytes()


def test_a_custom_kind_named_like_a_builtin_one_leaves_the_builtin_fields_alone() -> None:
    crd = load("crd.yaml")
    crd["spec"]["names"]["kind"] = "Service"  # as Knative's serving.knative.dev Service
    with list_schema.learning() as learned:
        learned.learn_crd(crd, "CustomResourceDefinition services.example.com")
        assert key_fields("Service", ("spec", "routes")) == ("name", "port")
        assert key_fields("Service", ("spec", "ports")) == ("port", "protocol")
    assert key_fields("Service", ("spec", "routes")) is None
