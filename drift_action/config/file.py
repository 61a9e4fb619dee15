"""The config file (`.drift.yaml` unless `--config` names another): rules and settings.

Every key is checked, so a typo fails loudly (exit 2) instead of silently ignoring nothing.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml

from drift_action.compare.rules import (
    IgnoreRule,
    PathPattern,
    ResourceMatch,
    SeverityRule,
    parse_path,
    parse_pointer,
)
from drift_action.config.sources import read_sources
from drift_action.core.errors import InputError
from drift_action.core.files import display_path, read_text
from drift_action.core.model import Severity
from drift_action.core.paths import format_path
from drift_action.core.yaml_docs import parse_documents
from drift_action.sources import SourceSpec

DEFAULT_FILE = ".drift.yaml"

TOP_KEYS = ("sources", "managers", "normalize", "ignore", "severity")
MANAGER_KEYS = ("deployers", "humans", "controllers")
NORMALIZE_KEYS = ("aggregatedClusterRoles", "injectedCaBundles")
MATCH_KEYS = ("group", "kind", "namespace", "name")
PATTERN_KEYS = ("jsonPointers", "paths")
IGNORE_KEYS = (*MATCH_KEYS, *PATTERN_KEYS, "managedFieldsManagers")
SEVERITY_KEYS = (*MATCH_KEYS, *PATTERN_KEYS, "level")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Where = tuple[str | int, ...]  # a place in the config file, e.g. ("ignore", 1, "paths")


@dataclass(frozen=True)
class Config:
    """Settings from the config file; `Config()` is what runs without one."""

    ignore: tuple[IgnoreRule, ...] = ()
    severity: tuple[SeverityRule, ...] = ()
    deployers: tuple[str, ...] = ()  # field manager globs added to the built-in lists
    humans: tuple[str, ...] = ()
    controllers: tuple[str, ...] = ()
    aggregated_cluster_roles: bool = True
    injected_ca_bundles: bool = True
    source: str | None = None  # the file the settings came from
    sources: tuple[SourceSpec, ...] = ()  # what to render; empty: the command line says


def load_config(path: str | None, *, programs: bool = True) -> Config:
    """The config at `path`; with None, `.drift.yaml` here if there is one, else defaults.

    `programs=False`: the file is the repository's (the action, --confine-to), and may not
    name a program to run (`helmBinary`): a pull request could point it at its own script.
    """
    if path is None:
        if not os.path.exists(DEFAULT_FILE):
            return Config()
        path = DEFAULT_FILE
    return parse_config(read_text(path), display_path(path), programs=programs)


def parse_config(text: str, file: str, *, programs: bool = True) -> Config:
    documents = [doc for doc in parse_documents(text, file) if doc.data is not None]
    if not documents:
        return Config(source=file)
    if len(documents) > 1:
        message = f"expected one YAML document, found {len(documents)}"
        raise InputError(message, file=file, line=documents[1].source.line)
    start = documents[0].source.line or 1
    reader = _Reader(file, start, _lines_by_place(text, start), programs=programs)
    return reader.config(documents[0].data)


class _Reader:
    """Checks the parsed document against the schema, citing file and line on error."""

    def __init__(
        self, file: str, start: int, lines: Mapping[Where, int], *, programs: bool = True
    ) -> None:
        self.file, self.start, self.lines = file, start, lines
        self.programs = programs  # may the file name a program to run

    def config(self, data: Any) -> Config:
        top = self.mapping(data, (), TOP_KEYS)
        managers = self.section(top, "managers", MANAGER_KEYS)
        normalize = self.section(top, "normalize", NORMALIZE_KEYS)
        ignore = self.items(top.get("ignore"), ("ignore",))
        severity = self.items(top.get("severity"), ("severity",))
        return Config(
            ignore=tuple(self.ignore_rule(rule, ("ignore", i)) for i, rule in enumerate(ignore)),
            severity=tuple(self.severity_rule(r, ("severity", i)) for i, r in enumerate(severity)),
            deployers=self.strings(managers.get("deployers"), ("managers", "deployers")),
            humans=self.strings(managers.get("humans"), ("managers", "humans")),
            controllers=self.strings(managers.get("controllers"), ("managers", "controllers")),
            aggregated_cluster_roles=self.flag(normalize, "aggregatedClusterRoles"),
            injected_ca_bundles=self.flag(normalize, "injectedCaBundles"),
            source=self.file,
            sources=read_sources(self, top.get("sources"), os.path.dirname(self.file)),
        )

    def ignore_rule(self, data: Any, where: Where) -> IgnoreRule:
        rule = self.mapping(data, where, IGNORE_KEYS)
        if not rule:
            self.fail(where, "empty rule would ignore every change; write kind: '*' to mean that")
        return IgnoreRule(
            name=f"{self.file} {format_path(where)}",
            match=self.resource_match(rule, where),
            patterns=self.patterns(rule, where),
            managers=self.strings(
                rule.get("managedFieldsManagers"), (*where, "managedFieldsManagers")
            ),
        )

    def severity_rule(self, data: Any, where: Where) -> SeverityRule:
        rule = self.mapping(data, where, SEVERITY_KEYS)
        if rule.get("level") is None:
            self.fail(where, "missing key 'level' (high, medium or low)")
        level = rule["level"]
        levels = [severity.value for severity in Severity]
        if not isinstance(level, str) or level.lower() not in levels:
            self.fail((*where, "level"), f"unknown level {level!r} (expected high, medium or low)")
        return SeverityRule(
            self.resource_match(rule, where), self.patterns(rule, where), Severity(level.lower())
        )

    def resource_match(self, rule: Mapping[str, Any], where: Where) -> ResourceMatch:
        globs = [self.glob(rule.get(key), (*where, key)) for key in MATCH_KEYS]
        return ResourceMatch(*globs)

    def patterns(self, rule: Mapping[str, Any], where: Where) -> tuple[PathPattern, ...]:
        found: list[PathPattern] = []
        for field, parse, what in (
            ("jsonPointers", parse_pointer, "JSON pointer"),
            ("paths", parse_path, "path"),
        ):
            for i, text in enumerate(self.strings(rule.get(field), (*where, field))):
                try:
                    found.append(parse(text))
                except ValueError as exc:
                    self.fail((*where, field, i), f"bad {what} {text!r}: {exc}")
        return tuple(found)

    def section(
        self, top: Mapping[str, Any], key: str, allowed: Sequence[str]
    ) -> Mapping[str, Any]:
        value = top.get(key)
        return {} if value is None else self.mapping(value, (key,), allowed)

    def mapping(self, value: Any, where: Where, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, got {_describe(value)}")
        for key in value:
            if key not in allowed:
                hint = _suggest(str(key), allowed)
                self.fail(where, f"unknown key {key!r} {hint}", at=(*where, str(key)))
        return value

    def items(self, value: Any, where: Where) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, f"expected a list of rules, got {_describe(value)}")
        return value

    def strings(self, value: Any, where: Where) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(where, f"expected a list of strings, got {_describe(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail((*where, i), f"expected a string, got {_describe(item)}")
        return tuple(value)

    def glob(self, value: Any, where: Where) -> str | None:
        if value is not None and not isinstance(value, str):
            self.fail(where, f"expected a string (a glob), got {_describe(value)}")
        return value

    def flag(self, section: Mapping[str, Any], key: str) -> bool:
        value = section.get(key)
        if value is None:
            return True  # both normalizations are on unless turned off
        if not isinstance(value, bool):
            self.fail(("normalize", key), f"expected true or false, got {_describe(value)}")
        return value

    def fail(self, where: Where, message: str, *, at: Where | None = None) -> NoReturn:
        place = where if at is None else at
        while place and place not in self.lines:
            place = place[:-1]
        line = self.lines.get(place, self.start)
        prefix = f"{format_path(where)}: " if where else ""
        raise InputError(prefix + message, file=self.file, line=line)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    names = {str: "a string", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    return names.get(type(value), type(value).__name__)


def _suggest(key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"(did you mean {close[0]!r}?)"
    return f"(expected one of: {', '.join(allowed)})"


def _lines_by_place(text: str, start: int) -> dict[Where, int]:
    """The line of every key and list item of the document starting at `start`."""
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is not None and node.start_mark.line + 1 == start:
                return dict(_node_lines(node, (), set()))
    except (yaml.YAMLError, RecursionError):
        pass  # parse_documents accepted the text; without marks errors cite the document start
    return {}


def _node_lines(node: yaml.Node, where: Where, seen: set[int]) -> Iterator[tuple[Where, int]]:
    # Aliases share nodes: visiting each once keeps recursive or exploding anchors cheap.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*where, str(key.value))
            yield here, key.start_mark.line + 1
            yield from _node_lines(value, here, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield (*where, i), item.start_mark.line + 1
            yield from _node_lines(item, (*where, i), seen)
