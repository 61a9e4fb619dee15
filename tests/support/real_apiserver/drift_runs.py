"""Running the installed drift-action against the real API server, and reading what it asked.

`Writes` reads the server's audit log: drift-action runs with the admin's token, so every request
other than a read that the admin makes while it runs is one drift-action made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from support import run_cli
from support.kube_emulator import KubeEmulator

from .cluster import RealCluster, unique
from .control_plane import ControlPlane
from .webhook import Mutation, apply_patch

READS = ("get", "list", "watch")
DRY_RUN_QUERY = "?dryRun=All&fieldManager=drift-action&force=true"


def write_manifests(directory: Path, *objects: dict[str, Any]) -> Path:
    path = directory / f"{unique('desired')}.yaml"
    path.write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    return path


def drift(kubeconfig: Path, manifests: Path, namespace: str, mode: str) -> tuple[int, Any]:
    """drift-action's exit status and JSON report, the kubeconfig's context `real`."""
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


def resource_versions(
    real: RealCluster, namespace: str, kinds: list[tuple[str, str]]
) -> dict[str, str]:
    return {o["kind"]: o["metadata"]["resourceVersion"] for o in real.snapshot(namespace, kinds)}


class Writes:
    """The admin's requests other than reads from now on: (verb, requestURI, code)."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.start = len(plane.audit_events("admin"))

    def since(self) -> list[tuple[str, str, int]]:
        events = self.plane.audit_events("admin")[self.start :]
        return sorted(
            (e["verb"], e["requestURI"], e["responseStatus"]["code"])
            for e in events
            if e["verb"] not in READS
        )


def dry_runs(*object_paths: str) -> list[tuple[str, str, int]]:
    """What Writes.since() is when drift-action dry-runs these objects and nothing else."""
    return sorted(("patch", path + DRY_RUN_QUERY, 200) for path in object_paths)


def on_emulator(
    objects: list[dict[str, Any]], manifests: Path, namespace: str, mode: str, hook: Mutation | None
) -> tuple[int, Any]:
    """The same run against the emulator holding the real server's objects, with the webhook's
    mutation as its apply hook where the real server has that webhook."""
    with KubeEmulator(objects) as emu:
        if hook is not None:
            mutate = hook  # bound here: mypy cannot see `hook` stays set inside the lambda
            emu.on_apply(lambda obj: apply_patch(obj, mutate(obj)))
        kubeconfig = emu.write_kubeconfig(manifests.with_suffix(".kubeconfig"), context="real")
        return drift(kubeconfig, manifests, namespace, mode)


def agree_with_emulator(
    real: RealCluster,
    namespace: str,
    manifests: Path,
    mode: str,
    kinds: list[tuple[str, str]],
    hook: Mutation | None,
) -> tuple[int, Any]:
    """The real server's exit status and report, once the emulator given its objects has
    reached the same verdicts."""
    objects = real.snapshot(namespace, kinds)
    emulated = on_emulator(objects, manifests, namespace, mode, hook)
    code, report = drift(real.admin_kubeconfig, manifests, namespace, mode)
    assert (emulated[0], verdicts(emulated[1])) == (code, verdicts(report)), mode
    return code, report
