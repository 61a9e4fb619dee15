"""Ask the API server for server-side apply dry runs and re-judge the results with them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from drift_action.compare.dry_run import CompareMode, confirm
from drift_action.compare.verdicts import Settings
from drift_action.core.model import KubeObject, Report, ResourceResult
from drift_action.live.cluster import ClusterReader
from drift_action.live.kube_client import ApiError, ClusterError

log = logging.getLogger(__name__)


def confirm_server_side(  # noqa: PLR0917 (one call site, in the pipeline)
    report: Report,
    desired_objects: Sequence[KubeObject],
    live: Sequence[KubeObject],
    reader: ClusterReader,
    mode: CompareMode,
    settings: Settings,
) -> Report:
    live_by_key = {obj.key: obj for obj in live}
    desired_by_key = {obj.key: obj for obj in desired_objects}
    warnings = list(report.warnings)
    forbidden: set[str] = set()
    results: list[ResourceResult] = []
    asked = 0
    stopped: ClusterError | None = None  # the server stopped answering: no more dry runs
    unconfirmed = 0
    for result in report.resources:
        desired, now = desired_by_key.get(result.key), live_by_key.get(result.key)
        if desired is None or now is None or not mode.wants_dry_run(result):
            results.append(result)
            continue
        kind = f"{result.key.kind} ({result.key.group or 'core'})"
        if stopped is not None:
            unconfirmed += 1
            results.append(result)
            continue
        if kind in forbidden:
            results.append(result)
            continue
        asked += 1
        try:
            predicted = reader.dry_run(desired)
        except ClusterError as exc:  # dropped, cut or timed out after retries
            stopped, unconfirmed = exc, unconfirmed + 1
            results.append(result)
            continue
        except ApiError as exc:
            if exc.code == 403:
                forbidden.add(kind)
                warnings.append(
                    f"server-side dry run forbidden for {kind}: RBAC does not allow 'patch'; "
                    "kept the client-side result"
                )
            else:
                warnings.append(
                    f"{result.key}: server-side dry run failed ({exc.code} {exc.reason}); "
                    "kept the client-side result"
                )
            results.append(result)
            continue
        try:
            results.append(confirm(result, desired, now, predicted, settings))
        except Exception as exc:  # one resource's bug must not lose the others' results
            warnings.append(
                f"{result.key}: server-side confirmation failed (internal error "
                f"{type(exc).__name__}); kept the client-side result"
            )
            results.append(result)
    if stopped is not None:
        warnings.append(
            f"server-side dry runs stopped ({stopped}); kept the client-side result of "
            f"{unconfirmed} resource{'s'[: unconfirmed != 1]}"
        )
    log.info("server-side dry runs: %d", asked)
    return replace(report, resources=tuple(results), warnings=tuple(warnings))
