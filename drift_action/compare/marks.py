"""What a source knows about a desired object's values: unknown, sensitive or a tool's default.

A Terraform plan marks values it knows only after apply and values that are sensitive. The
marks are positions in the object's body (`spec.template.spec.containers[0].image`); changes
are named by merge keys (`containers[name=web].image`). This module translates one into the
other and screens a comparison's changes and notes:

* a change at or below an unknown value is set aside: the value is "known after apply";
* a change that reaches a sensitive value shows `(hidden)` on both sides, and so do notes;
* a field the desired object sets to a tool's default (the provider's `false`, `0`, `"Always"`)
  that the API server does not store is not drift when it is absent live;
* a field that differs between two renders of a Helm chart (a generated certificate, a random
  password) is not compared by value, nor is anything below it (its very shape may vary); the
  field absent or added live at its own path is still drift.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from drift_action.compare.merge_keys import item_key, key_fields
from drift_action.core.model import (
    Change,
    ChangeType,
    IndexPath,
    KubeObject,
    Marks,
    Normalization,
    Status,
)
from drift_action.core.paths import ListKey, Path, format_path

KNOWN_AFTER_APPLY = "known-after-apply"
PROVIDER_DEFAULT = "provider-default"
NONDETERMINISTIC = "nondeterministic-render"
SENSITIVE_NOTE = "values hidden: Terraform marks this value sensitive"
HIDDEN = "(hidden)"
_KEY_VALUE = re.compile(r"=([^,\]]*)(?=[,\]])")  # a value in a list item key: `[name=web]`
_UNKNOWN_REASON = "Terraform knows this value only after apply: not compared"
_DEFAULT_REASON = "the Terraform provider's default, which the API server does not store"
_VARYING_REASON = "the chart renders a new value every time (random or generated): not compared"


@dataclass(frozen=True)
class Resolved:
    """Marks as change paths: every form a comparison may name the marked field by."""

    unknown: tuple[Path, ...] = ()
    sensitive: tuple[Path, ...] = ()
    defaults: tuple[Path, ...] = ()
    varying: tuple[Path, ...] = ()
    unknown_names: tuple[str, ...] = ()  # one readable path per unknown value
    sensitive_texts: tuple[str, ...] = ()
    secrets: frozenset[str] = frozenset()  # sensitive strings, kept out of list item keys

    def is_sensitive(self, path: Path) -> bool:
        """At, below or above a sensitive value: the change would show some of it."""
        marks, above = self._sensitive_index
        return path in above or any(path[:end] in marks for end in range(len(path)))

    def is_unknown(self, path: Path) -> bool:
        marks = self._unknown_index
        return any(path[:end] in marks for end in range(len(path) + 1))

    # Sets, so that a plan with thousands of marks and changes is not checked pair by pair.
    @cached_property
    def _sensitive_index(self) -> tuple[frozenset[Path], frozenset[Path]]:
        """The marks, and every path at or above one."""
        above = frozenset(mark[:end] for mark in self.sensitive for end in range(len(mark) + 1))
        return frozenset(self.sensitive), above

    @cached_property
    def _unknown_index(self) -> frozenset[Path]:
        return frozenset(self.unknown)

    @cached_property
    def _varying_index(self) -> frozenset[Path]:
        return frozenset(self.varying)

    def varies(self, change: Change) -> Path | None:
        """The varying field that sets `change` aside: its value differs at the field itself;
        anything differs below it (its shape varies). A field absent or added live at its own
        path is still drift. None when no varying field does."""
        marks = self._varying_index
        if change.type is ChangeType.CHANGED and change.path in marks:
            return change.path
        return next(
            (change.path[:end] for end in range(len(change.path)) if change.path[:end] in marks),
            None,
        )

    @cached_property
    def _defaults_index(self) -> frozenset[Path]:
        return frozenset(self.defaults)

    @cached_property
    def _sensitive_text_index(self) -> tuple[frozenset[str], frozenset[str]]:
        """The marks as text, and every path text at or above one."""
        texts = self.sensitive_texts
        return frozenset(texts), frozenset(up for text in texts for up in _at_and_above(text))

    def screen(
        self, changes: Iterable[Change], redact: Callable[[Change], Change]
    ) -> tuple[list[Change], list[Normalization]]:
        """Changes without the unknown and defaulted ones, sensitive ones hidden; and notes."""
        notes = [
            Normalization(KNOWN_AFTER_APPLY, name, _UNKNOWN_REASON) for name in self.unknown_names
        ]
        kept: list[Change] = []
        for change in changes:
            if self.unknown and self.is_unknown(change.path):
                continue
            if self.varying and (varying := self.varies(change)) is not None:
                path = format_path(self.hide_keys(varying))
                notes.append(Normalization(NONDETERMINISTIC, path, _VARYING_REASON))
                continue
            if change.type is ChangeType.MISSING and change.path in self._defaults_index:
                path = format_path(self.hide_keys(change.path))
                notes.append(Normalization(PROVIDER_DEFAULT, path, _DEFAULT_REASON))
                continue
            sensitive = self.is_sensitive(change.path)  # the marks name items by their keys
            if self.secrets:
                change = replace(change, path=self.hide_keys(change.path))  # noqa: PLW2901
            kept.append(redact(change) if sensitive else change)
        return kept, list(dict.fromkeys(notes))

    def hide_keys(self, path: Path) -> Path:
        """`path` with each list item key that holds a sensitive value shown as `(hidden)`:
        `containers[name=(hidden)]`. A sensitive value is never part of a name."""
        if not self.secrets or not any(isinstance(segment, ListKey) for segment in path):
            return path
        return tuple(
            ListKey(tuple((field, HIDDEN) for field, _ in segment.fields))
            if isinstance(segment, ListKey)
            and any(value in self.secrets for _, value in segment.fields)
            else segment
            for segment in path
        )

    def scrub(self, notes: Iterable[Normalization]) -> tuple[Normalization, ...]:
        """Notes that could quote a sensitive value (a quantity note does) say so instead."""
        if not self.sensitive_texts and not self.secrets:
            return tuple(notes)
        return tuple(
            Normalization(
                n.rule,
                self.hide_key_texts(n.path),
                SENSITIVE_NOTE if self._names_sensitive(n.path) else n.reason,
            )
            for n in notes
        )

    def hide_key_texts(self, text: str) -> str:
        """Text (a path, a warning naming one) with each sensitive value in a list item key
        shown as `(hidden)`."""
        if "=" not in text or not self.secrets:
            return text
        text = _KEY_VALUE.sub(lambda m: f"={HIDDEN}" if m[1] in self.secrets else m[0], text)
        for secret in self._odd_secrets:
            for end in ("]", ","):
                text = text.replace(f"={secret}{end}", f"={HIDDEN}{end}")
        return text

    @cached_property
    def _odd_secrets(self) -> tuple[str, ...]:
        """Secrets the pattern of a key's value cannot find: they hold `,` or `]`."""
        return tuple(s for s in self.secrets if "," in s or "]" in s)

    def _names_sensitive(self, text: str) -> bool:
        """At, below or above a sensitive path (`a.b` is above `a.b.c` and `a.b[0]`)."""
        marks, above = self._sensitive_text_index
        return text in above or any(up in marks for up in _at_and_above(text))


def _at_and_above(text: str) -> Iterator[str]:
    """A path's text and the texts of the paths above it: `a.b[0]`, `a.b`, `a`."""
    yield text
    for at, char in enumerate(text):
        if char in ".[":
            yield text[:at]


NO_MARKS = Resolved()


def resolve(obj: KubeObject) -> Resolved:
    """The object's marks as change paths; NO_MARKS for the usual object without any."""
    marks = obj.marks
    if marks is None or not (marks.unknown or marks.sensitive or marks.defaults or marks.varying):
        return NO_MARKS
    kind, body = obj.key.kind, obj.body
    unknown = [_forms(kind, body, path) for path in sorted(marks.unknown, key=_order)]
    sensitive = [_forms(kind, body, path) for path in sorted(marks.sensitive, key=_order)]
    defaults = [_forms(kind, body, path) for path in sorted(marks.defaults, key=_order)]
    varying = [_forms(kind, body, path) for path in sorted(marks.varying, key=_order)]
    keys = Resolved(secrets=marks.secrets)  # to name the unknown values
    return Resolved(
        unknown=tuple(form for forms in unknown for form in forms),
        sensitive=tuple(form for forms in sensitive for form in forms),
        defaults=tuple(form for forms in defaults for form in forms),
        varying=tuple(form for forms in varying for form in forms),
        unknown_names=tuple(
            dict.fromkeys(format_path(keys.hide_keys(forms[-1])) for forms in unknown)
        ),
        sensitive_texts=tuple(format_path(form) for forms in sensitive for form in forms),
        secrets=marks.secrets,
    )


def hint(obj: KubeObject, status: Status) -> str:
    """What the source says to run when its object drifted or is missing."""
    if obj.marks is None or not status.is_drift:
        return ""
    return obj.marks.hint


def _order(path: IndexPath) -> tuple[str, ...]:
    return tuple(str(segment) for segment in path)


def _forms(kind: str, body: Mapping[str, Any], path: IndexPath) -> list[Path]:
    """The change paths that can name the field at `path`: list items by position or by key.

    The last form uses merge keys wherever the items have them, as the diff does.
    """
    forms: list[Path] = [()]
    value: Any = body
    for segment in path:
        if isinstance(segment, int):
            item = value[segment] if isinstance(value, list) and segment < len(value) else None
            grown: list[Path] = []
            for form in forms:
                grown.append((*form, segment))
                fields = key_fields(kind, form)
                key = item_key(item, fields) if fields is not None else None
                if key is not None:
                    grown.append((*form, key))
            forms = list(dict.fromkeys(grown))
            value = item
        else:
            forms = [(*form, segment) for form in forms]
            value = value.get(segment) if isinstance(value, Mapping) else None
    return forms


__all__ = [
    "KNOWN_AFTER_APPLY",
    "NONDETERMINISTIC",
    "NO_MARKS",
    "PROVIDER_DEFAULT",
    "Marks",
    "Resolved",
    "hint",
    "resolve",
]
