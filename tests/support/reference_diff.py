"""The dictdiffer-based field diff that drift_action.compare.diff replaced, kept as a test oracle.

The package walks the desired side itself (faster: dictdiffer also walks and copies every
server default); the property tests check both give the same changes.

Every field the desired object sets must have the same value in the live object; fields only
the live object has (server defaults, controller bookkeeping) are not drift. Lists with a merge
key are matched item by item, so order and server-added items do not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dictdiffer

# The tables and rule names are shared: the oracle checks the walk, not the tables.
from drift_action.compare.diff import (
    _QUANTITY_FIELDS,
    _QUANTITY_MAPS,
    _UNORDERED,
    _UNORDERED_LIMIT,
    EMPTY_IS_UNSET,
    QUANTITY,
    UNORDERED,
    QuantityParser,
)
from drift_action.compare.merge_keys import index_by_key, key_fields
from drift_action.compare.rules import USER_KEYED_MAPS
from drift_action.core.model import Change, ChangeType, Normalization
from drift_action.core.paths import ListKey, Path, format_path


@dataclass
class FieldDiff:
    """Compares one pair of normalized objects; collects changes and what was explained away."""

    kind: str
    parse_quantity: QuantityParser | None = None
    notes: list[Normalization] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def changes(self, want: Mapping[str, Any], have: Mapping[str, Any]) -> list[Change]:
        aligned_want, aligned_have = self._align((), want, have)
        found: list[Change] = []
        for event, raw_path, payload in dictdiffer.diff(
            aligned_want, aligned_have, dot_notation=False
        ):
            path: Path = tuple(raw_path)
            if event == "change":
                old, new = payload
                if self._same(path, old, new):
                    continue
                found.append(Change(path, ChangeType.CHANGED, _plain(old), _plain(new)))
            elif event == "remove":
                for name, old in payload:
                    self._missing((*path, name), old, found)
            # "add" events are fields only the live object has: defaults, not drift.
        return found

    def _missing(self, path: Path, old: Any, found: list[Change]) -> None:
        # A missing mapping is reported as its fields (issue 17); list items stay whole.
        if _is_empty(old):
            self._note(EMPTY_IS_UNSET, path, "empty in Git, absent live")
        elif isinstance(path[-1], str) and type(old) is dict and all(type(k) is str for k in old):
            for name, inner in old.items():
                self._missing((*path, name), inner, found)
        else:
            found.append(Change(path, ChangeType.MISSING, _plain(old), None))

    def _note(self, rule: str, path: Path, reason: str) -> None:
        self.notes.append(Normalization(rule, format_path(path), reason))

    def _same(self, path: Path, old: Any, new: Any) -> bool:
        if old is None or (_is_empty(old) and _is_empty(new)):
            self._note(EMPTY_IS_UNSET, path, 'null, {}, [] and "" all mean unset')
            return True
        parse = self.parse_quantity
        if parse is not None and self._holds_quantities(path) and _scalar(old) and _scalar(new):
            try:
                equal = parse(old) == parse(new)
            except (ValueError, TypeError, ArithmeticError):
                self.warnings.append(f"{format_path(path)}: not a valid quantity on one side")
                return False
            if equal:
                self._note(QUANTITY, path, f"{old!s} and {new!s} are the same quantity")
            return equal
        return False

    def _holds_quantities(self, path: Path) -> bool:
        # Secret data is never parsed: its values must not reach notes or warnings.
        if self.kind == "Secret" or any(s in USER_KEYED_MAPS for s in path[:-1]):
            return False
        parent = path[-2] if len(path) >= 2 else None
        return path[-1] in _QUANTITY_FIELDS or parent in _QUANTITY_MAPS

    def _align(self, path: Path, want: Any, have: Any) -> tuple[Any, Any]:
        """Reshape both sides so that dictdiffer walks keyed lists by key and other lists whole."""
        # comparable() copies into plain dicts: the exact check is much cheaper than the ABC one.
        if isinstance(want, dict) and isinstance(have, dict):
            out_want: dict[Any, Any] = {}
            out_have: dict[Any, Any] = dict(have)
            for name, value in want.items():
                if name in have:
                    out_want[name], out_have[name] = self._align((*path, name), value, have[name])
                else:
                    out_want[name] = value
            return out_want, out_have
        if isinstance(want, list) and isinstance(have, list):
            return self._align_lists(path, want, have)
        return want, have

    def _align_lists(self, path: Path, want: list[Any], have: list[Any]) -> tuple[Any, Any]:
        fields = key_fields(self.kind, path)
        if fields is not None:
            want_items = index_by_key(want, fields)
            have_items = index_by_key(have, fields)
            if want_items is not None and have_items is not None:
                return self._align(path, want_items, have_items)
        if self._is_unordered(path) and len(want) <= _UNORDERED_LIMIT:
            return self._align_unordered(path, want, have)
        if len(want) == len(have) and all(isinstance(item, Mapping) for item in want):
            # Same length: compare item by item so defaults inside items do not count.
            return self._align(path, dict(enumerate(want)), dict(enumerate(have)))
        # Atomic: a tuple is compared by value, never walked.
        return tuple(want), tuple(have)

    def _is_unordered(self, path: Path) -> bool:
        return bool(path) and isinstance(path[-1], str) and (self.kind, path[-1]) in _UNORDERED

    def _align_unordered(self, path: Path, want: list[Any], have: list[Any]) -> tuple[Any, Any]:
        """Pair each desired item with a distinct live item it matches, in any order.

        Matched pairs compare equal; an unmatched desired item is reported on its own, so one
        missing address does not make the whole list look different.
        """
        unmatched = list(have)
        aligned_want: dict[int, Any] = {}
        aligned_have: dict[int, Any] = {}
        leftover: list[int] = []
        for index, item in enumerate(want):
            match = next((h for h in unmatched if self._item_covered(path, item, h)), None)
            if match is None:
                leftover.append(index)
                aligned_want[index] = item
            else:
                aligned_want[index] = aligned_have[index] = _Same
                unmatched.remove(match)
        if not leftover:
            self._note(UNORDERED, path, "the API keeps this list in no particular order")
        for index in leftover:
            # Compare with the closest remaining live item, so the report names what differs.
            if not unmatched:
                break
            closest = min(unmatched, key=lambda h: self._distance(want[index], h))
            unmatched.remove(closest)
            aligned_want[index], aligned_have[index] = self._align(
                (*path, index), want[index], closest
            )
        return aligned_want, aligned_have

    def _distance(self, want: Any, have: Any) -> int:
        if not (isinstance(want, Mapping) and isinstance(have, Mapping)):
            return 0 if want == have else 1
        return len(FieldDiff(self.kind, self.parse_quantity).changes({"i": want}, {"i": have}))

    def _item_covered(self, path: Path, want: Any, have: Any) -> bool:
        if not (isinstance(want, Mapping) and isinstance(have, Mapping)):
            return bool(want == have)
        inner = FieldDiff(self.kind, self.parse_quantity)
        return not inner.changes({"item": want}, {"item": have})


_Same = ("matched",)  # stands for a matched pair of items on both sides


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """Undo the alignment: keyed dicts and tuples back to lists."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        if value and all(isinstance(k, ListKey | int) for k in value):
            return [_plain(v) for v in value.values()]
        return {k: _plain(v) for k, v in value.items()}
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, Mapping | list | tuple | str) and len(value) == 0)
