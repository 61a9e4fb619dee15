"""A CA injector (cert-manager's cainjector, operators) fills in a webhook's or API's caBundle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drift_action.core.model import Actor, Change

if TYPE_CHECKING:
    from drift_action.compare.set_aside import Subject

ID = "injected-ca-bundle"

_KINDS = frozenset(
    {
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "CustomResourceDefinition",
        "APIService",
    }
)
# A person or the deployer writing a caBundle is not an injection.
_INJECTORS = frozenset({Actor.CONTROLLER, Actor.UNKNOWN})


def check(change: Change, subject: Subject) -> str | None:
    if (
        subject.context.injected_ca_bundles
        and subject.key.kind in _KINDS
        and change.path[-1:] == ("caBundle",)
        and (change.attribution is None or change.attribution.actor in _INJECTORS)
    ):
        who = change.attribution.manager if change.attribution else "another system"
        return f"the CA bundle is injected by {who}, not deployed from Git"
    return None
