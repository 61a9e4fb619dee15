"""Request and response bodies shared by reads and writes: the Scale view of an object and
the decoding of apply bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from .status import ApiError


def scale_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {
            "replicas": status.get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


def decode_body(body: bytes) -> Any:
    """An apply body is YAML, usually sent as JSON; PyYAML (YAML 1.1) misreads some JSON
    escapes, so JSON is tried first."""
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:
        return yaml.safe_load(body.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ApiError(400, f"error decoding YAML: {err}") from err
