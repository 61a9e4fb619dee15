"""Differences that are not drift, because something other than Git rightly sets the field.

One module per rule, as yamllint keeps its rules: each has `ID` (the rule name that `--explain`
and the JSON report show) and `check(change, subject)`, which gives the reason when the rule
sets the change aside. `RULES` is the order they are asked in; the first to claim a change
takes it. A new rule is a new module and an entry in `RULES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from drift_action.compare.set_aside import (
    aggregated_rules,
    encrypted,
    hpa_replicas,
    injected_ca_bundle,
    server_defaults,
)
from drift_action.core.model import Change, Normalization, ResourceKey


@dataclass(frozen=True)
class Context:
    """What the rules need to know beyond the object itself."""

    hpa_targets: frozenset[ResourceKey] = frozenset()
    aggregated_cluster_roles: bool = True
    injected_ca_bundles: bool = True


@dataclass(frozen=True)
class Subject:
    """The object whose changes are judged: its key and both sides as compared."""

    key: ResourceKey
    want: Mapping[str, Any]
    have: Mapping[str, Any]
    context: Context


class Rule(Protocol):
    ID: str

    def check(self, change: Change, subject: Subject) -> str | None: ...


RULES: tuple[Rule, ...] = (
    hpa_replicas,
    aggregated_rules,
    injected_ca_bundle,
    encrypted,
    server_defaults,
)


def set_aside(
    changes: Iterable[Change], subject: Subject
) -> tuple[list[Change], list[Normalization]]:
    """The changes no rule claims, and a note for each one a rule set aside."""
    kept = list(changes)
    notes: list[Normalization] = []
    for rule in RULES:
        remaining: list[Change] = []
        for change in kept:
            reason = rule.check(change, subject)
            if reason is None:
                remaining.append(change)
            else:
                notes.append(Normalization(rule.ID, change.path_text, reason))
        kept = remaining
    return kept, notes
