"""Reconcile: server-side apply the desired objects the drift report found drifted or missing.

Three passes, so nothing is written unless every object could be: a dry run of every object
(any failure but a conflict or a refused `patch` stops the run before the first write), then
the real applies one object at a time (a failure stops that object only), then a re-read of
what was applied, compared with Git again, which says whether it was really put back.

Secret data travels only in the request bodies: results carry the drift report's changes
(already redacted) and, for Secrets, not even the server's error message, which can quote a
rejected value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from drift_action.compare.reconcile_plan import Step, plan
from drift_action.compare.verdicts import Settings, compare
from drift_action.core.model import KubeObject, Report, ResourceKey, SourceLocation, Status
from drift_action.core.objects import RawObject, live_objects
from drift_action.core.reconcile import (
    Outcome,
    ReconcileOptions,
    ReconcileRefused,
    ReconcileResult,
    Reconciliation,
)
from drift_action.live.cluster import ClusterReader
from drift_action.live.kube_client import ApiError, ClusterError

log = logging.getLogger(__name__)


def reconcile(
    report: Report,
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    reader: ClusterReader,
    *,
    tools: Mapping[int, str],
    options: ReconcileOptions,
    settings: Settings,
) -> Report:
    steps, left = plan(
        report, desired, live, tools=tools, options=options, managers=settings.managers
    )
    applier = _Applier(reader, options)
    ready = applier.dry_runs(steps)
    applied = applier.applies(ready)
    verified = _verify(applied, reader, settings)
    results = (*applier.results, *verified, *left)
    order = {r.key: n for n, r in enumerate(report.sorted_resources())}
    ordered = tuple(sorted(results, key=lambda r: order.get(r.key, len(order))))
    log.info("reconcile: %d applied, %d left alone", len(applied), len(results) - len(applied))
    return replace(
        report,
        warnings=(*report.warnings, *applier.warnings),
        reconciliation=Reconciliation(ordered, options.force_conflicts),
    )


def _kind(key: ResourceKey) -> str:
    return f"{key.kind} ({key.group or 'core'})"


def _why(step: Step, exc: ApiError) -> str:
    if step.key.kind == "Secret":
        return f"{exc.code} {exc.reason}"  # the server's message may quote Secret data
    return f"{exc.code} {exc.reason}: {exc.message}"


class _Applier:
    def __init__(self, reader: ClusterReader, options: ReconcileOptions) -> None:
        self.reader, self.options = reader, options
        self.results: list[ReconcileResult] = []
        self.warnings: list[str] = []
        self._forbidden: set[str] = set()

    def _send(self, step: Step, *, dry_run: bool) -> Any:
        obj = step.desired
        resource = self.reader.discovery.resolve(
            obj.key.group, obj.key.kind, obj.api_version.rpartition("/")[2]
        )
        body = dict(obj.body)
        metadata = {k: v for k, v in (body.get("metadata") or {}).items() if k != "managedFields"}
        if resource.namespaced:
            metadata["namespace"] = obj.key.namespace
        body["metadata"] = metadata
        path = resource.object_path(obj.key.namespace, obj.key.name)
        return self.reader.client.apply(
            path,
            body,
            manager=step.manager,
            force=self.options.force_conflicts,
            dry_run=dry_run,
        )

    def _left(self, step: Step, outcome: Outcome, reason: str) -> None:
        self.results.append(
            ReconcileResult(step.key, outcome, step.manager, reason, step.changes, step.created)
        )

    def _refused(self, step: Step, exc: ApiError) -> bool:
        """A conflict or a refused `patch` stops this object only; True when it was one."""
        if exc.code == 409:
            hint = "" if self.options.force_conflicts else " (--force-conflicts takes them)"
            self._left(step, Outcome.CONFLICT, _why(step, exc) + hint)
            return True
        if exc.code == 403:
            kind = _kind(step.key)
            if kind not in self._forbidden:
                self._forbidden.add(kind)
                self.warnings.append(
                    f"reconcile forbidden for {kind}: RBAC does not allow 'patch'; "
                    "its objects were not applied (see the optional write role in "
                    "deploy/rbac.yaml)"
                )
            self._left(step, Outcome.FORBIDDEN, "RBAC does not allow 'patch' on this kind")
            return True
        return False

    def dry_runs(self, steps: Sequence[Step]) -> list[Step]:
        ready: list[Step] = []
        for step in steps:
            if _kind(step.key) in self._forbidden:
                self._left(step, Outcome.FORBIDDEN, "RBAC does not allow 'patch' on this kind")
                continue
            try:
                self._send(step, dry_run=True)
            except ApiError as exc:
                if self._refused(step, exc):
                    continue
                raise ReconcileRefused(
                    f"reconcile stopped: the dry run of {step.key} failed ({_why(step, exc)}); "
                    "nothing was applied"
                ) from None
            except ClusterError as exc:
                raise ReconcileRefused(
                    f"reconcile stopped during the dry runs ({exc}); nothing was applied"
                ) from None
            ready.append(step)
        return ready

    def applies(self, ready: Sequence[Step]) -> list[Step]:
        applied: list[Step] = []
        stopped: ClusterError | None = None
        for step in ready:
            if stopped is not None:
                self._left(step, Outcome.FAILED, f"not applied: {stopped}")
                continue
            try:
                self._send(step, dry_run=False)
            except ApiError as exc:
                if not self._refused(step, exc):
                    self._left(step, Outcome.FAILED, _why(step, exc))
                continue
            except ClusterError as exc:
                stopped = exc
                self._left(step, Outcome.FAILED, f"not applied: {exc}")
                continue
            applied.append(step)
        return applied


def _verify(
    applied: Sequence[Step], reader: ClusterReader, settings: Settings
) -> list[ReconcileResult]:
    """Read each applied object back and compare it with Git again."""
    bodies: list[RawObject] = []
    source = SourceLocation(f"cluster {reader.client.host}")
    unread: dict[ResourceKey, str] = {}
    for step in applied:
        obj = step.desired
        resource = reader.discovery.resolve(
            obj.key.group, obj.key.kind, obj.api_version.rpartition("/")[2]
        )
        try:
            body = reader.client.get_json(resource.object_path(obj.key.namespace, obj.key.name))
        except (ApiError, ClusterError) as exc:
            unread[obj.key] = f"applied, but could not be read back ({type(exc).__name__})"
            continue
        bodies.append(RawObject(body, source))
    now, _ = live_objects(bodies)
    again = {
        r.key: r for r in compare([s.desired for s in applied], now, settings=settings).resources
    }
    results = []
    for step in applied:
        result = again.get(step.key)
        if step.key in unread or result is None:
            outcome, reason = Outcome.STILL_DIFFERS, unread.get(step.key, "not read back")
        elif result.status is Status.IN_SYNC:
            outcome, reason = Outcome.REVERTED, ""
        else:
            paths = ", ".join(c.path_text for c in result.changes[:5]) or result.status.value
            outcome, reason = Outcome.STILL_DIFFERS, f"still differs after the apply: {paths}"
        results.append(
            ReconcileResult(step.key, outcome, step.manager, reason, step.changes, step.created)
        )
    return results
