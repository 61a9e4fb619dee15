"""Field-by-field comparison of one desired object with its live counterpart.

Every field the desired object sets must have the same value in the live object; fields only
the live object has (server defaults, controller bookkeeping) are not drift. Lists with a merge
key are matched item by item, so order and server-added items do not count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from math import isnan
from typing import Any

from drift_action.compare import zero_fields
from drift_action.compare.merge_keys import (
    HAND_TABLE,
    SCHEMA_SET,
    ListRule,
    index_by_key,
    list_rule,
)
from drift_action.compare.rules import USER_KEYED_MAPS
from drift_action.compare.zero_fields import dropped_when_zero, is_zero
from drift_action.core.model import Change, ChangeType, Normalization
from drift_action.core.paths import ListKey, Path, format_path

QuantityParser = Callable[[Any], Decimal]

# Maps whose values are resource quantities (cpu, memory, storage...), and quantity fields.
_QUANTITY_MAPS = frozenset(
    {"limits", "requests", "capacity", "allocatable", "hard", "used", "overhead"}
    | {"default", "defaultRequest", "max", "min", "maxLimitRequestRatio"}  # LimitRange
)
_QUANTITY_FIELDS = frozenset({"sizeLimit"})
# Lists the API keeps in no particular order, by (kind, field).
_UNORDERED = frozenset(
    {
        ("Endpoints", "subsets"),
        ("Endpoints", "addresses"),
        ("Endpoints", "notReadyAddresses"),
        ("Endpoints", "ports"),
    }
)
_UNORDERED_LIMIT = 500  # item-by-item matching is quadratic; past this, compare in order

_SCALARS = frozenset({str, int, float, bool})

EMPTY_IS_UNSET = "empty-is-unset"
QUANTITY = "quantity"
UNORDERED = "unordered-list"


@dataclass
class FieldDiff:
    """Compares one pair of normalized objects; collects changes and what was explained away."""

    kind: str
    parse_quantity: QuantityParser | None = None
    notes: list[Normalization] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def changes(self, want: Mapping[str, Any], have: Mapping[str, Any]) -> list[Change]:
        found: list[Change] = []
        self._walk((), want, have, found)
        return found

    def _walk(self, path: Path, want: Any, have: Any, found: list[Change]) -> None:
        """Walk what the desired side sets; fields only the live side has are never visited."""
        # comparable() copies into plain dicts: the exact check is much cheaper than the ABC one.
        if type(want) is dict and type(have) is dict:
            # Equal subtrees (labels, most containers) are settled in C; a live side with server
            # defaults differs in length, which the comparison sees at once.
            if want != have:
                self._walk_mapping(path, want, have, found)
        elif type(want) is list and type(have) is list:
            self._walk_lists(path, want, have, found)
        elif want is have or want == have or _both_nan(want, have):
            return
        elif not self._same(path, want, have):
            found.append(Change(path, ChangeType.CHANGED, _plain(want), _plain(have)))

    def _walk_mapping(
        self, path: Path, want: Mapping[Any, Any], have: Mapping[Any, Any], found: list[Change]
    ) -> None:
        missing = []
        for name, value in want.items():
            if name in have:
                live = have[name]
                # An equal scalar (most fields) is settled here, without a call: as in _walk.
                if value.__class__ in _SCALARS and value == live:
                    continue
                self._walk((*path, name), value, live, found)
            else:
                missing.append((name, value))
        # After the fields both sides have, as a report reads: what differs, then what is gone.
        for name, value in missing:
            self._missing((*path, name), value, found)

    def _missing(self, path: Path, value: Any, found: list[Change]) -> None:
        """A field Git sets that is not live: a mapping as the fields in it (`spec.replicas`,
        not `spec`), so each can be attributed, ignored and rated; a list item or a list whole."""
        if _is_empty(value):
            self._note(EMPTY_IS_UNSET, path, "empty in Git, absent live")
        elif is_zero(value) and dropped_when_zero(self.kind, path):
            self._note(zero_fields.ID, path, zero_fields.REASON)
        elif (
            isinstance(path[-1], str) and type(value) is dict and all(type(k) is str for k in value)
        ):
            for name, inner in value.items():
                self._missing((*path, name), inner, found)
        else:
            found.append(Change(path, ChangeType.MISSING, _plain(value), None))

    def _walk_lists(
        self, path: Path, want: list[Any], have: list[Any], found: list[Change]
    ) -> None:
        rule = list_rule(self.kind, path) if not self._is_unordered(path) else None
        if rule is not None and rule.type == "map":
            want_items = index_by_key(want, rule.keys)
            have_items = index_by_key(have, rule.keys)
            if want_items is not None and have_items is not None:
                if _reordered(want_items, have_items):
                    self._note(rule.rule, path, _matched_by(rule))
                self._walk_mapping(path, want_items, have_items, found)
                return
        elif rule is not None and want != have and len(want) <= _UNORDERED_LIMIT:
            # Set and atomic lists are one value: a value that differs is one change at the
            # list's path. Item by item first, so defaults live items add do not count.
            self._walk_whole(path, want, have, found, as_set=rule.type == "set")
            return
        if self._is_unordered(path) and len(want) <= _UNORDERED_LIMIT:
            self._walk_unordered(path, want, have, found)
        elif len(want) == len(have) and all(isinstance(item, Mapping) for item in want):
            # Same length: compare item by item so defaults inside items do not count.
            for index, (item, live_item) in enumerate(zip(want, have, strict=True)):
                self._walk((*path, index), item, live_item, found)
        elif want != have:
            # Atomic: compared by value, never walked.
            old, new = tuple(want), tuple(have)
            if not self._same(path, old, new):
                found.append(Change(path, ChangeType.CHANGED, _plain(old), _plain(new)))

    def _walk_whole(
        self, path: Path, want: list[Any], have: list[Any], found: list[Change], *, as_set: bool
    ) -> None:
        if as_set:
            # Every item Git sets must be live, in any order; items others added are theirs.
            unmatched = list(have)
            for item in want:
                match = next((h for h in unmatched if self._covers(path, item, h)), None)
                if match is None:
                    break
                unmatched.remove(match)
            else:
                self._note(SCHEMA_SET, path, "a set in the schema: order does not count")
                return
        elif len(want) == len(have):
            inner: list[Change] = []
            for index, (item, live) in enumerate(zip(want, have, strict=True)):
                self._walk((*path, index), item, live, inner)
            if all(c.type is ChangeType.MISSING for c in inner):
                # Fields Git sets that the live items lack keep their own paths: the rules
                # about defaults (provider-default, server-default) judge them one by one.
                found.extend(inner)
                return
        old, new = tuple(want), tuple(have)
        if not self._same(path, old, new):
            found.append(Change(path, ChangeType.CHANGED, _plain(old), _plain(new)))

    def _covers(self, path: Path, want: Any, have: Any) -> bool:
        """Whether the live item has everything the desired one sets (at its real path, so
        lists inside items keep their own semantics)."""
        if not (isinstance(want, Mapping) and isinstance(have, Mapping)):
            return bool(want == have)
        found: list[Change] = []
        FieldDiff(self.kind, self.parse_quantity)._walk(path, want, have, found)
        return not found

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

    def _is_unordered(self, path: Path) -> bool:
        return bool(path) and isinstance(path[-1], str) and (self.kind, path[-1]) in _UNORDERED

    def _walk_unordered(
        self, path: Path, want: list[Any], have: list[Any], found: list[Change]
    ) -> None:
        """Pair each desired item with a distinct live item it matches, in any order.

        Matched pairs compare equal; an unmatched desired item is reported on its own, so one
        missing address does not make the whole list look different.
        """
        unmatched = list(have)
        leftover: list[int] = []
        for index, item in enumerate(want):
            match = next((h for h in unmatched if self._item_covered(path, item, h)), None)
            if match is None:
                leftover.append(index)
            else:
                unmatched.remove(match)
        if not leftover:
            self._note(UNORDERED, path, "the API keeps this list in no particular order")
        missing: list[int] = []
        for index in leftover:
            # Compare with the closest remaining live item, so the report names what differs.
            if not unmatched:
                missing.append(index)
                continue
            closest = min(unmatched, key=lambda h: self._distance(want[index], h))
            unmatched.remove(closest)
            self._walk((*path, index), want[index], closest, found)
        self._walk_mapping(path, {i: want[i] for i in missing}, {}, found)

    def _distance(self, want: Any, have: Any) -> int:
        if not (isinstance(want, Mapping) and isinstance(have, Mapping)):
            return 0 if want == have else 1
        return len(FieldDiff(self.kind, self.parse_quantity).changes({"i": want}, {"i": have}))

    def _item_covered(self, path: Path, want: Any, have: Any) -> bool:
        if not (isinstance(want, Mapping) and isinstance(have, Mapping)):
            return bool(want == have)
        inner = FieldDiff(self.kind, self.parse_quantity)
        return not inner.changes({"item": want}, {"item": have})


def _reordered(want: Mapping[ListKey, Any], have: Mapping[ListKey, Any]) -> bool:
    """Whether the items both sides have come in another order live: where matching by key,
    not by position, is what made them compare equal."""
    return [k for k in want if k in have] != [k for k in have if k in want]


def _matched_by(rule: ListRule) -> str:
    keys = ", ".join(rule.keys)
    if rule.rule == HAND_TABLE:
        return f"matched by {keys} (a hand-kept key: the schema says nothing of this list)"
    return f"matched by {keys}, the list-map keys in the schema: order does not count"


def _both_nan(want: Any, have: Any) -> bool:
    return isinstance(want, float) and isinstance(have, float) and isnan(want) and isnan(have)


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
