"""Typed resources of the kubernetes provider become the API objects they describe.

Each fixture in tests/data/terraform/typed/ holds a resource's planned values as the provider's
schema writes them in `terraform show -json` (every attribute, nested blocks as lists, unset
values as null, "" or []), and the API object a person would write for it. Fields the provider
fills with its defaults (`false`, `0`, `dnsPolicy: ClusterFirst`, ...) are marked, because the API
server does not store all of them; the fixtures' objects leave them out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from support import DATA as TEST_DATA

from drift_action.sources.terraform.schema import DEFAULTS, RESOURCES, is_default
from drift_action.sources.terraform.typed import camel, typed_object

TYPED = TEST_DATA / "terraform" / "typed"
FIXTURES = sorted(TYPED.glob("*.json"))

# The issue's list: each with its _v1 twin (daemon sets are kubernetes_daemonset and _v1).
REQUIRED = [
    "deployment",
    "stateful_set",
    "job",
    "cron_job",
    "service",
    "ingress",
    "config_map",
    "secret",
    "namespace",
    "service_account",
    "persistent_volume_claim",
    "horizontal_pod_autoscaler",
    "role",
    "role_binding",
    "cluster_role",
    "cluster_role_binding",
]


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    return case


def _convert(case: dict[str, Any]) -> Any:
    return typed_object(
        RESOURCES[case["type"]], case["after"], case["after_unknown"], case["after_sensitive"]
    )


def _value(body: Any, path: tuple[str | int, ...]) -> Any:
    for segment in path:
        body = body[segment]
    return body


def _without(body: dict[str, Any], paths: frozenset[tuple[str | int, ...]]) -> dict[str, Any]:
    """The body without the marked fields; containers left empty by that go too."""
    out = copy.deepcopy(body)
    for path in sorted(paths, key=len, reverse=True):
        parents = [out]
        for segment in path[:-1]:
            parents.append(parents[-1][segment])
        del parents[-1][path[-1]]
        for depth in range(len(path) - 1, 0, -1):
            if parents[depth] in ({}, []):
                del parents[depth - 1][path[depth - 1]]
    return out


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: path.stem)
def test_planned_values_become_the_api_object(fixture: Path) -> None:
    case = _load(fixture)
    converted = _convert(case)
    assert _without(converted.body, converted.marks.defaults) == case["expected"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: path.stem)
def test_only_provider_defaults_are_marked_as_defaults(fixture: Path) -> None:
    converted = _convert(_load(fixture))
    for path in converted.marks.defaults:
        value = _value(converted.body, path)
        assert value is False or value == 0 or value in DEFAULTS.values(), path


def test_every_typed_resource_has_a_fixture() -> None:
    covered = {RESOURCES[_load(path)["type"]] for path in FIXTURES}
    assert covered == set(RESOURCES.values())


@pytest.mark.parametrize("name", REQUIRED)
def test_the_resources_the_issue_names_and_their_v1_twins_are_known(name: str) -> None:
    assert f"kubernetes_{name}" in RESOURCES
    assert f"kubernetes_{name}_v1" in RESOURCES
    assert RESOURCES[f"kubernetes_{name}"].kind == RESOURCES[f"kubernetes_{name}_v1"].kind


def test_daemon_sets_under_both_names() -> None:
    assert RESOURCES["kubernetes_daemonset"].kind == "DaemonSet"
    assert RESOURCES["kubernetes_daemon_set_v1"].api_version == "apps/v1"


def test_provider_defaults_are_marked_where_they_are() -> None:
    converted = _convert(_load(TYPED / "deployment_v1.json"))
    pod = ("spec", "template", "spec")
    assert {
        ("spec", "paused"),
        ("spec", "minReadySeconds"),
        (*pod, "hostNetwork"),
        (*pod, "dnsPolicy"),
        (*pod, "terminationGracePeriodSeconds"),
        (*pod, "containers", 0, "stdin"),
        (*pod, "containers", 0, "ports", 0, "protocol"),
    } <= converted.marks.defaults
    assert converted.body["spec"]["paused"] is False  # still in the object, only marked


def test_unknown_values_are_left_out_and_marked() -> None:
    converted = _convert(_load(TYPED / "deployment.json"))
    container = converted.body["spec"]["template"]["spec"]["containers"][0]
    assert "image" not in container
    # The image comes from another resource: known after apply. Computed attributes the
    # configuration does not set (image_pull_policy, hostname) are left to Kubernetes silently.
    assert converted.marks.unknown == {("spec", "template", "spec", "containers", 0, "image")}
    assert "uid" not in converted.body["metadata"]


def test_secret_data_is_base64_and_sensitive() -> None:
    converted = _convert(_load(TYPED / "secret_v1.json"))
    assert ("data",) in converted.marks.sensitive
    assert "binaryData" not in converted.body


def test_map_keys_are_kept_as_written() -> None:
    converted = _convert(_load(TYPED / "config_map_v1.json"))
    assert set(converted.body["data"]) == {"LOG_LEVEL", "app.properties"}
    deployment = _convert(_load(TYPED / "deployment_v1.json")).body
    assert deployment["metadata"]["labels"] == {
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/part-of": "shop",
    }
    assert deployment["spec"]["template"]["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}


def test_provider_only_attributes_are_dropped() -> None:
    deployment = _convert(_load(TYPED / "deployment_v1.json")).body
    assert not {"id", "timeouts", "wait_for_rollout", "waitForRollout"} & set(deployment)
    service = _convert(_load(TYPED / "service_v1.json")).body
    assert not {"status", "waitForLoadBalancer"} & set(service)


@pytest.mark.parametrize(
    ("attribute", "field"),
    [
        ("volume_mount", "volumeMount"),
        ("external_ips", "externalIPs"),
        ("cluster_ip", "clusterIP"),
        ("host_ipc", "hostIPC"),
        ("host_pid", "hostPID"),
        ("non_resource_urls", "nonResourceURLs"),
        ("target_cpu_utilization_percentage", "targetCPUUtilizationPercentage"),
        ("timezone", "timeZone"),
        ("ip_families", "ipFamilies"),
        ("api_groups", "apiGroups"),
    ],
)
def test_names(attribute: str, field: str) -> None:
    assert camel(attribute) == field


def test_default_values() -> None:
    assert is_default("paused", False)
    assert is_default("restart_policy", "Always")
    assert not is_default("restart_policy", "Never")
    assert not is_default("replicas", "0")  # a string: the provider's explicit zero
    assert not is_default("automount_service_account_token", 1)
