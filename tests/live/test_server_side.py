"""`--compare server-side`: a server-side apply dry run decides what client-side rules cannot.

The emulator merges the applied object into the live one as server-side apply does and runs its
mutation hooks (stand-ins for admission webhooks) on the result.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.kube_emulator import Fault, KubeEmulator

from drift_action.compare.dry_run import SERVER_SIDE, CompareMode
from drift_action.core.errors import UsageError
from drift_action.core.model import ChangeType, ResourceResult, Status
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.sources.manifests import ManifestsSpec

REGISTRY = "registry.example.com/mirror/"

DESIRED: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}


def mirror_images(obj: dict[str, Any]) -> dict[str, Any]:
    """A mutating webhook that pulls every image through a registry mirror."""
    for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        if not container["image"].startswith(REGISTRY):
            container["image"] = REGISTRY + container["image"]
    return obj


def live_deployment(image: str, replicas: int = 2) -> dict[str, Any]:
    live = copy.deepcopy(DESIRED)
    live["metadata"].update(
        {"uid": "0b7c", "resourceVersion": "41", "creationTimestamp": "2026-11-20T09:00:00Z"}
    )
    live["spec"]["replicas"] = replicas
    live["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return live


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(yaml.safe_dump(DESIRED))
    return path


def judge(
    emu: KubeEmulator, manifests: Path, tmp_path: Path, mode: CompareMode
) -> tuple[ResourceResult, list[str]]:
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig")
    report = run(
        RunOptions(
            (ManifestsSpec((str(manifests),), "shop"),),
            cluster=ClusterSpec(kubeconfig=str(kubeconfig)),
            compare=mode,
        )
    )
    (result,) = report.resources
    return result, list(report.warnings)


def patches(emu: KubeEmulator) -> list[Any]:
    return [r for r in emu.requests if r.method == "PATCH"]


@pytest.fixture
def mirrored() -> Iterator[KubeEmulator]:
    with KubeEmulator([live_deployment(REGISTRY + "nginx:1.27")]) as emu:
        emu.on_apply(mirror_images)
        yield emu


def test_a_webhook_rewrite_is_drift_client_side(
    mirrored: KubeEmulator, manifests: Path, tmp_path: Path
) -> None:
    result, _ = judge(mirrored, manifests, tmp_path, CompareMode.CLIENT_SIDE)

    assert result.status is Status.DRIFTED
    assert patches(mirrored) == []


def test_the_dry_run_shows_the_webhook_rewrite_is_not_drift(
    mirrored: KubeEmulator, manifests: Path, tmp_path: Path
) -> None:
    result, _ = judge(mirrored, manifests, tmp_path, CompareMode.SERVER_SIDE)

    assert result.status is Status.IN_SYNC, result.changes
    assert [(n.rule, n.path) for n in result.normalized] == [
        (SERVER_SIDE, "spec.template.spec.containers[name=web].image")
    ]
    (patch,) = patches(mirrored)
    assert patch.query == {"dryRun": "All", "fieldManager": "drift-action", "force": "true"}
    assert mirrored.objects("apps", "Deployment")[0]["spec"]["template"]["spec"]["containers"][0][
        "image"
    ] == (REGISTRY + "nginx:1.27"), "a dry run must not change the object"


def test_a_real_change_survives_the_dry_run(manifests: Path, tmp_path: Path) -> None:
    with KubeEmulator([live_deployment(REGISTRY + "nginx:1.25-hotfix", replicas=5)]) as emu:
        emu.on_apply(mirror_images)
        result, _ = judge(emu, manifests, tmp_path, CompareMode.SERVER_SIDE)

    changes = {c.path_text: c for c in result.changes}
    assert result.status is Status.DRIFTED
    assert set(changes) == {"spec.replicas", "spec.template.spec.containers[name=web].image"}
    assert changes["spec.replicas"].type is ChangeType.CHANGED


def test_objects_in_sync_are_not_dry_run_unless_asked(manifests: Path, tmp_path: Path) -> None:
    with KubeEmulator([live_deployment("nginx:1.27")]) as emu:
        result, _ = judge(emu, manifests, tmp_path, CompareMode.SERVER_SIDE)
        assert result.status is Status.IN_SYNC
        assert patches(emu) == []

        emu.reset_requests()
        emu.on_apply(mirror_images)  # the webhook now would rewrite what Git says
        result, _ = judge(emu, manifests, tmp_path, CompareMode.SERVER_SIDE_ALL)
        assert len(patches(emu)) == 1

    assert result.status is Status.DRIFTED
    assert [c.path_text for c in result.changes] == [
        "spec.template.spec.containers[name=web].image"
    ]


def test_forbidden_dry_run_keeps_the_client_side_result(
    mirrored: KubeEmulator, manifests: Path, tmp_path: Path
) -> None:
    mirrored.inject(Fault(status=403, method="PATCH"))
    result, warnings = judge(mirrored, manifests, tmp_path, CompareMode.SERVER_SIDE)

    assert result.status is Status.DRIFTED
    assert any("forbidden" in w and "'patch'" in w for w in warnings), warnings


def test_server_side_needs_a_cluster(manifests: Path) -> None:
    with pytest.raises(UsageError, match="needs a cluster"):
        run(
            RunOptions(
                (ManifestsSpec((str(manifests),), "shop"),),
                live_snapshots=(str(manifests),),
                compare=CompareMode.SERVER_SIDE,
            )
        )
