"""The fix for each drifted or missing object: the command that applies Git again, for the
source that declared it, and the commands that remove what that leaves in place.

Pure: it reads the report, the desired objects (their origin) and the live objects (how the
deployer applied them), and runs nothing. An extra object (live, not in Git) gets no fix:
drift-action never suggests deleting, since another tool may own it. Nor does an object a pull
request changes: applying the head's files would deploy the PR before it is merged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from drift_action.compare.managers import ManagerClasses
from drift_action.core.fixes import FixKind, Origin, OriginKind, Remediation
from drift_action.core.model import (
    Change,
    ChangeClass,
    KubeObject,
    Report,
    ResourceKey,
    ResourceResult,
    Status,
)
from drift_action.remediation import helm, kubectl, terraform
from drift_action.remediation.leftovers import leftover_commands
from drift_action.remediation.method import Method, has_last_applied, method_of, usual


def remediate(
    report: Report,
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    managers: ManagerClasses | None = None,
) -> Report:
    """The report with a fix on each result that drifted or is missing."""
    fixes = _Fixes(desired, live, managers or ManagerClasses())
    # What a pull request changes: applying its file (or kustomization, or release) would deploy
    # the change before the merge, so the objects deployed with it get no fix either.
    changed = {_deployed_with(r) for r in report.resources if r.classes - {ChangeClass.DRIFT}}
    results = tuple(
        replace(r, fix=fixes.fix(r)) if _wants_fix(r) and _deployed_with(r) not in changed else r
        for r in report.resources
    )
    return replace(report, resources=results)


def _wants_fix(result: ResourceResult) -> bool:
    if result.status not in (Status.DRIFTED, Status.MISSING) or not result.is_drift:
        return False
    return result.object_class in (None, ChangeClass.DRIFT) and all(
        c.change_class is ChangeClass.DRIFT for c in result.changes
    )


def _deployed_with(result: ResourceResult) -> tuple[str, str] | None:
    """What one fix command deploys with the object: its file, kustomization or release (a
    Terraform fix targets its one resource)."""
    source = result.source
    if source is None or source.origin is None or source.address is not None:
        return None
    if source.origin.kind is OriginKind.MANIFESTS:
        return ("file", source.file)
    return ("source", source.origin.source)


class _Fixes:
    def __init__(
        self, desired: Sequence[KubeObject], live: Sequence[KubeObject], managers: ManagerClasses
    ) -> None:
        self.desired = {obj.key: obj for obj in desired}
        self.live = {obj.key: obj for obj in live}
        self.managers = managers
        # How each live object was applied, read when a fix asks (most results want none, and
        # reading managedFields for all of them cost more than the rest of the fixes together).
        self.methods: dict[ResourceKey, Method | None] = {}
        self.sources: dict[str, list[ResourceKey]] = {}
        for obj in desired:
            if obj.source.origin is not None:
                self.sources.setdefault(obj.source.origin.source, []).append(obj.key)
        self.usual: dict[str, Method] = {}

    def method(self, key: ResourceKey) -> Method | None:
        if key not in self.methods:
            seen = self.live.get(key)
            self.methods[key] = None if seen is None else method_of(seen.body, self.managers)
        return self.methods[key]

    def usual_in(self, source: str) -> Method:
        """How a source's live objects were applied, for one of its objects not live yet."""
        if source not in self.usual:
            found = (self.method(key) for key in self.sources.get(source, ()))
            self.usual[source] = usual(m for m in found if m is not None)
        return self.usual[source]

    def fix(self, result: ResourceResult) -> Remediation | None:
        source = result.source
        if source is None:
            return None
        live = self.live.get(result.key)
        if source.address is not None:  # a Terraform resource
            plan, apply = terraform.plan_and_apply(source, source.address)
            then = self._leftovers(result, live, lambda _: True)
            return Remediation(FixKind.TERRAFORM, plan, (apply, *then))
        origin, obj = source.origin, self.desired.get(result.key)
        if origin is None or obj is None:
            return None
        if origin.kind is OriginKind.HELM:
            command, hidden = helm.upgrade(origin)
            then = self._leftovers(result, live, lambda _: True)  # Helm's record says what to drop
            return Remediation(FixKind.HELM, command, then, redacted=hidden)
        return self._apply(result, obj, origin, live)

    def _apply(
        self, result: ResourceResult, obj: KubeObject, origin: Origin, live: KubeObject | None
    ) -> Remediation:
        method = self.method(result.key) or self.usual_in(origin.source)
        if origin.kind is OriginKind.KUSTOMIZE:
            target = ("-k", origin.path)
        else:
            target = ("-f", obj.source.file)
        command = kubectl.apply(target, method, kubectl.namespace_flag(obj.key, obj.body))
        annotated = live is not None and has_last_applied(live.body)

        def cleared(change: Change) -> bool:
            """Whether the apply removes a field Git dropped: a server-side apply what its own
            manager applied; a client-side one what the annotation records."""
            who = change.attribution
            applied = who is not None and who.operation == "Apply"
            if method.server_side:
                return applied and who is not None and who.manager == method.manager
            return annotated and not applied

        return Remediation(FixKind.APPLY, command, self._leftovers(result, live, cleared))

    def _leftovers(
        self, result: ResourceResult, live: KubeObject | None, cleared: Callable[[Change], bool]
    ) -> tuple[tuple[str, ...], ...]:
        if live is None or result.status is not Status.DRIFTED:
            return ()
        return leftover_commands(result.key, result.changes, live.body, cleared)


__all__ = ["remediate"]
