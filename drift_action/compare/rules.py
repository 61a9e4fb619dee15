"""Ignore and severity rules: which resources and field paths they cover, and what they decide.

Pure: the config file is read by `config/file.py`; this module only matches records.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from drift_action.core.model import Change, ResourceKey, Severity
from drift_action.core.paths import ListKey, Path


class Wildcard(enum.Enum):
    """`*` (or `[*]`) in a pattern: any one segment."""

    ANY = "*"


# A selector ListKey matches list items whose key holds all of its fields.
PatternSegment = str | int | ListKey | Wildcard


@dataclass(frozen=True)
class ResourceMatch:
    """Globs on a resource's identity (case-sensitive); None matches anything."""

    group: str | None = None
    kind: str | None = None
    namespace: str | None = None  # cluster-scoped objects have namespace ""
    name: str | None = None

    def matches(self, key: ResourceKey) -> bool:
        pairs = (
            (self.group, key.group),
            (self.kind, key.kind),
            (self.namespace, key.namespace),
            (self.name, key.name),
        )
        return all(glob is None or fnmatchcase(value, glob) for glob, value in pairs)


@dataclass(frozen=True)
class PathPattern:
    """A field path that also covers everything below it.

    JSON pointers reach keyed list items (`containers[name=web]`) only through `*`; their
    numeric tokens address list positions or map keys made of digits, as RFC 6901 says.
    """

    segments: tuple[PatternSegment, ...]
    text: str
    pointer: bool = False

    def matches(self, path: Path) -> bool:
        if len(path) < len(self.segments):
            return False
        return all(
            _segment_matches(pattern, segment, self.pointer)
            for pattern, segment in zip(self.segments, path, strict=False)
        )

    def __str__(self) -> str:
        return self.text


def _segment_matches(pattern: PatternSegment, segment: str | int | ListKey, pointer: bool) -> bool:
    if isinstance(pattern, Wildcard):
        return True
    if isinstance(pattern, ListKey):
        return isinstance(segment, ListKey) and set(pattern.fields) <= set(segment.fields)
    if isinstance(pattern, int):
        return isinstance(segment, int) and segment == pattern
    if isinstance(segment, int):
        return pointer and pattern == str(segment)
    return segment == pattern


_POINTER_ESCAPE = re.compile(r"~(?![01])")


def parse_pointer(text: str) -> PathPattern:
    """An RFC 6901 JSON pointer such as `/metadata/labels/app.kubernetes.io~1name`."""
    source = text.strip()
    if not source:
        raise ValueError("empty JSON pointer")
    if not source.startswith("/"):
        raise ValueError("a JSON pointer starts with '/'")
    return PathPattern(tuple(_pointer_token(raw) for raw in source[1:].split("/")), source, True)


def _pointer_token(raw: str) -> PatternSegment:
    if not raw:
        raise ValueError("empty segment")
    if raw == "*":
        return Wildcard.ANY
    if _POINTER_ESCAPE.search(raw):
        raise ValueError("bad escape: '~' must be followed by 0 ('~') or 1 ('/')")
    return raw.replace("~1", "/").replace("~0", "~")


_NAME = re.compile(r'[^.\[\]"\s]+')
_INDEX = re.compile(r"[0-9]+\Z")
_JSON = json.JSONDecoder()


def parse_path(text: str) -> PathPattern:
    """A path in the reports' syntax: `spec.template.spec.containers[name=web].image`."""
    source = text.strip()
    if not source:
        raise ValueError("empty path")
    segments: list[PatternSegment] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "[":
            segment, pos = _bracket(source, pos + 1)
        elif char == "]":
            raise ValueError("unbalanced brackets: unexpected ']'")
        else:
            if segments:
                if char != ".":
                    raise ValueError(f"expected '.' or '[' at column {pos + 1}")
                pos += 1
            name = _NAME.match(source, pos)
            if name is None:
                raise ValueError(f"empty or bad segment at column {pos + 1}")
            segment, pos = (Wildcard.ANY if name.group() == "*" else name.group()), name.end()
        segments.append(segment)
    return PathPattern(tuple(segments), source)


def _bracket(source: str, start: int) -> tuple[PatternSegment, int]:
    """The segment inside `[...]` that opens before `start`, and the position after `]`."""
    if source.startswith('"', start):
        try:
            key, end = _JSON.raw_decode(source, start)
        except json.JSONDecodeError:
            raise ValueError('bad quoted key: expected a JSON string, e.g. ["a/b"]') from None
        if not source.startswith("]", end):
            raise ValueError("unbalanced brackets: missing ']' after quoted key")
        return str(key), end + 1
    close = source.find("]", start)
    inner = source[start:close].strip() if close >= 0 else ""
    if close < 0:
        raise ValueError("unbalanced brackets: missing ']'")
    if "[" in inner:
        raise ValueError("unbalanced brackets: unexpected '['")
    if inner == "*":
        return Wildcard.ANY, close + 1
    if _INDEX.match(inner):
        return int(inner), close + 1
    return _selector(inner), close + 1


def _selector(inner: str) -> ListKey:
    fields: list[tuple[str, str]] = []
    for pair in inner.split(","):
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"bad list item '[{inner}]': use [N], [*], [key=value] or [\"key\"]")
        fields.append((name.strip(), value.strip()))
    return ListKey(tuple(fields))


@dataclass(frozen=True)
class IgnoreRule:
    """Changes set aside (and counted) instead of reported as drift. `name` cites the rule."""

    name: str
    match: ResourceMatch = ResourceMatch()
    patterns: tuple[PathPattern, ...] = ()
    managers: tuple[str, ...] = ()  # globs on the field manager that last wrote the live value

    def ignores(self, key: ResourceKey, change: Change) -> bool:
        if not self.match.matches(key):
            return False
        if not self.patterns and not self.managers:
            return True
        if any(pattern.matches(change.path) for pattern in self.patterns):
            return True
        owner = change.attribution
        return owner is not None and any(fnmatchcase(owner.manager, m) for m in self.managers)


def first_ignoring(
    rules: Iterable[IgnoreRule], key: ResourceKey, change: Change
) -> IgnoreRule | None:
    return next((rule for rule in rules if rule.ignores(key, change)), None)


@dataclass(frozen=True)
class SeverityRule:
    """A user's severity for matching changes; no patterns means every change of the resource."""

    match: ResourceMatch
    patterns: tuple[PathPattern, ...]
    level: Severity

    def applies_to(self, key: ResourceKey, change: Change) -> bool:
        if not self.match.matches(key):
            return False
        return not self.patterns or any(p.matches(change.path) for p in self.patterns)


_HIGH, _MEDIUM, _LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW

# Built-in severities by field name, wherever the field sits in the object.
FIELD_SEVERITY: Mapping[str, Severity] = {
    "securityContext": _HIGH,
    "privileged": _HIGH,
    "allowPrivilegeEscalation": _HIGH,
    "capabilities": _HIGH,
    "hostNetwork": _HIGH,
    "hostPID": _HIGH,
    "hostIPC": _HIGH,
    "hostPath": _HIGH,
    "serviceAccountName": _HIGH,
    "serviceAccount": _HIGH,
    "automountServiceAccountToken": _HIGH,
    "image": _HIGH,
    "resources": _MEDIUM,
    "livenessProbe": _MEDIUM,
    "readinessProbe": _MEDIUM,
    "startupProbe": _MEDIUM,
    "env": _MEDIUM,
    "envFrom": _MEDIUM,
    "replicas": _LOW,
}

# Fields named by their parent too: labels and annotations of an object or a pod template.
NESTED_FIELD_SEVERITY: Mapping[tuple[str, str], Severity] = {
    ("metadata", "labels"): _LOW,
    ("metadata", "annotations"): _LOW,
}

_RBAC = "rbac.authorization.k8s.io"

# Top-level fields of particular kinds: (group, kind, field).
KIND_FIELD_SEVERITY: Mapping[tuple[str, str, str], Severity] = {
    (_RBAC, "Role", "rules"): _HIGH,
    (_RBAC, "ClusterRole", "rules"): _HIGH,
    (_RBAC, "ClusterRole", "aggregationRule"): _HIGH,
    (_RBAC, "RoleBinding", "subjects"): _HIGH,
    (_RBAC, "RoleBinding", "roleRef"): _HIGH,
    (_RBAC, "ClusterRoleBinding", "subjects"): _HIGH,
    (_RBAC, "ClusterRoleBinding", "roleRef"): _HIGH,
}

# Below these fields the keys are the user's data, not field names (a label named `image`).
USER_KEYED_MAPS = frozenset(
    {"labels", "annotations", "data", "stringData", "binaryData", "matchLabels", "nodeSelector"}
)


def severity_of(rules: Iterable[SeverityRule], key: ResourceKey, change: Change) -> Severity:
    """The first matching user rule's level, else the built-in default for the path."""
    for rule in rules:
        if rule.applies_to(key, change):
            return rule.level
    return default_severity(key, change.path)


def default_severity(key: ResourceKey, path: Path) -> Severity:
    """The most severe built-in default any segment of `path` hits; MEDIUM when none does."""
    top = path[0] if path else None
    hits = [KIND_FIELD_SEVERITY.get((key.group, key.kind, top))] if isinstance(top, str) else []
    for parent, name in _field_names(path):
        hits += [FIELD_SEVERITY.get(name), NESTED_FIELD_SEVERITY.get((parent, name))]
    found = (level for level in hits if level is not None)
    return min(found, key=lambda level: level.rank, default=_MEDIUM)


def _field_names(path: Path) -> Iterator[tuple[str, str]]:
    """(parent, name) of each segment that names a field; the parent is "" after a list item."""
    parent = ""
    for segment in path:
        if not isinstance(segment, str):
            parent = ""
            continue
        yield parent, segment
        if segment in USER_KEYED_MAPS:
            return
        parent = segment
