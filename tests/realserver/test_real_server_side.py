"""`--compare server-side` and `server-side-all` against the real API server: its own defaulting,
and a real mutating admission webhook (tests/support/real_apiserver/webhook.py) on loopback.

The emulator's version of these claims is tests/live/test_server_side.py; here the same cases run
against kube-apiserver, and where the emulator has the case, its verdict on the real server's
objects (a snapshot, with the same mutation as its apply hook) must be the real server's verdict.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import run_action
from support.action_run import action_env
from support.real_apiserver import ControlPlane
from support.real_apiserver.cluster import RealCluster, unique
from support.real_apiserver.drift_runs import (
    Writes,
    agree_with_emulator,
    by_kind,
    dry_runs,
    resource_versions,
    verdicts,
    write_manifests,
)
from support.real_apiserver.webhook import Webhook
from support.real_apiserver.workloads import (
    IMAGE,
    KINDS,
    MODES,
    PATHS,
    REGISTRY,
    cronjob,
    deployment,
    mirror,
    service,
)

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
    web = real.get("apps/v1", "Deployment", "web", namespace)["spec"]
    assert web["strategy"]["type"] == "RollingUpdate" and web["revisionHistoryLimit"] == 10
    (container,) = web["template"]["spec"]["containers"]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    svc = real.get("v1", "Service", "web", namespace)["spec"]
    assert (svc["type"], svc["sessionAffinity"], svc["ipFamilies"]) == (
        "ClusterIP",
        "None",
        ["IPv4"],
    )
    assert svc["ports"][0]["targetPort"] == 80
    before = resource_versions(real, namespace, KINDS)

    for mode in MODES:
        writes = Writes(control_plane)
        code, report = agree_with_emulator(real, namespace, manifests, mode, KINDS, hook=None)
        assert (code, report["summary"]["in_sync"]) == (0, 3), (mode, verdicts(report))
        if mode == "server-side-all":  # every object found live is dry-run, and all agree
            assert writes.since() == dry_runs(*(p.format(ns=namespace) for p in PATHS.values()))
        else:  # nothing differs client-side: nothing to confirm
            assert writes.since() == [], mode

    assert resource_versions(real, namespace, KINDS) == before, "a dry run must not write"


def test_hand_changes_are_drift_in_every_mode_attributed_to_their_tool(
    control_plane: ControlPlane, real: RealCluster, defaulted: tuple[str, Path]
) -> None:
    namespace, manifests = defaulted
    real.scale("apps/v1", "Deployment", "web", namespace, 5)

    def new_image(body: dict[str, Any]) -> None:
        job = body["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        job["containers"][0]["image"] = "busybox:1.37"

    real.edit("batch/v1", "CronJob", "nightly", namespace, new_image)

    for mode in MODES:
        writes = Writes(control_plane)
        code, report = agree_with_emulator(real, namespace, manifests, mode, KINDS, hook=None)
        assert code == 1, mode
        confirmed = {"client-side": [], "server-side": ["Deployment", "CronJob"]}.get(mode, PATHS)
        assert writes.since() == dry_runs(*(PATHS[k].format(ns=namespace) for k in confirmed))
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
        # The real server stamps no time on a /scale entry (tests/report's fixtures have one):
        # the report says none rather than borrowing another entry's.
        assert scaled["time"] is None
        (image,) = by_kind(report, "CronJob")["changes"]
        assert image["live"] == "busybox:1.37"
        assert image["attribution"]["manager"] == "kubectl-edit", mode


# --- 2. a real mutating admission webhook ------------------------------------------------------


@dataclass
class Mirrored:
    """A namespace, and the registry-mirror webhook that acts on it once it is enrolled."""

    real: RealCluster
    hook: Webhook
    namespace: str
    label: tuple[str, str]

    def enrol(self) -> None:
        """Label the namespace into the webhook's scope, and wait until the server calls it."""
        self.real.resource("v1", "Namespace").patch(
            body={"metadata": {"labels": dict([self.label])}}, name=self.namespace,
            content_type="application/merge-patch+json",
        )  # fmt: skip
        self._wait_until_called()

    def _wait_until_called(self, timeout: float = 30.0) -> None:
        # The server learns of a webhook configuration and of namespace labels from its own
        # watches: a dry-run create shows when this namespace's writes reach the webhook.
        probe = deployment(self.namespace)
        probe["metadata"]["name"] = "probe"
        deployments = self.real.resource("apps/v1", "Deployment")
        deadline = time.monotonic() + timeout
        while not self.hook.reviews:
            assert time.monotonic() < deadline, "the webhook was never called"
            deployments.create(body=probe, namespace=self.namespace, dry_run="All")
            time.sleep(0.2)
        self.hook.reviews.clear()

    def create(self, *objects: dict[str, Any]) -> None:
        for obj in objects:
            self.real.client_side_apply(obj)

    def judge(self, manifests: Path, mode: str) -> tuple[int, Any]:
        """drift-action's verdict here, once the emulator has reached the same one."""
        return agree_with_emulator(self.real, self.namespace, manifests, mode, KINDS, mirror)


@pytest.fixture
def mirrored(real: RealCluster, tmp_path: Path) -> Iterator[Mirrored]:
    """The webhook, registered for Deployments in namespaces with a label only this test's
    namespace may carry (the control plane is shared); unregistered at the end."""
    label = ("drift-action.test/mirror", unique("hook"))
    namespace = real.namespace("ssa-webhook")
    (tmp_path / "webhook").mkdir()
    configurations = real.resource(
        "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"
    )
    with Webhook(mirror, tmp_path / "webhook") as hook:
        configurations.create(
            body=hook.configuration(label[1], label, ("apps", "v1", "deployments"))
        )
        try:
            yield Mirrored(real, hook, namespace, label)
        finally:
            configurations.delete(name=label[1])


def test_a_webhook_rewrite_is_drift_client_side(
    control_plane: ControlPlane, mirrored: Mirrored, tmp_path: Path
) -> None:
    mirrored.enrol()
    ns = mirrored.namespace
    mirrored.create(deployment(ns), service(ns))
    live = mirrored.real.get("apps/v1", "Deployment", "web", ns)
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == REGISTRY + "nginx:1.27"
    manifests = write_manifests(tmp_path, deployment(ns), service(ns))
    mirrored.hook.reviews.clear()

    writes = Writes(control_plane)
    code, report = mirrored.judge(manifests, "client-side")

    assert code == 1
    assert verdicts(report) == {"Deployment": ("drifted", [IMAGE]), "Service": ("in_sync", [])}
    (image,) = by_kind(report, "Deployment")["changes"]
    assert (image["desired"], image["live"]) == ("nginx:1.27", REGISTRY + "nginx:1.27")
    assert writes.since() == [] and mirrored.hook.reviews == []


def test_the_dry_run_goes_through_the_webhook_and_sets_its_rewrite_aside(
    control_plane: ControlPlane, mirrored: Mirrored, tmp_path: Path
) -> None:
    mirrored.enrol()
    ns = mirrored.namespace
    mirrored.create(deployment(ns), service(ns))
    manifests = write_manifests(tmp_path, deployment(ns), service(ns))
    before = resource_versions(mirrored.real, ns, KINDS[:2])
    mirrored.hook.reviews.clear()

    writes = Writes(control_plane)
    code, report = mirrored.judge(manifests, "server-side")

    assert code == 0
    assert verdicts(report) == {"Deployment": ("in_sync", []), "Service": ("in_sync", [])}
    notes = [(n["rule"], n["path"]) for n in by_kind(report, "Deployment")["normalized"]]
    assert notes == [("server-side-dry-run", IMAGE)]
    # Only the object that still differed was dry-run, and the real webhook saw that dry run.
    assert writes.since() == dry_runs(PATHS["Deployment"].format(ns=ns))
    (review,) = mirrored.hook.reviews
    assert (review["operation"], review["dryRun"], review["name"]) == ("UPDATE", True, "web")
    assert review["options"]["fieldManager"] == "drift-action"

    writes = Writes(control_plane)
    code, report = mirrored.judge(manifests, "server-side-all")

    assert code == 0
    assert verdicts(report) == {"Deployment": ("in_sync", []), "Service": ("in_sync", [])}
    assert writes.since() == dry_runs(*(PATHS[k].format(ns=ns) for k in ("Deployment", "Service")))
    assert [r["dryRun"] for r in mirrored.hook.reviews] == [True, True]  # it matches Deployments
    assert resource_versions(mirrored.real, ns, KINDS[:2]) == before, "a dry run must not write"


def test_a_real_hand_change_survives_the_dry_run(
    control_plane: ControlPlane, mirrored: Mirrored, tmp_path: Path
) -> None:
    mirrored.enrol()
    ns = mirrored.namespace
    mirrored.create(deployment(ns))
    manifests = write_manifests(tmp_path, deployment(ns))

    def hotfix(body: dict[str, Any]) -> None:
        body["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.25-hotfix"

    mirrored.real.edit("apps/v1", "Deployment", "web", ns, hotfix)  # mirrored by the webhook too
    mirrored.real.scale("apps/v1", "Deployment", "web", ns, 5)

    writes = Writes(control_plane)
    code, report = mirrored.judge(manifests, "server-side")

    assert code == 1
    assert verdicts(report) == {"Deployment": ("drifted", sorted([IMAGE, "spec.replicas"]))}
    changes = {c["path"]: c for c in by_kind(report, "Deployment")["changes"]}
    assert changes[IMAGE]["live"] == REGISTRY + "nginx:1.25-hotfix"
    assert changes[IMAGE]["attribution"]["manager"] == "kubectl-edit"
    assert (changes["spec.replicas"]["type"], changes["spec.replicas"]["live"]) == ("changed", 5)
    assert changes["spec.replicas"]["attribution"]["manager"] == "kubectl-scale"
    assert writes.since() == dry_runs(PATHS["Deployment"].format(ns=ns))


def test_server_side_all_dry_runs_objects_in_sync_and_sees_a_new_rewrite(
    control_plane: ControlPlane, mirrored: Mirrored, tmp_path: Path
) -> None:
    ns = mirrored.namespace
    mirrored.create(deployment(ns), service(ns))  # before the namespace is enrolled: no rewrite
    manifests = write_manifests(tmp_path, deployment(ns), service(ns))
    mirrored.enrol()  # the webhook now would rewrite what Git says
    before = resource_versions(mirrored.real, ns, KINDS[:2])

    writes = Writes(control_plane)
    code, report = mirrored.judge(manifests, "server-side")
    assert (code, writes.since(), mirrored.hook.reviews) == (0, [], [])  # in sync: not asked

    writes = Writes(control_plane)
    code, report = mirrored.judge(manifests, "server-side-all")

    assert code == 1
    assert verdicts(report) == {"Deployment": ("drifted", [IMAGE]), "Service": ("in_sync", [])}
    (image,) = by_kind(report, "Deployment")["changes"]
    # What applying Git would now leave, against what is live.
    assert (image["desired"], image["live"]) == (REGISTRY + "nginx:1.27", "nginx:1.27")
    assert writes.since() == dry_runs(*(PATHS[k].format(ns=ns) for k in ("Deployment", "Service")))
    assert [(r["dryRun"], r["name"]) for r in mirrored.hook.reviews] == [(True, "web")]
    assert resource_versions(mirrored.real, ns, KINDS[:2]) == before, "a dry run must not write"


def test_the_action_confirms_with_the_real_webhook(mirrored: Mirrored, tmp_path: Path) -> None:
    mirrored.enrol()
    ns = mirrored.namespace
    mirrored.create(deployment(ns), service(ns))
    workspace = tmp_path / "workspace"
    (workspace / "deploy").mkdir(parents=True)
    write_manifests(workspace / "deploy", deployment(ns), service(ns))
    mirrored.hook.reviews.clear()

    result = run_action(
        workspace,
        action_env(
            workspace, manifests="deploy", namespace=ns, compare="server-side",
            kubeconfig=str(mirrored.real.admin_kubeconfig), context="real", format="json",
        ),
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    outputs = (workspace.parent / "output.txt").read_text(encoding="utf-8").splitlines()
    assert {"drift_detected=false", "drifted_count=0"} <= set(outputs), outputs
    report = json.loads((workspace / "drift-report.json").read_text(encoding="utf-8"))
    assert report["summary"]["in_sync"] == 2
    notes = [(n["rule"], n["path"]) for n in by_kind(report, "Deployment")["normalized"]]
    assert notes == [("server-side-dry-run", IMAGE)]
    assert [(r["dryRun"], r["options"]["fieldManager"]) for r in mirrored.hook.reviews] == [
        (True, "drift-action")
    ]
