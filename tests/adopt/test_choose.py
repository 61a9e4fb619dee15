"""Which differences are adopted: drift with a file to edit; never Secret values, nor a
controller's values unless asked; Helm and Terraform objects get a note naming where to look."""

from __future__ import annotations

from typing import Any

from drift_action.adopt.choose import Choice, choose
from drift_action.adopt.model import Action
from drift_action.core.model import (
    Actor,
    Attribution,
    Change,
    ChangeClass,
    ChangeType,
    Report,
    ResourceKey,
    ResourceResult,
    SourceLocation,
    Status,
)

WEB = ResourceKey("apps", "Deployment", "shop", "web")


def _by(actor: Actor, manager: str) -> Attribution:
    return Attribution(manager, "Update", None, actor)


def _result(changes: tuple[Change, ...], source: SourceLocation, key: ResourceKey = WEB) -> Any:
    return ResourceResult(key, "apps/v1", Status.DRIFTED, source, changes)


REPLICAS = Change(("spec", "replicas"), ChangeType.CHANGED, 3, 5, attribution=_by(Actor.HUMAN, "k"))
HOSTS = Change(
    ("spec", "hosts"),
    ChangeType.ADDED,
    None,
    ["a"],
    attribution=_by(Actor.CONTROLLER, "x-operator"),
)
PLANNED = Change(
    ("spec", "paused"), ChangeType.CHANGED, False, True, change_class=ChangeClass.PLANNED
)
GONE = Change(("metadata", "labels", "old"), ChangeType.MISSING, "x", None)


def test_drift_of_a_file_is_adopted_and_what_is_not_is_said() -> None:
    report = Report((_result((REPLICAS, HOSTS, PLANNED, GONE), SourceLocation("k8s/a.yaml", 4)),))
    targets, notes = choose(report, Choice())
    (target,) = targets
    assert (target.file, target.line) == ("k8s/a.yaml", 4)
    assert [(e.path, e.action, e.value) for e in target.edits] == [
        (("spec", "replicas"), Action.SET, 5),
        (("metadata", "labels", "old"), Action.DELETE, None),
    ]
    (note,) = notes
    assert "spec.hosts" in note and "x-operator" in note


def test_controllers_values_when_asked_and_fields_narrowed_by_glob() -> None:
    report = Report((_result((REPLICAS, HOSTS, GONE), SourceLocation("k8s/a.yaml", 1)),))
    targets, notes = choose(report, Choice(fields=("spec.*",), controllers=True))
    assert [e.path for e in targets[0].edits] == [("spec", "replicas"), ("spec", "hosts")]
    assert notes == []


def test_secret_values_are_never_adopted() -> None:
    key = ResourceKey("", "Secret", "shop", "creds")
    data = Change(("data", "password"), ChangeType.CHANGED, "a", "b", redacted=True)
    report = Report((_result((data,), SourceLocation("k8s/s.yaml", 1), key),))
    targets, notes = choose(report, Choice())
    assert targets == []
    assert len(notes) == 1 and "Secret shop/creds" in notes[0]


def test_helm_and_terraform_objects_are_named_not_edited() -> None:
    helm = _result((REPLICAS,), SourceLocation("charts/web/templates/deploy.yaml"))
    other = ResourceKey("apps", "Deployment", "shop", "api")
    terraform = _result(
        (REPLICAS,),
        SourceLocation("plan.json", None, "module.app.kubernetes_deployment.api"),
        other,
    )
    targets, notes = choose(Report((helm, terraform)), Choice(helm_charts=("charts/web",)))
    assert targets == []
    assert any("charts/web" in n and "values" in n for n in notes)
    assert any("module.app.kubernetes_deployment.api" in n for n in notes)
    # Helm names a template by the chart's name, the last part of the chart's path here.
    named = _result((REPLICAS,), SourceLocation("web/templates/deploy.yaml"))
    targets, notes = choose(Report((named,)), Choice(helm_charts=("deploy/charts/web",)))
    assert targets == [] and "deploy/charts/web" in notes[0]


def test_a_values_key_is_named_only_when_one_holds_the_value() -> None:
    from drift_action.adopt.helm_values import values_hint

    values = [("values.yaml", {"image": {"tag": "1.2.3"}, "replicas": 1, "other": 1})]
    assert values_hint(values, "1.2.3") == "values.yaml key image.tag"
    assert values_hint(values, 1) is None  # two keys hold it: no guess
    assert values_hint(values, True) is None
    assert values_hint(values, "1") is None  # too common to say
