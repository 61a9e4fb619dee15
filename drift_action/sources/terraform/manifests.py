"""Resources that hold the object itself: `kubernetes_manifest` and `kubectl_manifest`.

`kubernetes_manifest` (hashicorp/kubernetes) keeps the object in its `manifest` attribute, as
given. `kubectl_manifest` (gavinbunney/kubectl and its alekc fork) keeps it as YAML text in
`yaml_body`, which the provider marks sensitive as a whole so that the plan can hide the fields
listed in `sensitive_fields` (and a Secret's `data`); its `yaml_body_parsed` is the same YAML with
those fields replaced by "(sensitive value)". A field is shown only when `yaml_body_parsed`
shows it too; without `yaml_body_parsed`, every value but the object's identity is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift_action.core.errors import InputError
from drift_action.core.model import IndexPath, Marks
from drift_action.core.yaml_docs import parse_documents
from drift_action.sources.terraform.trees import MAX_DEPTH, deeper_than, part
from drift_action.sources.terraform.typed import Converted, Unusable

_IDENTITY: frozenset[IndexPath] = frozenset(
    {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
)


_DROPPED = object()

__all__ = ["Unusable", "kubectl_object", "manifest_object"]


def manifest_object(after: Mapping[str, Any], unknown: Any, sensitive: Any) -> Converted:
    """kubernetes_manifest: the `manifest` attribute, with unknown values left out."""
    if part(unknown, "manifest") is True:
        raise Unusable("its manifest is known only after apply")
    manifest = after.get("manifest")
    if not isinstance(manifest, Mapping):
        raise Unusable("it has no manifest object")
    found: dict[str, set[IndexPath]] = {"unknown": set(), "sensitive": set()}
    body = _marked(manifest, part(unknown, "manifest"), part(sensitive, "manifest"), (), found)
    return Converted(body, Marks(frozenset(found["unknown"]), frozenset(found["sensitive"])))


def kubectl_object(after: Mapping[str, Any], unknown: Any, sensitive: Any) -> Converted:
    """kubectl_manifest: `yaml_body`, its namespace overridden by `override_namespace`."""
    if part(unknown, "yaml_body") is True:
        raise Unusable("its yaml_body is known only after apply")
    body = _one_object(after.get("yaml_body"))
    override = after.get("override_namespace")
    if isinstance(override, str) and override and isinstance(body.get("metadata"), dict):
        body["metadata"]["namespace"] = override
    hidden: set[IndexPath] = set()
    if part(sensitive, "yaml_body") is not None and part(sensitive, "yaml_body") is not False:
        shown = None
        if part(unknown, "yaml_body_parsed") is not True:
            try:
                shown = _one_object(after.get("yaml_body_parsed"))
            except Unusable:
                shown = None
        hidden = _not_shown(body, shown, ()) if shown is not None else _all_but_identity(body)
    fields = after.get("sensitive_fields")
    if fields is not None and not isinstance(fields, list):
        raise Unusable("its sensitive_fields is not a list")  # what to hide is unknown
    for field in fields or ():
        if isinstance(field, str) and field:
            hidden.add(tuple(field.split(".")))
    return Converted(body, Marks(sensitive=frozenset(hidden)))


def _one_object(text: Any) -> dict[str, Any]:
    if not isinstance(text, str) or not text.strip():
        raise Unusable("its yaml_body is empty")
    try:  # read as manifests are: alias bombs and the like are refused
        documents = [d.data for d in parse_documents(text, "yaml_body") if d.data is not None]
    except InputError as exc:
        where = f" (line {exc.line})" if exc.line is not None else ""
        # The reason is left out: the whole yaml_body is sensitive.
        raise Unusable(f"its yaml_body is not valid YAML{where}") from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise Unusable("its yaml_body is not one Kubernetes object")
    if deeper_than(documents[0]):
        raise Unusable(f"its yaml_body nests more than {MAX_DEPTH} levels deep")
    return documents[0]


def _marked(
    value: Any, unknown: Any, sensitive: Any, path: IndexPath, found: dict[str, set[IndexPath]]
) -> Any:
    """A copy of `value` without its unknown parts, recording unknown and sensitive paths."""
    if sensitive is True:
        found["sensitive"].add(path)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        extra = [k for k in unknown if k not in value] if isinstance(unknown, Mapping) else []
        for key in [*value, *extra]:
            if part(unknown, key) is True:
                found["unknown"].add((*path, key))
                continue
            if key not in value:
                continue
            here = (*path, key)
            item = _marked(value[key], part(unknown, key), part(sensitive, key), here, found)
            if item is not _DROPPED:
                out[key] = item
        return out
    if isinstance(value, list):
        if isinstance(unknown, list) and any(u is True for u in unknown):
            found["unknown"].add(path)  # an unknown item: the list is known after apply
            return _DROPPED
        return [
            _marked(item, part(unknown, i), part(sensitive, i), (*path, i), found)
            for i, item in enumerate(value)
        ]
    return value


def _not_shown(body: Any, shown: Any, path: IndexPath) -> set[IndexPath]:
    """Paths of `body` whose value `shown` (the provider's redacted copy) does not show."""
    if isinstance(body, Mapping) and isinstance(shown, Mapping):
        hidden: set[IndexPath] = set()
        for key, value in body.items():
            if key not in shown:
                hidden.add((*path, key))
            else:
                hidden |= _not_shown(value, shown[key], (*path, key))
        return hidden
    if isinstance(body, list) and isinstance(shown, list) and len(body) == len(shown):
        hidden = set()
        for index, (item, seen) in enumerate(zip(body, shown, strict=True)):
            hidden |= _not_shown(item, seen, (*path, index))
        return hidden
    return set() if body == shown else {path}


def _all_but_identity(body: Mapping[str, Any]) -> set[IndexPath]:
    hidden: set[IndexPath] = set()
    for key, value in body.items():
        if key == "metadata" and isinstance(value, Mapping):
            hidden |= {("metadata", k) for k in value if ("metadata", k) not in _IDENTITY}
        elif (key,) not in _IDENTITY:
            hidden.add((key,))
    return hidden
