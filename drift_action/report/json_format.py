"""The machine contract. Later versions may add keys; existing keys are never renamed."""

from __future__ import annotations

import json
from typing import Any

from drift_action.model import Change, Report, ResourceResult, Status


def render(report: Report) -> str:
    document = {
        "summary": {key: report.counts[status] for key, status in _SUMMARY_KEYS},
        "resources": [_resource(r) for r in report.sorted_resources()],
        "warnings": list(report.warnings),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_SUMMARY_KEYS = (
    ("in_sync", Status.IN_SYNC),
    ("drifted", Status.DRIFTED),
    ("missing", Status.MISSING),
    ("extra", Status.EXTRA),
    ("errors", Status.ERROR),
)


def _resource(result: ResourceResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apiVersion": result.api_version,
        "kind": result.key.kind,
        "namespace": result.key.namespace or None,
        "name": result.key.name,
        "status": result.status.value,
        "source": (
            {"file": result.source.file, "line": result.source.line} if result.source else None
        ),
        "changes": [_change(c) for c in result.changes],
    }
    if result.message:
        out["message"] = result.message
    return out


def _change(change: Change) -> dict[str, Any]:
    return {
        "path": change.path_text,
        "type": change.type.value,
        "desired": change.desired,
        "live": change.live,
        "redacted": change.redacted,
    }
