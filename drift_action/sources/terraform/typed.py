"""Typed resources of the kubernetes provider as API objects, driven by the tables in `schema`.

The walk follows the planned values together with Terraform's `after_unknown` and
`after_sensitive` trees, so each unknown, sensitive or defaulted value is recorded at its
position in the API object (`Marks`). Unknown values are left out of the object; nulls and
empty values mean "not set", as the provider treats them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drift_action.core.model import IndexPath, Marks
from drift_action.sources.terraform.schema import (
    ACRONYMS,
    COMPUTED,
    INT_OR_STRING,
    INTEGER_STRINGS,
    MAPS,
    OCTAL,
    PROVIDER_ONLY,
    RENAMES,
    REPEATED,
    SERVER_SET,
    SINGLE_IN,
    TEMPLATE_ONLY_METADATA,
    TypedResource,
    is_default,
)
from drift_action.sources.terraform.trees import any_true, part

_INTEGER = re.compile(r"[+-]?\d+\Z")
_OCTAL = re.compile(r"0?[0-7]{1,4}\Z")
_SELECTOR_BLOCK = frozenset({"match_labels", "match_expressions"})


class _Unset:
    """A value that means "not set": null, empty, or wholly unknown."""


UNSET = _Unset()


class Unusable(Exception):
    """The resource holds no object that can be compared; the message says why (no values)."""


@dataclass(frozen=True)
class Converted:
    body: dict[str, Any]
    marks: Marks


def typed_object(
    resource: TypedResource, after: Mapping[str, Any], unknown: Any, sensitive: Any
) -> Converted:
    """The API object a typed resource's planned values describe, with its marks."""
    if unknown is True:
        raise Unusable("its values are known only after apply")
    walk = _Walk(resource)
    if sensitive is True:  # the whole object, identity included
        walk.sensitive.add(())
    body: dict[str, Any] = {"apiVersion": resource.api_version, "kind": resource.kind}
    body.update(walk.block(after, unknown, sensitive, (), parent=""))
    if resource.reshape:
        RESHAPES[resource.reshape](body, walk)
    return Converted(body, walk.marks())


def camel(attribute: str) -> str:
    """`volume_mount` -> `volumeMount`, `external_ips` -> `externalIPs`."""
    if attribute in RENAMES:
        return RENAMES[attribute]
    first, *rest = attribute.split("_")
    return first + "".join(ACRONYMS.get(word, word[:1].upper() + word[1:]) for word in rest)


@dataclass
class _Walk:
    resource: TypedResource
    unknown: set[IndexPath] = field(default_factory=set)
    sensitive: set[IndexPath] = field(default_factory=set)
    defaults: set[IndexPath] = field(default_factory=set)

    def marks(self) -> Marks:
        return Marks(frozenset(self.unknown), frozenset(self.sensitive), frozenset(self.defaults))

    def block(
        self, values: Any, unknown: Any, sensitive: Any, path: IndexPath, *, parent: str
    ) -> dict[str, Any]:
        values = values if isinstance(values, Mapping) else {}
        unknown_of = unknown if isinstance(unknown, Mapping) else {}
        sensitive_of = sensitive if isinstance(sensitive, Mapping) else {}
        out: dict[str, Any] = {}
        for attribute in [*values, *(a for a in unknown_of if a not in values)]:
            if self._skipped(attribute, path, parent):
                continue
            value = values.get(attribute)
            name, repeated = self._name(attribute, value, path, parent)
            here = (*path, name)
            if unknown_of.get(attribute) is True:
                if attribute not in COMPUTED:
                    self.unknown.add(here)
                continue
            mark = sensitive_of.get(attribute)
            converted = self._value(
                attribute, value, unknown_of.get(attribute), mark, here, repeated=repeated
            )
            if converted is UNSET:
                continue
            if mark is True or (not isinstance(value, Mapping | list) and any_true(mark)):
                self.sensitive.add(here)  # a scalar under a mark in a tree of another shape
            out[name] = converted
        return out

    def _skipped(self, attribute: str, path: IndexPath, parent: str) -> bool:
        if not path and attribute in PROVIDER_ONLY:
            return True
        if parent != "metadata":
            return False
        nested = len(path) > 1  # a template's metadata, not the object's
        return attribute in SERVER_SET or (nested and attribute in TEMPLATE_ONLY_METADATA)

    def _name(self, attribute: str, value: Any, path: IndexPath, parent: str) -> tuple[str, bool]:
        if not path:
            for provider, api in self.resource.top_repeated:
                if attribute == provider:
                    return api, True
        if _is_scalar(value) or attribute not in REPEATED or (parent, attribute) in SINGLE_IN:
            return camel(attribute), False
        return REPEATED[attribute], True

    def _value(
        self,
        attribute: str,
        value: Any,
        unknown: Any,
        sensitive: Any,
        path: IndexPath,
        *,
        repeated: bool,
    ) -> Any:
        if value is None:
            return UNSET
        if isinstance(value, list):
            return self._list(attribute, value, unknown, sensitive, path, repeated=repeated)
        if isinstance(value, Mapping):
            if attribute in MAPS and not (attribute == "selector" and _SELECTOR_BLOCK & set(value)):
                return self._map(value, unknown, sensitive, path)
            return self._single(attribute, value, unknown, sensitive, path)  # a nested object
        return self._scalar(attribute, value, path)

    def _list(
        self,
        attribute: str,
        value: list[Any],
        unknown: Any,
        sensitive: Any,
        path: IndexPath,
        *,
        repeated: bool,
    ) -> Any:
        if not value or not all(isinstance(item, Mapping) for item in value):
            return self._scalars(attribute, value, unknown, sensitive, path)
        if repeated or len(value) > 1:
            return self._blocks(attribute, value, unknown, sensitive, path)
        return self._single(attribute, value[0], part(unknown, 0), part(sensitive, 0), path)

    def _blocks(
        self, attribute: str, items: list[Any], unknown: Any, sensitive: Any, path: IndexPath
    ) -> Any:
        if isinstance(unknown, list) and any(u is True for u in unknown):
            self.unknown.add(path)  # an unknown item: the list is known after apply
            return UNSET
        self.sensitive.update(
            (*path, i) for i in range(len(items)) if part(sensitive, i) is True
        )  # an item that is sensitive as a whole
        return [
            self.block(item, part(unknown, i), part(sensitive, i), (*path, i), parent=attribute)
            for i, item in enumerate(items)
        ]

    def _single(
        self, attribute: str, item: Any, unknown: Any, sensitive: Any, path: IndexPath
    ) -> Any:
        if unknown is True:
            self.unknown.add(path)
            return UNSET
        if sensitive is True:
            self.sensitive.add(path)
        converted = self.block(item, unknown, sensitive, path, parent=attribute)
        return converted if converted else UNSET

    def _scalars(
        self, attribute: str, values: list[Any], unknown: Any, sensitive: Any, path: IndexPath
    ) -> Any:
        if isinstance(unknown, list) and any_true(unknown):
            self.unknown.add(path)
            return UNSET
        if any_true(sensitive):  # a list of scalars (or of lists) is shown whole or not at all
            self.sensitive.add(path)
        kept = [_convert(attribute, v) for v in values if v is not None]
        return kept if kept else UNSET

    def _map(self, value: Mapping[str, Any], unknown: Any, sensitive: Any, path: IndexPath) -> Any:
        unknown_of = unknown if isinstance(unknown, Mapping) else {}
        sensitive_of = sensitive if isinstance(sensitive, Mapping) else {}
        out: dict[str, Any] = {}
        for key in [*value, *(k for k in unknown_of if k not in value)]:
            if unknown_of.get(key) is True:
                self.unknown.add((*path, key))
            elif value.get(key) is not None:
                out[key] = value[key]
                if any_true(sensitive_of.get(key)):  # a map's value is shown whole
                    self.sensitive.add((*path, key))
        return out if out else UNSET

    def _scalar(self, attribute: str, value: Any, path: IndexPath) -> Any:
        if value == "":
            return UNSET
        if is_default(attribute, value):
            self.defaults.add(path)
        return _convert(attribute, value)


def _convert(attribute: str, value: Any) -> Any:
    """Provider strings that the API holds as numbers: "3" -> 3, "8080" -> 8080, "0644" -> 420."""
    if not isinstance(value, str):
        return value
    if attribute in OCTAL and _OCTAL.match(value):
        return int(value, 8)
    if (attribute in INTEGER_STRINGS or attribute in INT_OR_STRING) and _INTEGER.match(value):
        return int(value)
    return value


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


# -- reshaping steps for what the tables cannot say -------------------------------------------


def _secret(body: dict[str, Any], walk: _Walk) -> None:
    """The provider keeps Secret data as plain text; the API holds it base64-encoded."""
    plain, binary = body.get("data") or {}, body.pop("binaryData", None) or {}
    if not isinstance(plain, dict) or not isinstance(binary, dict):
        raise Unusable("its data or binary_data is not a map")
    data = {key: base64.b64encode(str(value).encode()).decode() for key, value in plain.items()}
    data.update(binary)
    if data:
        body["data"] = data
    _move(walk, ("binaryData",), ("data",))


def _ingress_v1beta1(body: dict[str, Any], walk: _Walk) -> None:
    """networking.k8s.io/v1beta1's backend (serviceName, servicePort) as v1's."""
    spec = body.get("spec")
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("backend"), dict):
        spec["defaultBackend"] = _backend(spec.pop("backend"))
        _move(walk, ("spec", "backend"), ("spec", "defaultBackend"))
    for rule in _dicts(spec.get("rules")):
        http = rule.get("http")
        for item in _dicts(http.get("paths") if isinstance(http, dict) else None):
            if isinstance(item.get("backend"), dict):
                item["backend"] = _backend(item["backend"])
                item.setdefault("pathType", "ImplementationSpecific")


def _backend(old: dict[str, Any]) -> dict[str, Any]:
    port = old.get("servicePort")
    number = isinstance(port, int) or (isinstance(port, str) and port.isascii() and port.isdigit())
    service: dict[str, Any] = {"name": old.get("serviceName")}
    if port is not None:
        service["port"] = {"number": int(port)} if number else {"name": port}
    return {"service": service}


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (a value of the wrong type holds none)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _hpa(body: dict[str, Any], walk: _Walk) -> None:
    """The unversioned HPA is autoscaling/v1 unless it has metrics (v2beta2's shape, now v2)."""
    del walk
    spec = body.get("spec")
    if isinstance(spec, dict) and spec.get("metrics"):
        body["apiVersion"] = "autoscaling/v2"


def _move(walk: _Walk, old: IndexPath, new: IndexPath) -> None:
    for marks in (walk.unknown, walk.sensitive, walk.defaults):
        moved = {(*new, *p[len(old) :]) for p in marks if p[: len(old)] == old}
        marks.difference_update({p for p in marks if p[: len(old)] == old})
        marks.update(moved)


RESHAPES: dict[str, Callable[[dict[str, Any], _Walk], None]] = {
    "secret": _secret,
    "ingress_v1beta1": _ingress_v1beta1,
    "hpa": _hpa,
}
