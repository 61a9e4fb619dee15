"""Label and field selectors with the grammar of k8s.io/apimachinery (labels.Parse, fields)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .store import Entry

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY_RE = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")
# Operators, longest first so "==" is not read as "=" followed by "=".
_OPERATORS = ("==", "!=", "=", ">", "<")


class SelectorError(ValueError):
    """An unparsable selector; the server answers 400 BadRequest with this message."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            # Like the real server: an absent key satisfies "!=" and "notin".
            return not present or value not in self.values
        try:
            number = int(value or "")
        except ValueError:
            return False
        limit = int(self.values[0])
        return number > limit if self.op == ">" else number < limit


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside "( )" of a set-based requirement."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _check_key(key: str) -> str:
    if not _KEY_RE.match(key):
        raise SelectorError(f"unable to parse requirement: invalid label key {key!r}")
    return key


def _check_value(value: str) -> str:
    if not _VALUE_RE.match(value):
        raise SelectorError(f"unable to parse requirement: invalid label value {value!r}")
    return value


def _parse_requirement(term: str) -> Requirement:
    term = term.strip()
    if not term:
        raise SelectorError("found '', expected: !, identifier, or 'end of string'")
    set_match = re.match(r"^(\S+)\s+(in|notin)\s*\((.*)\)$", term)
    if set_match:
        key, op, inner = set_match.groups()
        values = tuple(_check_value(v.strip()) for v in inner.split(",")) if inner.strip() else ()
        if not values:
            raise SelectorError(f"unable to parse requirement: {op} needs at least one value")
        return Requirement(_check_key(key), op, values)
    if term.startswith("!"):
        return Requirement(_check_key(term[1:].strip()), "!")
    for op in _OPERATORS:
        if op in term:
            key, _, value = term.partition(op)
            value = value.strip()
            if op in (">", "<") and not re.fullmatch(r"-?\d+", value):
                raise SelectorError(f"unable to parse requirement: {value!r} is not an integer")
            normalized = "=" if op == "==" else op
            return Requirement(_check_key(key.strip()), normalized, (_check_value(value),))
    if re.search(r"\s", term):
        raise SelectorError(f"unable to parse requirement: unexpected token in {term!r}")
    return Requirement(_check_key(term), "exists")


def parse_label_selector(text: str) -> Callable[[Mapping[str, str]], bool]:
    """A predicate over an object's labels; comma means AND; "" selects everything."""
    if not text.strip():
        return lambda _labels: True
    requirements = [_parse_requirement(term) for term in _split_top_level(text)]
    return lambda labels: all(r.matches(labels) for r in requirements)


# Fields each kind lets clients select on besides metadata.name/namespace (a subset of the
# real server's field label conversion functions).
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"),
    "Secret": ("type",),
    "Event": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "reason", "type", "source"),
    "Node": ("spec.unschedulable",),
    "Namespace": ("status.phase",),
    "Job": ("status.successful",),
    "ReplicaSet": ("status.replicas",),
}  # fmt: skip

_FIELD_TERM = re.compile(r"^(?P<field>[^=!]+?)(?P<op>==|!=|=)(?P<value>.*)$")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _split_escaped(text: str) -> list[str]:
    """Split on commas not escaped with a backslash (fields.ParseSelector escaping)."""
    return [t for t in re.split(r"(?<!\\),", text)]


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, bool):
        return "true" if node else "false"
    return "" if node is None else str(node)


def parse_field_selector(text: str, kind: str) -> Callable[[Entry], bool]:
    """A predicate over whole objects; unknown fields fail like the real server's."""
    if not text.strip():
        return lambda _obj: True
    allowed = {"metadata.name", "metadata.namespace", *EXTRA_FIELDS.get(kind, ())}
    terms: list[tuple[str, bool, str]] = []
    for term in _split_escaped(text):
        match = _FIELD_TERM.match(term.strip())
        if not match:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        field_path = match["field"].strip()
        if field_path not in allowed:
            raise SelectorError(f'field label not supported: "{field_path}"')
        terms.append((field_path, match["op"] == "!=", _unescape(match["value"])))

    def predicate(entry: Entry) -> bool:
        obj: Mapping[str, Any] | None = None  # parsed only when a non-metadata field is asked
        for field_path, negate, value in terms:
            if field_path == "metadata.name":
                actual = entry.name
            elif field_path == "metadata.namespace":
                actual = entry.namespace
            else:
                obj = obj if obj is not None else entry.load()
                actual = _field_value(obj, field_path)
            if (actual == value) == negate:
                return False
        return True

    return predicate
