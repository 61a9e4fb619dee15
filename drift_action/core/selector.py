"""Kubernetes label selectors: `app=web,tier!=db,env in (prod,staging),!legacy`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from drift_action.core.errors import UsageError

_SET_RE = re.compile(r"^(?P<key>[^\s!=,()]+)\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)$")
_EQ_RE = re.compile(r"^(?P<key>[^\s!=,()]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=,()]*)$")
_EXISTS_RE = re.compile(r"^(?P<neg>!?)\s*(?P<key>[^\s!=,()]+)$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "in", "notin", "exists", "!exists"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!exists":
            return self.key not in labels
        if self.op == "in":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values


@dataclass(frozen=True)
class Selector:
    text: str
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(req.matches(labels) for req in self.requirements)


def parse_selector(text: str) -> Selector:
    requirements = [_parse_requirement(part.strip(), text) for part in _split(text)]
    if not requirements:
        raise UsageError(f"empty label selector {text!r}")
    return Selector(text, tuple(requirements))


def _split(text: str) -> list[str]:
    """Split on commas that are not inside `in (...)` value lists."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _parse_requirement(part: str, text: str) -> Requirement:
    if match := _SET_RE.match(part):
        values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
        return Requirement(match["key"], match["op"], values)
    if match := _EQ_RE.match(part):
        op = "notin" if match["op"] == "!=" else "in"
        return Requirement(match["key"], op, frozenset({match["value"]}))
    if match := _EXISTS_RE.match(part):
        return Requirement(match["key"], "!exists" if match["neg"] else "exists")
    raise UsageError(f"invalid label selector {text!r}: cannot parse {part!r}")
