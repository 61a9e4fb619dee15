"""`helm_release` (hashicorp/helm): what to render, and which strings are sensitive.

A release whose chart is a local path is rendered by the Helm source with its `values` (YAML
texts), `set`, `set_list` and `set_sensitive` entries, `name` as the release and `namespace`.
A chart from a repository (`repository`, `oci://`, a URL) cannot be rendered offline.

The plan does not hold a release's rendered objects, so their state before the plan (the base)
is known only when the plan leaves the release as it is: then the objects rendered from its
planned values are also its base (`ReleaseBase`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.core.errors import InputError
from drift_action.core.yaml_docs import parse_documents
from drift_action.sources.terraform.trees import any_true, deeper_than, part

_REMOTE = ("oci://", "http://", "https://")
_INPUTS = ("chart", "repository", "name", "namespace", "values", "set", "set_list", "set_sensitive")
_RENDERED_FROM = (*_INPUTS, "version")  # what the release's objects are rendered from


class ReleaseBase(enum.Enum):
    """What stands for a release's objects before the plan (the base)."""

    SAME = "same"  # the plan leaves the release as it is: its rendered objects
    CHANGED = "changed"  # the plan changes it: its rendered objects stand in, with a note
    NONE = "none"  # the plan creates it: none (its objects are planned creations)


@dataclass(frozen=True)
class HelmRelease:
    address: str
    chart: str  # as the plan has it: relative to where terraform ran, or absolute
    release: str
    namespace: str
    values: tuple[str, ...] = ()  # YAML texts, later ones win
    set: tuple[str, ...] = ()  # helm --set expressions
    set_string: tuple[str, ...] = ()  # helm --set-string expressions
    sensitive: tuple[str, ...] = ()  # values that must never be shown
    base: ReleaseBase = ReleaseBase.SAME


class NotRenderable(Exception):
    """The release cannot be rendered here; the message says why (never a value)."""


def read_release(
    address: str, after: Mapping[str, Any], unknown: Any, sensitive: Any
) -> HelmRelease:
    for name in _INPUTS:
        if any_true(part(unknown, name)):
            raise NotRenderable(f"its {name} is known only after apply: not rendered")
    chart = after.get("chart")
    if not isinstance(chart, str) or not chart:
        raise NotRenderable("it has no chart")
    repository = after.get("repository")
    if (isinstance(repository, str) and repository) or chart.startswith(_REMOTE):
        where = repository if isinstance(repository, str) and repository else chart
        raise NotRenderable(
            f"its chart {chart!r} comes from {where!r}: it cannot be rendered offline "
            "(render a local copy with --helm-chart)"
        )
    values = [v for v in _blocks(after, "values") if isinstance(v, str)]
    sets, set_strings, secrets = _sets(after, sensitive)
    for index, text in enumerate(values):
        if any_true(part(part(sensitive, "values"), index)):
            secrets.extend(_leaves(text))
    release = after.get("name")
    namespace = after.get("namespace")
    return HelmRelease(
        address=address,
        chart=chart,
        release=release if isinstance(release, str) and release else "release-name",
        namespace=namespace if isinstance(namespace, str) and namespace else "default",
        values=tuple(values),
        set=tuple(sets),
        set_string=tuple(set_strings),
        sensitive=tuple(dict.fromkeys(s for s in secrets if s)),
    )


def unchanged(before: Any, after: Mapping[str, Any]) -> bool:
    """Whether the plan renders the release from what it was rendered from before: chart,
    version, name, namespace, values and sets alike."""
    if not isinstance(before, Mapping):
        return False
    return all(before.get(key) == after.get(key) for key in _RENDERED_FROM)


def _sets(after: Mapping[str, Any], sensitive: Any) -> tuple[list[str], list[str], list[str]]:
    sets: list[str] = []
    set_strings: list[str] = []
    secrets: list[str] = []
    for block in ("set", "set_sensitive"):
        for index, entry in enumerate(_blocks(after, block)):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                continue
            value = "" if entry.get("value") is None else str(entry.get("value"))
            marked = part(part(part(sensitive, block), index), "value")
            if block == "set_sensitive" or any_true(marked):
                secrets.append(value)
            expression = f"{entry['name']}={value}"
            (set_strings if entry.get("type") in ("string", "literal") else sets).append(expression)
    for index, entry in enumerate(_blocks(after, "set_list")):
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            if not isinstance(entry.get("value") or [], list):
                raise NotRenderable(f"its set_list[{index}] value is not a list: not rendered")
            items = [str(v) for v in entry.get("value") or () if v is not None]
            if any_true(part(part(sensitive, "set_list"), index)):
                secrets.extend(items)
            sets.append(f"{entry['name']}={{{','.join(items)}}}")
    return sets, set_strings, secrets


def _blocks(after: Mapping[str, Any], name: str) -> list[Any]:
    """The list attribute `name` (null: none); NotRenderable when it is something else."""
    value = after.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise NotRenderable(f"its {name} is not a list: not rendered")
    return value


def _leaves(text: str) -> Iterator[str]:
    """The scalar values of a values YAML, as strings: each is sensitive."""
    try:  # read as manifests are: alias bombs and the like are refused
        documents = parse_documents(text, "values")
    except InputError:
        documents = []
    if len(documents) != 1 or deeper_than(documents[0].data):
        yield text  # unreadable: the whole text is the secret
        return
    yield from _scalars(documents[0].data)


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)
