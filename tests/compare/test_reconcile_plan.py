"""What a reconcile would apply, decided without a cluster (compare/reconcile_plan.py): Helm
objects only when asked, Terraform objects never, extras never deleted, and the field manager
taken from the deployer that owns the object."""

from __future__ import annotations

from typing import Any

import pytest

from drift_action.compare.managers import ManagerClasses
from drift_action.compare.reconcile_plan import (
    EXTRA_SKIP,
    FALLBACK_MANAGER,
    HELM_SKIP,
    TERRAFORM_SKIP,
    plan,
)
from drift_action.core.model import (
    Change,
    ChangeType,
    KubeObject,
    Report,
    ResourceKey,
    ResourceResult,
    Severity,
    SourceLocation,
    Status,
)
from drift_action.core.reconcile import Outcome, ReconcileOptions, ReconcileRefused

HERE = SourceLocation("git.yaml", 1)


def key(name: str) -> ResourceKey:
    return ResourceKey("", "ConfigMap", "default", name)


def desired(name: str) -> KubeObject:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}
    return KubeObject(key(name), "v1", body, HERE)


def live(name: str, *managers: tuple[str, str, dict[str, Any]]) -> KubeObject:
    entries = [{"manager": m, "operation": op, "fieldsV1": f} for m, op, f in managers]
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "managedFields": entries},
    }
    return KubeObject(key(name), "v1", body, SourceLocation("cluster"))


def drifted(name: str, severity: Severity = Severity.MEDIUM) -> ResourceResult:
    change = Change(("data", "k"), ChangeType.CHANGED, "a", "b", severity=severity)
    return ResourceResult(key(name), "v1", Status.DRIFTED, HERE, (change,))


FIELDS = {"f:data": {"f:k": {}, "f:j": {}}}


def test_helm_and_terraform_objects_are_left_to_their_tools() -> None:
    objects = [desired("plain"), desired("chart"), desired("plan")]
    tools = {id(objects[1].body): "HelmSpec", id(objects[2].body): "TerraformSpec"}
    report = Report((drifted("plain"), drifted("chart"), drifted("plan")))
    on_cluster = [live(n, ("helm", "Update", FIELDS)) for n in ("plain", "chart", "plan")]
    steps, left = plan(
        report, objects, on_cluster, tools=tools, options=ReconcileOptions(),
        managers=ManagerClasses(),
    )  # fmt: skip
    assert [s.key.name for s in steps] == ["plain"]
    assert {r.key.name: (r.outcome, r.reason) for r in left} == {
        "chart": (Outcome.SKIPPED, HELM_SKIP),
        "plan": (Outcome.SKIPPED, TERRAFORM_SKIP),
    }
    steps, left = plan(
        report, objects, on_cluster, tools=tools, options=ReconcileOptions(helm=True),
        managers=ManagerClasses(),
    )  # fmt: skip
    assert sorted(s.key.name for s in steps) == ["chart", "plain"]


def test_the_deployer_that_owns_the_object_applies_it() -> None:
    objects = [desired("a"), desired("b"), desired("new")]
    on_cluster = [
        live(
            "a", ("kubectl-edit", "Update", FIELDS), ("argocd-controller", "Apply", {"f:data": {}})
        ),
        live("b", ("kubectl-client-side-apply", "Update", FIELDS), ("helm", "Update", {"f:x": {}})),
    ]
    missing = ResourceResult(key("new"), "v1", Status.MISSING, HERE)
    extra = ResourceResult(key("extra"), "v1", Status.EXTRA, None)
    report = Report((drifted("a"), drifted("b"), missing, extra))
    steps, left = plan(
        report, objects, on_cluster, tools={}, options=ReconcileOptions(),
        managers=ManagerClasses(),
    )  # fmt: skip
    managers = {s.key.name: (s.manager, s.created) for s in steps}
    assert managers["a"] == ("argocd-controller", False)  # an Apply entry first
    assert managers["b"] == ("kubectl-client-side-apply", False)  # then the most fields
    assert managers["new"][1] is True and managers["new"][0] in (
        "argocd-controller",
        "kubectl-client-side-apply",
    )
    assert [(r.key.name, r.reason) for r in left] == [("extra", EXTRA_SKIP)]
    steps, _ = plan(
        Report((missing,)), [desired("new")], [], tools={}, options=ReconcileOptions(),
        managers=ManagerClasses(),
    )  # fmt: skip
    assert steps[0].manager == FALLBACK_MANAGER


@pytest.mark.parametrize("allowed", [False, True])
def test_high_severity_needs_its_own_opt_in(allowed: bool) -> None:
    report = Report((drifted("a", Severity.HIGH),))
    options = ReconcileOptions(high=allowed)
    if not allowed:
        with pytest.raises(ReconcileRefused, match="high-severity"):
            plan(report, [desired("a")], [], tools={}, options=options, managers=ManagerClasses())
        return
    steps, _ = plan(
        report, [desired("a")], [], tools={}, options=options, managers=ManagerClasses()
    )
    assert [s.key.name for s in steps] == ["a"]
