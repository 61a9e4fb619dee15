"""kubectl's command lines: `kubectl apply` of a file or a kustomization, and how to name one
object and its namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift_action.core.fixes import Command
from drift_action.core.model import ResourceKey
from drift_action.remediation.method import Method


def apply(target: tuple[str, str], method: Method, namespace: str | None) -> Command:
    """`kubectl apply` of `-f FILE` or `-k DIR`, the way the deployer applies.

    A server-side apply forces conflicts: a field someone changed by hand is owned by their
    manager (kubectl-scale, kubectl-edit), and taking it back is the point of the fix; without
    `--force-conflicts` the API server refuses the apply.
    """
    argv = ["kubectl", "apply"]
    if method.server_side:
        argv += ["--server-side", f"--field-manager={method.manager}", "--force-conflicts"]
    argv += list(target)
    return (*argv, *in_namespace(namespace))


def resource(key: ResourceKey) -> str:
    """`deployment.apps/web`, `service/web`: the kind with its group, so that kinds of the same
    name in other groups (a CRD's `Service`) are not meant."""
    kind = key.kind.lower()
    return f"{kind}.{key.group}/{key.name}" if key.group else f"{kind}/{key.name}"


def in_namespace(namespace: str | None) -> tuple[str, ...]:
    return ("-n", namespace) if namespace else ()


def namespace_flag(key: ResourceKey, body: Mapping[str, Any]) -> str | None:
    """The namespace to name on the command line: only when the manifest sets none (the run's
    `--namespace` gave it one), since kubectl refuses `-n` that differs from a manifest's own."""
    metadata = body.get("metadata")
    declared = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if not key.namespace or (isinstance(declared, str) and declared):
        return None
    return key.namespace
