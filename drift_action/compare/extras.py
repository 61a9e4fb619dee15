"""Live objects of the same deployment unit that no desired object names: `extra`.

The unit is given by a label selector, or found from Helm's release annotations: a live object
that carries the release of a desired object (or of its live counterpart) belongs to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drift_action.core.model import KubeObject
from drift_action.core.selector import Selector

RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"

Release = tuple[str, str]  # name, namespace


def extra_objects(
    desired: Sequence[KubeObject], live: Sequence[KubeObject], selector: Selector | None
) -> list[KubeObject]:
    named = {obj.key for obj in desired}
    live_by_key = {obj.key: obj for obj in live}
    releases = {
        release
        for obj in desired
        for body in (obj.body, live_by_key[obj.key].body if obj.key in live_by_key else {})
        if (release := release_of(body)) is not None
    }
    return [
        obj
        for obj in live
        if obj.key not in named
        and (
            (selector is not None and selector.matches(labels(obj.body)))
            or (releases and release_of(obj.body) in releases)
        )
    ]


def release_of(body: Mapping[str, Any]) -> Release | None:
    annotations = _metadata_map(body, "annotations")
    name = annotations.get(RELEASE_NAME)
    if not name:
        return None
    return name, annotations.get(RELEASE_NAMESPACE, "")


def labels(body: Mapping[str, Any]) -> dict[str, str]:
    return _metadata_map(body, "labels")


def _metadata_map(body: Mapping[str, Any], field: str) -> dict[str, str]:
    metadata = body.get("metadata")
    found = metadata.get(field) if isinstance(metadata, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    return {str(k): str(v) for k, v in found.items()}
