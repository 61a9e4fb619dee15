"""The desired state before a plan: each object as Terraform last applied it (the base).

A plan holds two states of each resource besides its planned values. `resource_changes[].change
.before` is the prior state as refreshed; for a resource the refresh found changed outside
Terraform, `resource_drift[].change.before` is the state before that refresh, what Terraform
last applied. So the base of an object is its `resource_drift` entry's `before` when it has one
(a hand edit then reads as drift: base and head agree, the cluster does not), else its
`resource_changes` entry's `before`. A created object has no base (a planned creation); a
deleted one has a base and no head (a planned deletion).

Base documents are built by the same readers as the head's, sourced at the same address, and
hide what either side marks sensitive. When the prior state cannot be read, the head document
stands in for the base (what differs then reads as drift, as without a base) and carries a note
saying so: notes ride on the base documents (`Document.warnings`), so only a run that compares
with the base shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from drift_action.core.model import Document
from drift_action.sources.terraform.convert import (
    HINT,
    converts,
    document,
    identity_problem,
    object_of,
    with_sensitive,
)
from drift_action.sources.terraform.helm_release import HelmRelease, ReleaseBase
from drift_action.sources.terraform.plan import Instance
from drift_action.sources.terraform.typed import Unusable

WITHOUT = "compared without the plan's prior state (what differs from the cluster reads as drift)"


class NoPrior(Exception):
    """The prior state cannot be read; the message says why (never a value)."""


def prior_document(instance: Instance, drift: Instance | None, file: str) -> Document | None:
    """The object as Terraform last applied it (`drift`: the instance's resource_drift entry);
    None when the plan creates it. NoPrior when its prior state cannot be read."""
    if drift is None and instance.created:
        return None
    entry = drift if drift is not None else instance
    if not isinstance(entry.before, Mapping):
        what = "is missing" if entry.before is None else "is not an object"
        raise NoPrior(f"its prior state {what}")
    try:
        converted = object_of(instance.type, entry.before, None, entry.before_sensitive)
    except Unusable as exc:
        raise NoPrior(f"{exc} in its prior state") from None
    if converted is None:
        raise NoPrior("its prior state is not an object drift-action reads")
    if problem := identity_problem(converted):
        raise NoPrior(f"{problem} in its prior state")
    return document(converted, file, instance.address, HINT)


def base_and_head(
    instance: Instance, drift: Instance | None, head: Document, file: str
) -> tuple[Document | None, Document]:
    """The base document of an object the plan keeps or creates (None: it creates it), and its
    head document, each hiding what the other marks sensitive."""
    try:
        base = prior_document(instance, drift, file)
    except NoPrior as exc:
        return _stand_in(head, f"{file}: {instance.address}: {exc}, so it is {WITHOUT}"), head
    if base is None:
        return None, head
    if base.marks is not None:
        head = with_sensitive(head, base.marks)
    if head.marks is not None:
        base = with_sensitive(base, head.marks)
    return base, head


def deleted_base(instance: Instance, drift: Instance | None, file: str) -> Document | None:
    """The base document of an object the plan deletes (a planned deletion); None for a
    resource that is not a Kubernetes object of ours. NoPrior when its prior state cannot be
    read."""
    if not converts(instance.type):
        return None
    return prior_document(instance, drift, file)


def release_base(release: HelmRelease, rendered: Sequence[Document], file: str) -> list[Document]:
    """The base documents of a Helm release's objects, rendered once from its planned values:
    the plan holds none of them. They are the rendered objects themselves when the plan leaves
    the release as it is, and stand in (with a note) when it changes it; none when it creates
    it."""
    if release.base is ReleaseBase.NONE:
        return []
    documents = [_stand_in(document) for document in rendered]
    if release.base is ReleaseBase.CHANGED:
        note = (
            f"{file}: {release.address}: the plan changes this Helm release and holds none of its "
            f"objects, so they are {WITHOUT}"
        )
        documents = with_note(documents, note)
    return documents


def no_prior_note(file: str) -> str:
    """What a plan without resource_changes says once, on its first base document."""
    return f"{file}: the plan has no resource_changes, so its objects are {WITHOUT}"


def _stand_in(head: Document, note: str = "") -> Document:
    """The head document standing in for the base, with a note when there is one (what parsing
    noticed is said with the head)."""
    return replace(head, warnings=(note,) if note else ())


def with_note(documents: list[Document], note: str) -> list[Document]:
    """The documents with `note` on the first (said once, only where a base is compared)."""
    if not documents:
        return documents
    first = documents[0]
    return [replace(first, warnings=(*first.warnings, note)), *documents[1:]]
