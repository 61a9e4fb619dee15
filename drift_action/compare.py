"""Match desired objects with live ones and give each a verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drift_action.diff import diff_objects
from drift_action.model import KubeObject, Report, ResourceResult, Status
from drift_action.selector import Selector


def compare(
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    *,
    selector: Selector | None = None,
    warnings: Sequence[str] = (),
) -> Report:
    live_by_key = {obj.key: obj for obj in live}
    results = [_verdict(obj, live_by_key.get(obj.key)) for obj in desired]
    if selector is not None:
        named = {obj.key for obj in desired}
        results.extend(
            ResourceResult(obj.key, obj.api_version, Status.EXTRA, obj.source)
            for obj in live
            if obj.key not in named and selector.matches(_labels(obj.body))
        )
    return Report(tuple(results), tuple(warnings))


def _verdict(desired: KubeObject, live: KubeObject | None) -> ResourceResult:
    if live is None:
        return ResourceResult(desired.key, desired.api_version, Status.MISSING, desired.source)
    try:
        changes = diff_objects(desired, live)
    except Exception as exc:
        return ResourceResult(
            desired.key,
            desired.api_version,
            Status.ERROR,
            desired.source,
            message=f"cannot compare: internal error {type(exc).__name__}",
        )
    status = Status.DRIFTED if changes else Status.IN_SYNC
    return ResourceResult(desired.key, desired.api_version, status, desired.source, changes)


def _labels(body: Mapping[str, Any]) -> Mapping[str, str]:
    metadata = body.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    if not isinstance(labels, Mapping):
        return {}
    return {str(k): str(v) for k, v in labels.items()}
