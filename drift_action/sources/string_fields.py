"""Fields Kubernetes holds as strings that a manifest gives another type, YAML 1.1's surprise.

Unquoted `on`, `no`, `yes` and `off` are booleans to YAML 1.1 loaders (PyYAML, and kubectl's
own), `1.10` is the number 1.1 and `010` is 8. In a label, an annotation, ConfigMap data or an
environment variable the API server then refuses the object, so Git's value never reaches the
cluster; a warning that names the field says why before anyone reads the drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from drift_action.core.objects import RawObject
from drift_action.core.paths import Path, format_path

# Maps of strings, by their place in any object.
_METADATA_MAPS = ("labels", "annotations")
# Maps of strings, by kind and path from the top of the object.
_KIND_MAPS: dict[str, tuple[Path, ...]] = {
    "ConfigMap": (("data",),),
    "Secret": (("data",), ("stringData",)),
    "Service": (("spec", "selector"),),
}
# Where a pod spec sits in each workload kind.
_POD_SPECS: dict[str, Path] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def check(objects: Iterable[RawObject]) -> list[str]:
    """A warning for each desired value that should be a string and is not."""
    warnings = []
    for obj in objects:
        name = f"{obj.kind} {obj.body['metadata'].get('name')}"
        for field, value in non_strings(obj.kind, obj.body):
            warnings.append(warning(str(obj.source), name, field, value))
    return warnings


def non_strings(kind: str, body: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(field, value) for each value that should be a string and is not."""
    found: list[tuple[str, Any]] = []
    # Groups of values, not single values: paths are only built for the rare offender.
    for path, group in _string_groups(kind, body):
        entries = group.items() if isinstance(group, Mapping) else enumerate(group)
        for key, value in entries:
            if type(value) is not str and value is not None and not isinstance(value, dict | list):
                found.append(
                    (format_path((*path, key if isinstance(key, int) else str(key))), value)
                )
    return found


def warning(where: str, name: str, field: str, value: Any) -> str:
    shown = "true" if value is True else "false" if value is False else repr(value)
    return (
        f"{where}: {name}: {field} is {shown}, not a string; YAML reads unquoted on/off/yes/no "
        "as booleans and numbers such as 1.10 as numbers: quote the value (the API server "
        "refuses it as it is)"
    )


def _string_groups(
    kind: str, body: Mapping[str, Any]
) -> Iterator[tuple[Path, Mapping[Any, Any] | list[Any]]]:
    """(path, mapping or list) whose values Kubernetes holds as strings."""
    yield from _metadata_groups((), body)
    for path in _KIND_MAPS.get(kind, ()):
        yield from _group(path, _at(body, path))
    pod = _POD_SPECS.get(kind)
    if pod is None:
        return
    if len(pod) > 1:
        template = pod[:-1]
        yield from _metadata_groups(template, _at(body, template))
        selector = (*pod[: pod.index("template")], "selector", "matchLabels")
        yield from _group(selector, _at(body, selector))
    spec = _at(body, pod)
    if not isinstance(spec, Mapping):
        return
    yield from _group((*pod, "nodeSelector"), spec.get("nodeSelector"))
    for name in _CONTAINER_LISTS:
        containers = spec.get(name)
        if isinstance(containers, list):
            for index, container in enumerate(containers):
                if isinstance(container, Mapping):
                    yield from _container_groups((*pod, name, index), container)


def _container_groups(
    path: Path, container: Mapping[str, Any]
) -> Iterator[tuple[Path, Mapping[Any, Any] | list[Any]]]:
    for name in ("command", "args"):
        yield from _group((*path, name), container.get(name))
    env = container.get("env")
    if isinstance(env, list):
        for index, entry in enumerate(env):
            if isinstance(entry, Mapping) and "value" in entry:
                yield (*path, "env", index), {"value": entry["value"]}


def _metadata_groups(
    path: Path, owner: Any
) -> Iterator[tuple[Path, Mapping[Any, Any] | list[Any]]]:
    metadata = owner.get("metadata") if isinstance(owner, Mapping) else None
    if isinstance(metadata, Mapping):
        for name in _METADATA_MAPS:
            yield from _group((*path, "metadata", name), metadata.get(name))


def _group(path: Path, values: Any) -> Iterator[tuple[Path, Mapping[Any, Any] | list[Any]]]:
    if isinstance(values, Mapping | list) and values:
        yield path, values


def _at(body: Any, path: Path) -> Any:
    for step in path:
        if not isinstance(body, Mapping):
            return None
        body = body.get(step)
    return body
