"""`zero-is-unset`: false or 0 in Git where the live object has nothing, for the fields the API
server drops when zero (non-pointer, omitempty in Kubernetes' Go types). Found by the real-server
tier: bitnami's nginx chart sets `hostNetwork: false` and `hostIPC: false`, and kube-apiserver
v1.36 stores neither. A pointer field keeps its false, so there absence is still drift."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from compare.test_normalization import changes, notes, verdict

from drift_action.compare.zero_fields import dropped_when_zero, is_zero
from drift_action.core.model import Status
from drift_action.core.paths import ListKey

POD = "spec.template.spec"
BITNAMI_POD_SPEC = {"hostNetwork": False, "hostIPC": False, "automountServiceAccountToken": False}


def deployment(**pod: Any) -> dict[str, Any]:
    container = {"name": "web", "image": "nginx:1.27", "stdin": pod.pop("stdin", None)}
    container = {k: v for k, v in container.items() if v is not None}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [container], **pod}}},
    }


def as_stored(body: dict[str, Any]) -> dict[str, Any]:
    """What the API server gives back: the non-pointer false fields gone, the pointer one kept."""
    live = copy.deepcopy(body)
    spec = live["spec"]["template"]["spec"]
    for name in ("hostNetwork", "hostIPC"):
        if spec.get(name) is False:
            del spec[name]
    for container in spec["containers"]:
        if container.get("stdin") is False:
            del container["stdin"]
    return live


def test_false_in_git_that_the_server_dropped_is_in_sync_and_explained() -> None:
    desired = deployment(**BITNAMI_POD_SPEC, stdin=False)
    result = verdict(desired, as_stored(desired))

    assert result.status is Status.IN_SYNC
    assert notes(result) == {
        ("zero-is-unset", f"{POD}.hostNetwork"),
        ("zero-is-unset", f"{POD}.hostIPC"),
        ("zero-is-unset", f"{POD}.containers[name=web].stdin"),
    }


def test_a_pointer_field_removed_live_is_still_drift() -> None:
    desired = deployment(**BITNAMI_POD_SPEC)
    live = as_stored(desired)
    del live["spec"]["template"]["spec"]["automountServiceAccountToken"]  # nil means true

    result = verdict(desired, live)

    assert result.status is Status.DRIFTED
    assert changes(result) == {f"{POD}.automountServiceAccountToken": (False, None)}


def test_true_missing_live_is_still_drift() -> None:
    result = verdict(deployment(hostNetwork=True), deployment())
    assert changes(result) == {f"{POD}.hostNetwork": (True, None)}
    assert not notes(result)


@pytest.mark.parametrize(
    ("kind", "path", "dropped"),
    [
        ("Service", ("spec", "ports", ListKey((("port", "80"),)), "nodePort"), True),
        ("Service", ("spec", "publishNotReadyAddresses"), True),
        ("Pod", ("spec", "containers", 0, "volumeMounts", 1, "readOnly"), True),
        ("Deployment", ("spec", "replicas"), False),  # *int32: 0 is stored
        ("Deployment", ("spec", "paused"), True),
        ("ConfigMap", ("immutable",), False),  # *bool
        ("SomeCustomKind", ("spec", "hostNetwork"), False),  # a CRD stores what it is given
    ],
)
def test_the_generated_table_knows_pointers_from_plain_fields(
    kind: str, path: tuple[Any, ...], dropped: bool
) -> None:
    assert dropped_when_zero(kind, path) is dropped


def test_only_false_and_integer_zero_count_as_zero() -> None:
    assert [is_zero(v) for v in (False, 0, 0.0, "", None, "false", True, 1)] == [
        True, True, False, False, False, False, False, False,
    ]  # fmt: skip
