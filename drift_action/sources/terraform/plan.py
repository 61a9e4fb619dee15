"""The JSON of `terraform show -json PLANFILE`: format checks and the resource instances.

Format 1.x (Terraform 0.12 and later) is read; another major version is refused, as the format's
documentation asks. Each managed resource instance comes from `resource_changes` (planned values
in `change.after`, with `after_unknown` and `after_sensitive`), or from `planned_values` when a
plan has no `resource_changes`. `resource_drift` lists what the refresh found changed outside
Terraform: `change.before` is the state Terraform had, `change.after` the refreshed one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from drift_action.core.errors import InputError

SUPPORTED_MAJOR = "1"
DELETE = "delete"
CREATE = "create"
NO_OP = "no-op"


@dataclass(frozen=True)
class Instance:
    """One resource instance of a plan, as Terraform's JSON gives it."""

    address: str  # module.app.kubernetes_deployment.web["blue"]
    type: str
    actions: tuple[str, ...]  # () when read from planned_values
    after: Any  # planned values: None when the instance is deleted
    after_unknown: Any = None  # True where a value is known only after apply
    after_sensitive: Any = None  # True where a value is sensitive
    before: Any = None  # prior (refreshed) state: None when the instance is created
    before_sensitive: Any = None

    @property
    def deleted(self) -> bool:
        return self.actions == (DELETE,)

    @property
    def created(self) -> bool:
        return CREATE in self.actions and DELETE not in self.actions


@dataclass(frozen=True)
class Plan:
    instances: tuple[Instance, ...]
    drift: tuple[Instance, ...]  # resource_drift: before = state, after = refreshed (None: gone)
    terraform_version: str = ""
    # False when read from planned_values (no resource_changes), which hold no prior state.
    records_prior: bool = True


def read_plan(data: Any, file: str) -> Plan:
    """The plan in `data` (parsed JSON); InputError naming `file` when it is not one."""
    if not isinstance(data, Mapping):
        raise InputError(
            "not a Terraform plan: expected the JSON object of terraform show -json", file=file
        )
    version = data.get("format_version")
    if not isinstance(version, str):
        what = "has no format_version" if version is None else "format_version is not a string"
        raise InputError(f"not the JSON of `terraform show -json PLANFILE`: {what}", file=file)
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise InputError(
            f"format_version {version} is not supported: drift-action reads format 1.x, "
            "the JSON of terraform show -json from Terraform 0.12 to 1.x",
            file=file,
        )
    if "resource_changes" not in data and "planned_values" not in data:
        what = "a state, not a plan" if "values" in data else "not a plan"
        raise InputError(
            f"this is {what}: it has neither resource_changes nor planned_values "
            "(give terraform show -json of a plan file made with terraform plan -out)",
            file=file,
        )
    if "resource_changes" in data:
        changes = _list(data, "resource_changes", file)
        instances = tuple(_changes(changes, "resource_changes", file))
    else:
        instances = tuple(_planned(data.get("planned_values"), file))
    drift = tuple(_changes(_list(data, "resource_drift", file), "resource_drift", file))
    terraform = data.get("terraform_version")
    return Plan(
        instances,
        drift,
        terraform if isinstance(terraform, str) else "",
        records_prior="resource_changes" in data,
    )


def _list(data: Mapping[str, Any], key: str, file: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{key} is not a list", file=file)
    return value


def _changes(entries: list[Any], key: str, file: str) -> Iterator[Instance]:
    for index, entry in enumerate(entries):
        where = f"{key}[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("change"), Mapping):
            raise InputError(f"{where} is not a resource change (no change object)", file=file)
        address, kind = entry.get("address"), entry.get("type")
        if not isinstance(address, str) or not isinstance(kind, str):
            raise InputError(f"{where} has no address or type", file=file)
        if not isinstance(entry.get("mode", "managed"), str):
            raise InputError(f"{where} ({address}): mode is not a string", file=file)
        if entry.get("mode", "managed") != "managed" or entry.get("deposed"):
            continue  # data sources are read, not managed; deposed objects are being replaced
        change = entry["change"]
        actions = change.get("actions")
        yield Instance(
            address=address,
            type=kind,
            actions=tuple(str(a) for a in actions) if isinstance(actions, list) else (),
            after=change.get("after"),
            after_unknown=change.get("after_unknown"),
            after_sensitive=change.get("after_sensitive"),
            before=change.get("before"),
            before_sensitive=change.get("before_sensitive"),
        )


def _planned(values: Any, file: str) -> Iterator[Instance]:
    """Resources of planned_values, modules included (unknown values are simply absent)."""
    if values is None:
        return
    if not isinstance(values, Mapping):
        raise InputError("planned_values is not an object", file=file)
    yield from _module(values.get("root_module"), "planned_values.root_module", file)


def _module(module: Any, where: str, file: str) -> Iterator[Instance]:
    if module is None:
        return
    if not isinstance(module, Mapping):
        raise InputError(f"{where} is not an object", file=file)
    for index, resource in enumerate(_entries(module, "resources", where, file)):
        spot = f"{where}.resources[{index}]"
        if not isinstance(resource, Mapping):
            raise InputError(f"{spot} is not an object", file=file)
        address, kind = resource.get("address"), resource.get("type")
        if not isinstance(address, str) or not isinstance(kind, str):
            raise InputError(f"{spot} has no address or type", file=file)
        if not isinstance(resource.get("mode", "managed"), str):
            raise InputError(f"{spot} ({address}): mode is not a string", file=file)
        if resource.get("mode", "managed") != "managed":
            continue
        yield Instance(
            address=address,
            type=kind,
            actions=(),
            after=resource.get("values"),
            after_sensitive=resource.get("sensitive_values"),
        )
    for index, child in enumerate(_entries(module, "child_modules", where, file)):
        yield from _module(child, f"{where}.child_modules[{index}]", file)


def _entries(module: Mapping[str, Any], key: str, where: str, file: str) -> list[Any]:
    value = module.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{where}.{key} is not a list", file=file)
    return value
