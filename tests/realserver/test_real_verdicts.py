"""The README's example, made live on the real API server and drifted by hand with the tools
examples/live/drifted.yaml names: the verdicts and the attribution must be the snapshot's, and
the same objects read back through a snapshot and through our emulator must agree to the field."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_action, run_cli
from support.kube_emulator import KubeEmulator
from support.real_apiserver import ADMIN_TOKEN, ControlPlane
from support.real_apiserver.cluster import RealCluster, unique
from support.real_apiserver.shop import HAND_EDITS, drift_by_hand, make_live, write_manifests

KINDS = [
    ("v1", "Namespace"), ("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"), ("v1", "Secret"), ("policy/v1", "PodDisruptionBudget"),
]  # fmt: skip


@dataclass(frozen=True)
class Shop:
    namespace: str
    manifests: Path
    kubeconfig: Path
    started: datetime


@pytest.fixture(scope="module")
def shop(
    real: RealCluster, control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    """Applied with kubectl's client-side apply (all but the PDB), then drifted by hand."""
    folder = tmp_path_factory.mktemp("shop")
    namespace = unique("shop")  # made by the apply below, as `kubectl apply -f` makes it
    started = datetime.now(UTC).replace(microsecond=0)
    objects = write_manifests(namespace, folder / "manifests")
    make_live(real, objects, skip="PodDisruptionBudget")
    drift_by_hand(real, namespace)
    yield Shop(
        namespace, folder / "manifests", control_plane.kubeconfig(folder / "kubeconfig"), started
    )


def report(shop: Shop, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli(
        "--manifests", str(shop.manifests), "--kubeconfig", str(shop.kubeconfig),
        "--context", "real", "-o", "json", *args,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def verdicts(document: dict[str, Any]) -> dict[str, Any]:
    """Per resource: status and each change's path, type and who made it (times left out)."""
    found = {}
    for r in document["resources"]:
        changes = []
        for c in r["changes"]:
            who = c.get("attribution") or {}
            changes.append((c["path"], c["type"], who.get("manager"), who.get("subresource")))
        found[f"{r['kind']}/{r['name']}"] = (r["status"], sorted(changes, key=str))
    return found


def test_the_hand_edits_are_drift_and_each_names_its_tool(shop: Shop) -> None:
    code, document = report(shop)

    assert code == 1
    summary = document["summary"]
    assert (summary["drifted"], summary["missing"], summary["in_sync"], summary["errors"]) == (
        4,
        1,
        2,
        0,
    )
    found = {
        (r["kind"], c["path"], c["attribution"]["manager"], c["attribution"]["subresource"])
        for r in document["resources"] for c in r["changes"]
    }  # fmt: skip
    assert found == HAND_EDITS
    for resource in document["resources"]:
        for change in resource["changes"]:
            who = change["attribution"]
            assert (who["actor"], who["operation"]) == ("human", "Update"), change
            # The real server stamps no time on the entry a /scale write leaves (v1.36, as
            # kubernetes#131892's code path shows): the report then gives none, never a guess.
            if who["subresource"] is None or who["time"] is not None:
                when = datetime.fromisoformat(who["time"].replace("Z", "+00:00"))
                assert shop.started <= when <= datetime.now(UTC) + timedelta(seconds=1)
    missing = [r["kind"] for r in document["resources"] if r["status"] == "missing"]
    assert missing == ["PodDisruptionBudget"]


def test_no_secret_value_reaches_the_report(shop: Shop) -> None:
    rotated = base64.b64encode(b"rotated-by-hand").decode()
    for output in ("text", "json", "markdown"):
        result = run_cli(
            "--manifests", str(shop.manifests), "--kubeconfig", str(shop.kubeconfig),
            "--context", "real", "-o", output, "--explain",
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        for value in ("rotated-by-hand", rotated, "example-only-password"):
            assert value not in result.stdout + result.stderr, (output, value)


def test_a_snapshot_and_the_emulator_give_the_real_servers_verdicts(
    shop: Shop, real: RealCluster, tmp_path: Path
) -> None:
    """kubectl get -o yaml --show-managed-fields of the real objects, read as a snapshot and served
    by our emulator: any difference is the emulator's (or the snapshot reader's) to fix."""
    _, from_server = report(shop)
    snapshot = tmp_path / "snapshot.yaml"
    items = real.snapshot(shop.namespace, [k for k in KINDS if k[1] != "Namespace"])
    snapshot.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    result = run_cli(
        "--manifests", str(shop.manifests), "--live-snapshot", str(snapshot), "-o", "json"
    )
    from_snapshot = json.loads(result.stdout)

    with KubeEmulator(items, token="emulated") as emulator:
        kubeconfig = emulator.write_kubeconfig(tmp_path / "emulated", context="real")
        result = run_cli(
            "--manifests", str(shop.manifests), "--kubeconfig", str(kubeconfig),
            "--context", "real", "-o", "json",
        )  # fmt: skip
    from_emulator = json.loads(result.stdout)

    # The snapshot holds no Namespace (it is not in the namespace it lists), so compare the rest.
    def without_namespace(document: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in verdicts(document).items() if not k.startswith("Namespace/")}

    assert without_namespace(from_snapshot) == without_namespace(from_server)
    assert without_namespace(from_emulator) == without_namespace(from_server)


def test_the_selector_finds_the_extra_and_the_action_reports_the_same(
    shop: Shop, control_plane: ControlPlane, tmp_path: Path
) -> None:
    code, document = report(shop, "--selector", "app.kubernetes.io/part-of=shop")
    extras = [f"{r['kind']}/{r['name']}" for r in document["resources"] if r["status"] == "extra"]
    assert (code, extras) == (1, ["Deployment/debug-shell"])

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    shutil.copytree(shop.manifests, workspace / "manifests")
    result = run_action(
        workspace,
        {
            "INPUT_MANIFESTS": "manifests",
            "INPUT_SERVER": control_plane.server,
            "INPUT_TOKEN": ADMIN_TOKEN,
            "INPUT_CERTIFICATE_AUTHORITY": control_plane.ca_file.read_text(),
            "INPUT_SELECTOR": "app.kubernetes.io/part-of=shop",
            "GITHUB_OUTPUT": str(workspace / "out.txt"),
        },
    )
    assert result.returncode == 1, result.stdout + result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == f"::add-mask::{ADMIN_TOKEN}"
    assert ADMIN_TOKEN not in "\n".join(rest) + result.stderr
    assert "4 drifted, 1 missing, 1 extra" in result.stdout
    assert "drifted_count=6" in (workspace / "out.txt").read_text()
