"""Reduce objects to the fields that express intent, before they are compared.

Each rule has a name and a reason so that reports can explain what was left out and why.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.core.model import ResourceKey

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str


SERVER_METADATA = Rule(
    "server-metadata",
    "uid, resourceVersion, generation, creationTimestamp, managedFields and selfLink are "
    "written by the API server, never by the user",
)
STATUS = Rule("status", "status is reported by controllers; it is not desired state")
IDENTITY = Rule(
    "identity",
    "apiVersion, kind, name and namespace identify the object; the version is a view of it",
)
LAST_APPLIED_RULE = Rule(
    "last-applied",
    f"the {LAST_APPLIED} annotation is kubectl's record of the last apply: it is read to find "
    "fields Git dropped, never compared or shown (it may hold Secret values)",
)
SECRET_STRING_DATA = Rule(
    "secret-string-data", "the API server stores Secret stringData base64-encoded in data"
)
RULES: tuple[Rule, ...] = (
    SERVER_METADATA,
    STATUS,
    IDENTITY,
    LAST_APPLIED_RULE,
    SECRET_STRING_DATA,
)

_SERVER_METADATA_FIELDS = frozenset(
    {
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    }
)


_NOT_COMPARED_TOP = frozenset({"apiVersion", "kind", "status"})
_NOT_COMPARED_METADATA = _SERVER_METADATA_FIELDS | {"name", "namespace"}


def is_secret(key: ResourceKey) -> bool:
    return key.group == "" and key.kind == "Secret"


def comparable(key: ResourceKey, body: Mapping[str, Any], *, desired: bool) -> dict[str, Any]:
    """`body` reduced to what the comparison looks at, without copying what it only reads.

    Nulls stay on the desired side so the diff can say it set them aside (`empty-is-unset`);
    the live side leaves them out. Both share their nested values with `body`: nothing
    downstream changes them, and only the top level, metadata (which are trimmed here) and the
    few live subtrees that hold a null are new.
    """
    # What is left out is never copied: status and managedFields are often most of a live object.
    out = {k: v for k, v in body.items() if k not in _NOT_COMPARED_TOP}
    metadata = body.get("metadata")
    if isinstance(metadata, Mapping):
        trimmed = {k: v for k, v in metadata.items() if k not in _NOT_COMPARED_METADATA}
        annotations = trimmed.get("annotations")
        if isinstance(annotations, Mapping) and LAST_APPLIED in annotations:
            trimmed["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
        out["metadata"] = trimmed
    if not desired:
        out = without_nulls(out)  # `out` is new: a null at the top is dropped from it alone
    if is_secret(key):
        _fold_string_data(out, desired=desired)
    return out


_SCALARS = frozenset({str, int, float, bool})


# Hot on big clusters: exact type checks first, the ABC check only for other mappings. Most of
# a live object holds no null, so most of it is returned as it is, never copied.
def without_nulls(value: Any) -> Any:
    """`value` without the mapping keys whose value is null, as plain dicts and lists: `value`
    itself where nothing needs to change, new containers only above a null (or a mapping that
    is not a dict)."""
    kind = type(value)
    if kind is dict:
        return _dict_without_nulls(value)
    if kind is list:
        return _list_without_nulls(value)
    if kind not in _SCALARS and isinstance(value, Mapping):
        return _dict_without_nulls(dict(value))
    return value


def _dict_without_nulls(value: dict[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] | None = None
    for k, v in value.items():
        if v is None:
            if out is None:
                out = dict(value)
            del out[k]
        elif type(v) not in _SCALARS and (new := without_nulls(v)) is not v:
            if out is None:
                out = dict(value)
            out[k] = new
    return value if out is None else out


def _list_without_nulls(value: list[Any]) -> list[Any]:
    out: list[Any] | None = None
    for index, v in enumerate(value):
        if type(v) not in _SCALARS and (new := without_nulls(v)) is not v:
            if out is None:
                out = list(value)
            out[index] = new
    return value if out is None else out


def align_secret_data(want: dict[str, Any], have: dict[str, Any]) -> None:
    """A live Secret without data compares key by key, so each missing key is named."""
    if isinstance(want.get("data"), Mapping) and want["data"] and "data" not in have:
        have["data"] = {}


def _fold_string_data(body: dict[str, Any], *, desired: bool) -> None:
    """Merge stringData into data as the API server does; stringData wins on a shared key."""
    string_data = body.pop("stringData", None)
    data = body.get("data")
    data = dict(data) if isinstance(data, Mapping) else {}
    if isinstance(string_data, Mapping):
        for name, value in string_data.items():
            data[name] = base64.b64encode(str(value).encode()).decode()
    if data:
        body["data"] = data
