"""A CA injector (cert-manager's cainjector, OpenShift's service CA, operators) fills in a
webhook's or API's caBundle.

Only with evidence: a caBundle that Git sets and that differs live is drift (Fleet's test suite
asserts so for user-managed bundles) unless managedFields name a writer that is neither a
person nor the deployer, or the object carries an injector's annotation. One that Git does not
set at all is the injector's to fill."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from drift_action.core.model import Actor, Change, ChangeType

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
# The annotations that ask an injector to fill the bundle in.
_ANNOTATIONS = (
    "cert-manager.io/inject-ca-from",
    "cert-manager.io/inject-ca-from-secret",
    "cert-manager.io/inject-apiserver-ca",
    "service.beta.openshift.io/inject-cabundle",
)


def check(change: Change, subject: Subject) -> str | None:
    if not (
        subject.context.injected_ca_bundles
        and subject.key.kind in _KINDS
        and change.path[-1:] == ("caBundle",)
    ):
        return None
    if change.type is ChangeType.ADDED:
        return "Git sets no CA bundle here: the one live was filled in by an injector"
    if change.attribution is not None and change.attribution.actor in _INJECTORS:
        return f"the CA bundle is injected by {change.attribution.manager}, not deployed from Git"
    marker = _injector_annotation(subject.have) or _injector_annotation(subject.want)
    if marker is not None:
        return f"the CA bundle is injected (the object is annotated {marker})"
    return None


def _injector_annotation(body: Mapping[str, Any]) -> str | None:
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, Mapping):
        return None
    return next((name for name in _ANNOTATIONS if name in annotations), None)
