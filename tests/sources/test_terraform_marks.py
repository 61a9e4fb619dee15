"""Marks on a desired object (unknown, sensitive, defaulted values) meet the comparison's changes.

Marks are positions in the body (`containers`, 0, `image`); changes name list items by their
merge keys (`containers[name=web].image`). Both spellings must be recognised.
"""

from __future__ import annotations

from typing import Any

from drift_action.compare.marks import KNOWN_AFTER_APPLY, PROVIDER_DEFAULT, SENSITIVE_NOTE, resolve
from drift_action.compare.verdicts import compare, redact
from drift_action.core.model import (
    Change,
    ChangeType,
    KubeObject,
    Marks,
    Normalization,
    ResourceKey,
    SourceLocation,
    Status,
)
from drift_action.core.paths import ListKey

KEY = ResourceKey("apps", "Deployment", "shop", "web")
CONTAINERS = ("spec", "template", "spec", "containers")


def _deployment(container: dict[str, Any], replicas: int = 3) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [container]}}},
    }


def _object(body: dict[str, Any], marks: Marks | None = None) -> KubeObject:
    return KubeObject(KEY, "apps/v1", body, SourceLocation("plan.json", None, "x.web"), marks)


def test_marks_resolve_to_index_and_merge_key_paths() -> None:
    container = {"name": "web", "ports": [{"containerPort": 8080}], "env": [{"name": "TOKEN"}]}
    path = (*CONTAINERS, 0, "env", 0, "value")
    resolved = resolve(_object(_deployment(container), Marks(sensitive=frozenset({path}))))
    web, token = ListKey((("name", "web"),)), ListKey((("name", "TOKEN"),))
    assert (*CONTAINERS, web, "env", token, "value") in resolved.sensitive
    assert (*CONTAINERS, 0, "env", 0, "value") in resolved.sensitive
    assert resolved.is_sensitive((*CONTAINERS, web, "env"))  # a change that holds the value
    assert not resolved.is_sensitive((*CONTAINERS, web, "image"))


def test_container_ports_are_keyed_below_a_keyed_container() -> None:
    container = {"name": "web", "ports": [{"containerPort": 8080}]}
    path = (*CONTAINERS, 0, "ports", 0, "protocol")
    resolved = resolve(_object(_deployment(container), Marks(defaults=frozenset({path}))))
    web = ListKey((("name", "web"),))
    port = ListKey((("containerPort", "8080"), ("protocol", "TCP")))
    assert (*CONTAINERS, web, "ports", port, "protocol") in resolved.defaults


def test_screen_sets_aside_unknown_and_defaulted_and_hides_sensitive() -> None:
    container = {"name": "web", "env": [{"name": "TOKEN", "value": "x"}], "stdin": False}
    marks = Marks(
        unknown=frozenset({(*CONTAINERS, 0, "image")}),
        sensitive=frozenset({(*CONTAINERS, 0, "env", 0, "value")}),
        defaults=frozenset({(*CONTAINERS, 0, "stdin")}),
    )
    resolved = resolve(_object(_deployment(container), marks))
    web, token = ListKey((("name", "web"),)), ListKey((("name", "TOKEN"),))
    changes = [
        Change((*CONTAINERS, web, "image"), ChangeType.ADDED, None, "nginx:1.27"),
        Change((*CONTAINERS, web, "stdin"), ChangeType.MISSING, False, None),
        Change((*CONTAINERS, web, "env", token, "value"), ChangeType.CHANGED, "x", "y"),
        Change(("spec", "replicas"), ChangeType.CHANGED, 3, 5),
    ]
    kept, notes = resolved.screen(changes, redact)
    assert [(c.path_text, c.desired, c.live, c.redacted) for c in kept] == [
        ("spec.template.spec.containers[name=web].env[name=TOKEN].value", "(hidden)", "(hidden)", True),
        ("spec.replicas", 3, 5, False),
    ]  # fmt: skip
    assert [(n.rule, n.path) for n in notes] == [
        (KNOWN_AFTER_APPLY, "spec.template.spec.containers[name=web].image"),
        (PROVIDER_DEFAULT, "spec.template.spec.containers[name=web].stdin"),
    ]


def test_a_default_that_differs_live_is_drift() -> None:
    marks = Marks(defaults=frozenset({("spec", "replicas")}))
    resolved = resolve(_object(_deployment({"name": "web"}), marks))
    kept, _ = resolved.screen([Change(("spec", "replicas"), ChangeType.CHANGED, 1, 3)], redact)
    assert len(kept) == 1  # only a default the cluster does not store is set aside


def test_notes_about_sensitive_values_say_nothing_of_them() -> None:
    container = {"name": "web", "resources": {"limits": {"memory": "1Gi"}}}
    path = (*CONTAINERS, 0, "resources", "limits", "memory")
    resolved = resolve(_object(_deployment(container), Marks(sensitive=frozenset({path}))))
    quantity = Normalization(
        "quantity",
        "spec.template.spec.containers[name=web].resources.limits.memory",
        "1Gi and 1024Mi are the same quantity",
    )
    other = Normalization("empty-is-unset", "spec.paused", "null means unset")
    assert resolved.scrub([quantity, other]) == (
        Normalization("quantity", quantity.path, SENSITIVE_NOTE),
        other,
    )


def test_compare_uses_the_marks_and_the_hint() -> None:
    desired = _object(
        _deployment({"name": "web", "env": [{"name": "TOKEN", "value": "abc"}]}),
        Marks(
            unknown=frozenset({(*CONTAINERS, 0, "image")}),
            sensitive=frozenset({(*CONTAINERS, 0, "env", 0, "value")}),
            hint="run terraform apply",
        ),
    )
    live = KubeObject(
        KEY,
        "apps/v1",
        _deployment(
            {"name": "web", "image": "nginx", "env": [{"name": "TOKEN", "value": "xyz"}]},
            replicas=5,
        ),
        SourceLocation("live.yaml", 1),
    )
    (result,) = compare([desired], [live]).resources
    assert result.status is Status.DRIFTED
    assert result.message == "run terraform apply"
    assert {c.path_text: (c.desired, c.live) for c in result.changes} == {
        "spec.replicas": (3, 5),
        "spec.template.spec.containers[name=web].env[name=TOKEN].value": ("(hidden)", "(hidden)"),
    }
    assert [n.path for n in result.normalized if n.rule == KNOWN_AFTER_APPLY] == [
        "spec.template.spec.containers[name=web].image"
    ]


def test_an_object_without_marks_is_untouched() -> None:
    (result,) = compare([_object(_deployment({"name": "web"}))], []).resources
    assert result.status is Status.MISSING
    assert result.message == ""
    assert result.normalized == ()
