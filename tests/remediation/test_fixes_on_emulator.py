"""Issue 19's "done when", against the Kubernetes API emulator with the real kubectl: each fix a
report prints is run as printed, and a second run finds every resource it was for in sync.

* The README example: its live state (examples/live/drifted.yaml, applied client-side) served
  by the emulator: the drifted objects are fixed, and the missing PodDisruptionBudget is created
  by its `kubectl apply -f` (a POST).
* The same example applied server-side by a deployer (argocd-controller) and drifted by hand
  with kubectl itself: fixed by server-side applies under that manager, the missing object
  included (a server-side apply creates with a PATCH), and by commands for what people added.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import EXAMPLES, ROOT, run_cli
from support.fix_commands import fixes, run_fixes
from support.kube_emulator import KubeEmulator

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
DRIFTED = {"Deployment/web", "ConfigMap/web-config", "Secret/web-credentials", "Service/web"}


class Cluster:
    """The emulator, a kubeconfig for it, and kubectl run in a home of its own."""

    def __init__(self, emu: KubeEmulator, home: Path) -> None:
        self.kubeconfig = emu.write_kubeconfig(home / "config")
        self.env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        self.env.update(HOME=str(home), KUBECACHEDIR=str(home / "cache"))

    def report(self, manifests: str, cwd: Path) -> tuple[int, dict[str, Any]]:
        result = run_cli(
            "--manifests", manifests, "--kubeconfig", str(self.kubeconfig),
            "--context", "emulator", "-o", "json", cwd=cwd,
        )  # fmt: skip
        assert result.returncode in (0, 1), result.stderr
        return result.returncode, json.loads(result.stdout)

    def kubectl(self, *args: str, cwd: Path = ROOT) -> None:
        assert KUBECTL is not None
        command = [KUBECTL, *args, f"--kubeconfig={self.kubeconfig}", "--context=emulator"]
        done = subprocess.run(
            command, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, (args, done.stderr)

    def fix(self, document: dict[str, Any], cwd: Path) -> None:
        assert KUBECTL is not None
        run_fixes(
            document, kubectl=Path(KUBECTL), kubeconfig=self.kubeconfig, context="emulator",
            cwd=cwd, env=self.env,
        )  # fmt: skip


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {f"{r['kind']}/{r['name']}": r["status"] for r in document["resources"]}


@pytest.fixture
def example(tmp_path: Path) -> Iterator[Cluster]:
    live = yaml.safe_load((EXAMPLES / "live" / "drifted.yaml").read_text(encoding="utf-8"))
    with KubeEmulator(live["items"], token="fix-token", tls=True) as emu:
        yield Cluster(emu, tmp_path)


def test_the_readme_examples_drifted_objects_are_in_sync_after_their_fixes_run(
    example: Cluster,
) -> None:
    code, before = example.report("examples/manifests", ROOT)
    drifted = {k: v for k, v in fixes(before).items() if k in DRIFTED}
    assert code == 1
    assert set(fixes(before)) == {*DRIFTED, "PodDisruptionBudget/web"}

    example.fix({"resources": [r for r in before["resources"] if r["status"] == "drifted"]}, ROOT)
    _, after = example.report("examples/manifests", ROOT)

    assert {k: statuses(after)[k] for k in drifted} == dict.fromkeys(drifted, "in_sync")
    assert statuses(after)["PodDisruptionBudget/web"] == "missing"  # only the drifted were fixed


def test_the_readme_examples_missing_object_is_created_by_its_fix(example: Cluster) -> None:
    _, before = example.report("examples/manifests", ROOT)
    example.fix(before, ROOT)
    code, after = example.report("examples/manifests", ROOT)
    assert code == 0, after


@pytest.fixture
def server_side(tmp_path: Path) -> Iterator[tuple[Cluster, Path]]:
    """The example (namespace and all) applied server-side by argocd-controller, all but the
    PodDisruptionBudget, then changed by hand with kubectl: scaled, re-imaged, a ConfigMap
    patched and labelled, the Service annotated."""
    manifests = tmp_path / "work" / "manifests"
    shutil.copytree(EXAMPLES / "manifests", manifests)
    with KubeEmulator([], token="fix-token", tls=True) as emu:
        cluster = Cluster(emu, tmp_path)
        applied = ["--server-side", "--field-manager=argocd-controller"]
        for name in ("namespace.yaml", "config.yaml", "web.yaml"):
            cluster.kubectl("apply", *applied, "-f", str(manifests / name))
        image = "web=ghcr.io/example/shop-web:1.4.3-hotfix"
        cluster.kubectl("scale", "deployment/web", "-n", "shop", "--replicas=5")
        cluster.kubectl("set", "image", "deployment/web", "-n", "shop", image)
        debug = '{"data":{"LOG_LEVEL":"debug"}}'
        cluster.kubectl("patch", "configmap/web-config", "-n", "shop", "--type=merge", "-p", debug)
        cluster.kubectl("label", "configmap/web-config", "-n", "shop", "debug=on")
        cluster.kubectl("annotate", "service/web", "-n", "shop", "example.com/debug-owner=alice")
        yield cluster, tmp_path / "work"


def test_a_server_side_deployers_objects_are_in_sync_after_their_fixes_run(
    server_side: tuple[Cluster, Path],
) -> None:
    cluster, work = server_side
    code, before = cluster.report("manifests", work)
    found = fixes(before)
    assert code == 1
    assert set(found) == {
        "PodDisruptionBudget/web",
        "Deployment/web",
        "ConfigMap/web-config",
        "Service/web",
    }
    apply = ["kubectl", "apply", "--server-side", "--field-manager=argocd-controller"]
    assert found["PodDisruptionBudget/web"]["command"][:4] == apply
    assert found["ConfigMap/web-config"]["then"] == [
        ["kubectl", "label", "configmap/web-config", "-n", "shop", "debug-"]
    ]

    cluster.fix(before, work)
    code, after = cluster.report("manifests", work)

    assert code == 0, after
    assert {k: statuses(after)[k] for k in found} == dict.fromkeys(found, "in_sync")
