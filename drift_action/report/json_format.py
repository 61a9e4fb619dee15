"""The machine contract. Later versions may add keys; existing keys are never renamed."""

from __future__ import annotations

from typing import Any

from drift_action.core.model import (
    Attribution,
    Change,
    ChangeClass,
    Observer,
    Report,
    ResourceResult,
    Status,
)
from drift_action.report import fixes, json_text, reconcile_section
from drift_action.report.values import ownership_note


def render(report: Report) -> str:
    summary: dict[str, Any] = {key: report.counts[status] for key, status in _SUMMARY_KEYS}
    # A pull request's classes (0 without a base): resources with at least one such change.
    summary |= {key: report.classes[found] for key, found in _CLASS_KEYS}
    document = {
        "summary": summary,
        "base": report.base,
        "resources": [_resource(r) for r in report.sorted_resources()],
        "ignored_changes": report.ignored_count,
        "warnings": list(report.warnings),
        "managed_fields": _managed_fields(report),
    }
    reconciled = reconcile_section.json_value(report)
    if reconciled is not None:  # only after --reconcile: other reports keep their shape
        document["reconcile"] = reconciled
    return json_text.dumps(document) + "\n"  # json.dumps(indent=2, ensure_ascii=False)


_SUMMARY_KEYS = (
    ("in_sync", Status.IN_SYNC),
    ("drifted", Status.DRIFTED),
    ("missing", Status.MISSING),
    ("extra", Status.EXTRA),
    ("errors", Status.ERROR),
)


_CLASS_KEYS = (
    ("planned", ChangeClass.PLANNED),
    ("conflicts", ChangeClass.CONFLICT),
    ("adopted", ChangeClass.ADOPTED),
)


def _resource(result: ResourceResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apiVersion": result.api_version,
        "kind": result.key.kind,
        "namespace": result.key.namespace or None,
        "name": result.key.name,
        "status": result.status.value,
        # drift, conflict, planned or adopted: the most urgent of its changes (null in sync)
        "class": None if result.change_class is None else result.change_class.value,
        "source": _source(result),
        "changes": [_change(c) for c in result.changes],
        "ignored": [{**_change(c), "ignored_by": c.ignored_by} for c in result.ignored],
        "normalized": [
            {"rule": n.rule, "path": n.path, "reason": n.reason} for n in result.normalized
        ],
    }
    if result.message:
        out["message"] = result.message
    if result.fix is not None:  # what to run: drifted and missing objects only
        out["remediation"] = fixes.as_json(result.fix)
    if result.seen_by != (Observer.LIVE,):
        out["seen_by"] = [observer.value for observer in result.seen_by]
    return out


def _managed_fields(report: Report) -> dict[str, Any]:
    """Which live objects lacked managedFields: no added fields, no attribution for them."""
    versions = {r.key: r.api_version for r in report.resources}
    return {
        "compared": report.ownership.compared,
        "without": [
            {
                "apiVersion": versions.get(key, ""),
                "kind": key.kind,
                "namespace": key.namespace or None,
                "name": key.name,
            }
            for key in report.ownership.without
        ],
        "note": ownership_note(report.ownership),
    }


def _source(result: ResourceResult) -> dict[str, Any] | None:
    if result.source is None:
        return None
    source: dict[str, Any] = {"file": result.source.file, "line": result.source.line}
    if result.source.address is not None:
        source["address"] = result.source.address
    return source


def _change(change: Change) -> dict[str, Any]:
    return {
        "path": change.path_text,
        "type": change.type.value,
        "desired": change.desired,
        "live": change.live,
        "redacted": change.redacted,
        "severity": change.severity.value,
        "attribution": _attribution(change.attribution),
        "class": change.change_class.value,
        **({"base": change.base} if change.change_class is not ChangeClass.DRIFT else {}),
    }


def _attribution(attribution: Attribution | None) -> dict[str, Any] | None:
    if attribution is None:
        return None
    return {
        "manager": attribution.manager,
        "operation": attribution.operation,
        "time": attribution.time,
        "actor": attribution.actor.value,
        "subresource": attribution.subresource,
    }
