"""Live objects of the same deployment unit that no desired object names: `extra`.

The unit is given by a label selector, or by the record a deploying tool keeps of what it
applied, read off the live counterparts of the desired objects: Helm's release annotations,
a kubectl ApplySet's `part-of` label, Argo CD's tracking (its annotation, or the instance label
in label mode) and a Flux Kustomization's labels and `.status.inventory`. A live object that
the same record claims, and that Git no longer declares, is extra; the report names the record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drift_action.core.model import KubeObject, ResourceKey
from drift_action.core.selector import Selector

RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"
APPLYSET_PART_OF = "applyset.kubernetes.io/part-of"
ARGO_TRACKING = "argocd.argoproj.io/tracking-id"
INSTANCE = "app.kubernetes.io/instance"
FLUX_NAME = "kustomize.toolkit.fluxcd.io/name"
FLUX_NAMESPACE = "kustomize.toolkit.fluxcd.io/namespace"

Release = tuple[str, str]  # name, namespace
Record = tuple[str, str]  # what keeps it ("helm release", "applyset"...), which one


@dataclass(frozen=True)
class Extras:
    found: tuple[tuple[KubeObject, str], ...]  # each extra object, with what claims it
    checked: bool  # whether anything could claim one: a selector, or a tool's record


def extra_objects(
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    selector: Selector | None,
    warnings: list[str] | None = None,
) -> Extras:
    """The extra live objects, each with what says it belongs here."""
    named = {obj.key for obj in desired}
    live_by_key = {obj.key: obj for obj in live}
    # Git's own labels are not a record (a manifest may set the instance label by convention):
    # only a live counterpart shows which record the tool keeps, except Helm's annotations and
    # an ApplySet's label, which a manifest names only on purpose.
    claimed: set[Record] = set()
    for obj in desired:
        claimed.update(r for r in records(obj.body) if r[0] in ("helm release", "applyset"))
        counterpart = live_by_key.get(obj.key)
        if counterpart is not None:
            claimed.update(records(counterpart.body))
    listed = _inventories(claimed, live_by_key, {k.namespace for k in named}, warnings)
    found: list[tuple[KubeObject, str]] = []
    for obj in live:
        if obj.key in named:
            continue
        if selector is not None and selector.matches(labels(obj.body)):
            found.append((obj, ""))  # the selector is the user's own: nothing to add
            continue
        record = next((r for r in records(obj.body) if r in claimed), None)
        if record is None and obj.key in listed:
            record = listed[obj.key]
        if record is not None:
            found.append((obj, f"the {record[0]} {record[1]} lists it; Git no longer does"))
    return Extras(tuple(found), selector is not None or bool(claimed))


def records(body: Mapping[str, Any]) -> Iterator[Record]:
    """The tools' records that claim an object, from its labels and annotations."""
    # Read once per live object: only the few keys a record uses are looked up, never the whole
    # maps (the last-applied annotation alone is often most of an object).
    annotations, tags = _Tags(body, "annotations"), _Tags(body, "labels")
    release = _release(annotations)
    if release is not None:
        yield "helm release", f"{release[1]}/{release[0]}" if release[1] else release[0]
    if tags.get(APPLYSET_PART_OF):
        yield "applyset", tags.get(APPLYSET_PART_OF)
    tracking = annotations.get(ARGO_TRACKING)
    if ":" in tracking:
        yield "Argo CD application", tracking.split(":", 1)[0]
    elif tags.get(INSTANCE) and _argo_label_mode(body, annotations, tags):
        yield "Argo CD application (instance label)", tags.get(INSTANCE)
    if tags.get(FLUX_NAME):
        yield "Flux Kustomization", f"{tags.get(FLUX_NAMESPACE)}/{tags.get(FLUX_NAME)}"


class _Tags:
    """A metadata map's values as text, by key ("" when absent), without copying the map."""

    def __init__(self, body: Mapping[str, Any], field: str) -> None:
        metadata = body.get("metadata")
        found = metadata.get(field) if isinstance(metadata, Mapping) else None
        self._map: Mapping[Any, Any] = found if isinstance(found, Mapping) else {}

    def get(self, name: str) -> str:
        return str(self._map[name]) if name in self._map else ""


def _inventories(
    claimed: set[Record],
    live_by_key: Mapping[ResourceKey, KubeObject],
    namespaces: set[str],
    warnings: list[str] | None,
) -> dict[ResourceKey, Record]:
    """What the claimed Flux Kustomizations' inventories list (when the Kustomization itself is
    among the live objects), in the namespaces being compared."""
    listed: dict[ResourceKey, Record] = {}
    for kind, name in claimed:
        if kind != "Flux Kustomization":
            continue
        namespace, _, short = name.partition("/")
        key = ResourceKey("kustomize.toolkit.fluxcd.io", "Kustomization", namespace, short)
        owner = live_by_key.get(key)
        status = owner.body.get("status") if owner is not None else None
        inventory = status.get("inventory") if isinstance(status, Mapping) else None
        entries = inventory.get("entries") if isinstance(inventory, Mapping) else None
        if not isinstance(entries, list):
            continue
        elsewhere = 0
        for entry in entries:
            found = _inventory_key(entry)
            if found is None:
                continue
            if found.namespace and found.namespace not in namespaces:
                elsewhere += 1
                continue
            listed[found] = (kind, name)
        if elsewhere and warnings is not None:
            warnings.append(
                f"Flux Kustomization {name}: its inventory lists {elsewhere} objects in "
                "namespaces not compared here; they are not checked for extras"
            )
    return listed


def _inventory_key(entry: Any) -> ResourceKey | None:
    """`<namespace>_<name>_<group>_<kind>`, Flux's object id (namespace empty when cluster-wide)."""
    text = entry.get("id") if isinstance(entry, Mapping) else None
    if not isinstance(text, str) or text.count("_") != 3:
        return None
    namespace, name, group, kind = text.split("_")
    return ResourceKey(group, kind, namespace, name) if name and kind else None


def _argo_label_mode(body: Mapping[str, Any], annotations: _Tags, tags: _Tags) -> bool:
    """Whether the instance label can be Argo CD's record (its label tracking mode). Helm charts
    and many manifests set it by convention, and children a controller makes copy it from their
    template: an object with another tool's record, or a controller owner, is not claimed."""
    return not (
        _release(annotations) is not None
        or tags.get("app.kubernetes.io/managed-by").lower() == "helm"
        or tags.get(FLUX_NAME)
        or tags.get(APPLYSET_PART_OF)
        or _controlled(body)
    )


def _controlled(body: Mapping[str, Any]) -> bool:
    metadata = body.get("metadata")
    owners = metadata.get("ownerReferences") if isinstance(metadata, Mapping) else None
    return isinstance(owners, list) and any(
        isinstance(o, Mapping) and o.get("controller") for o in owners
    )


def _release(annotations: _Tags) -> Release | None:
    name = annotations.get(RELEASE_NAME)
    if not name:
        return None
    return name, annotations.get(RELEASE_NAMESPACE)


def labels(body: Mapping[str, Any]) -> dict[str, str]:
    return _metadata_map(body, "labels")


def _metadata_map(body: Mapping[str, Any], field: str) -> dict[str, str]:
    metadata = body.get("metadata")
    found = metadata.get(field) if isinstance(metadata, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    return {str(k): str(v) for k, v in found.items()}
