"""`--compare server-side` and `server-side-all` against the real API server: its own defaulting,
and a real mutating admission webhook (tests/support/real_apiserver/webhook.py) on loopback.

The emulator's version of these claims is tests/live/test_server_side.py; here the same cases run
against kube-apiserver, and where the emulator has the case its verdict on the real server's
objects (a snapshot, the same mutation as its apply hook) must be the real server's verdict.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli
from support.kube_emulator import KubeEmulator
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster, unique
from support.real_apiserver.webhook import Webhook, apply_patch

REGISTRY = "registry.example.com/mirror/"
IMAGE = "spec.template.spec.containers[name=web].image"
MODES = ("client-side", "server-side", "server-side-all")
READS = ("get", "list", "watch")
KINDS = [("apps/v1", "Deployment"), ("v1", "Service"), ("batch/v1", "CronJob")]


def deployment(namespace: str) -> dict[str, Any]:
    """No strategy, revisionHistoryLimit, progressDeadlineSeconds, imagePullPolicy,
    terminationMessagePath, dnsPolicy...: all left to the server's defaulting."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def service(namespace: str) -> dict[str, Any]:
    """No type, sessionAffinity, ipFamilies, clusterIP, protocol or targetPort."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }


def cronjob(namespace: str) -> dict[str, Any]:
    """No concurrencyPolicy, suspend, history limits, or any of the Pod template's defaults."""
    container = {"name": "job", "image": "busybox:1.36", "command": ["true"]}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": namespace},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {"spec": {"restartPolicy": "OnFailure", "containers": [container]}}
                }
            },
        },
    }


def mirror(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The webhook: pull every image of a Pod template through a registry mirror."""
    containers = obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return [
        {
            "op": "replace",
            "path": f"/spec/template/spec/containers/{index}/image",
            "value": REGISTRY + container["image"],
        }
        for index, container in enumerate(containers)
        if not container["image"].startswith(REGISTRY)
    ]


# --- running drift-action ------------------------------------------------------------------------


def write_manifests(tmp_path: Path, *objects: dict[str, Any]) -> Path:
    path = tmp_path / f"desired-{unique('m')}.yaml"
    path.write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    return path


def drift(kubeconfig: Path, manifests: Path, namespace: str, mode: str) -> tuple[int, Any]:
    result = run_cli(
        "--manifests", str(manifests), "--namespace", namespace, "--kubeconfig", str(kubeconfig),
        "--context", "real", "--format", "json", "--compare", mode,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("{"), (result.stdout, result.stderr)
    return result.returncode, json.loads(result.stdout)


def verdicts(report: Any) -> dict[str, tuple[str, list[str]]]:
    """Each resource's status and the paths of its changes, by kind."""
    return {
        r["kind"]: (r["status"], sorted(c["path"] for c in r["changes"]))
        for r in report["resources"]
    }


def by_kind(report: Any, kind: str) -> Any:
    (found,) = [r for r in report["resources"] if r["kind"] == kind]
    return found


def on_emulator(
    objects: list[dict[str, Any]], manifests: Path, namespace: str, mode: str, tmp_path: Path
) -> Any:
    """The same run against the emulator holding the real server's objects and the same
    mutation as its apply hook."""
    with KubeEmulator(objects) as emu:
        emu.on_apply(lambda obj: apply_patch(obj, mirror(obj)))
        kubeconfig = emu.write_kubeconfig(tmp_path / f"emulator-{unique('k')}", context="real")
        _, report = drift(kubeconfig, manifests, namespace, mode)
    return report


class Writes:
    """The requests other than reads that the admin made from now on (drift-action runs as admin)."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.start = len(plane.audit_events("admin"))

    def since(self) -> list[tuple[str, str, int]]:
        events = self.plane.audit_events("admin")[self.start :]
        return [
            (e["verb"], e["requestURI"], e["responseStatus"]["code"])
            for e in events
            if e["verb"] not in READS
        ]


def dry_run_uri(namespace: str, plural_path: str) -> str:
    return f"{plural_path.format(ns=namespace)}?dryRun=All&fieldManager=drift-action&force=true"


DEPLOYMENT_URI = "/apis/apps/v1/namespaces/{ns}/deployments/web"
SERVICE_URI = "/api/v1/namespaces/{ns}/services/web"
CRONJOB_URI = "/apis/batch/v1/namespaces/{ns}/cronjobs/nightly"


def versions(real: RealCluster, namespace: str) -> dict[str, str]:
    snapshot = real.snapshot(namespace, KINDS)
    return {o["kind"]: o["metadata"]["resourceVersion"] for o in snapshot}


# --- 1. the server's own defaulting ----------------------------------------------------------


@pytest.fixture
def defaulted(real: RealCluster, tmp_path: Path) -> tuple[str, Path]:
    """Three objects applied as `kubectl apply` does, from manifests that leave defaults out."""
    namespace = real.namespace("ssa-defaults")
    objects = [deployment(namespace), service(namespace), cronjob(namespace)]
    for obj in objects:
        real.client_side_apply(obj)
    return namespace, write_manifests(tmp_path, *objects)


def test_server_defaults_are_in_sync_in_every_mode(
    control_plane: ControlPlane, real: RealCluster, defaulted: tuple[str, Path]
) -> None:
    namespace, manifests = defaulted
    live = real.get("v1", "Service", "web", namespace)
    assert live["spec"]["sessionAffinity"] == "None" and live["spec"]["type"] == "ClusterIP"
    before = versions(real, namespace)

    for mode in MODES:
        writes = Writes(control_plane)
        code, report = drift(real.admin_kubeconfig, manifests, namespace, mode)
        assert (code, report["summary"]["in_sync"]) == (0, 3), (mode, verdicts(report))
        dry_runs = writes.since()
        if mode == "server-side-all":  # every object found live is dry-run, and all agree
            assert sorted(dry_runs) == sorted(
                ("patch", dry_run_uri(namespace, uri), 200)
                for uri in (DEPLOYMENT_URI, SERVICE_URI, CRONJOB_URI)
            )
        else:  # nothing still differs: nothing to confirm
            assert dry_runs == [], mode

    assert versions(real, namespace) == before, "a dry run must not write"


def test_hand_changes_are_drift_in_every_mode_attributed_to_their_tool(
    real: RealCluster, defaulted: tuple[str, Path]
) -> None:
    namespace, manifests = defaulted
    real.scale("apps/v1", "Deployment", "web", namespace, 5)

    def new_image(body: dict[str, Any]) -> None:
        job = body["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        job["containers"][0]["image"] = "busybox:1.37"

    real.edit("batch/v1", "CronJob", "nightly", namespace, new_image)

    for mode in MODES:
        code, report = drift(real.admin_kubeconfig, manifests, namespace, mode)
        assert code == 1, mode
        assert verdicts(report) == {
            "Deployment": ("drifted", ["spec.replicas"]),
            "CronJob": (
                "drifted",
                ["spec.jobTemplate.spec.template.spec.containers[name=job].image"],
            ),
            "Service": ("in_sync", []),
        }, mode
        (replicas,) = by_kind(report, "Deployment")["changes"]
        assert (replicas["desired"], replicas["live"]) == (2, 5)
        scaled = replicas["attribution"]
        assert (scaled["manager"], scaled["subresource"], scaled["actor"]) == (
            "kubectl-scale", "scale", "human",
        )  # fmt: skip
        (image,) = by_kind(report, "CronJob")["changes"]
        assert image["live"] == "busybox:1.37"
        assert image["attribution"]["manager"] == "kubectl-edit", mode
