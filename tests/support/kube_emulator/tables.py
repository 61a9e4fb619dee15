"""meta.k8s.io/v1 Table responses, which kubectl asks for when it prints human output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .resources import ResourceType
from .store import Entry, dumps

if TYPE_CHECKING:
    from .store import Page

_COLUMNS = [
    {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": "Name must be unique within a namespace.",
        "priority": 0,
    },
    {
        "name": "Age",
        "type": "string",
        "format": "",
        "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
        "priority": 0,
    },
]


def wants_table(headers: Mapping[str, str]) -> bool:
    """kubectl get sends "application/json;as=Table;v=v1;g=meta.k8s.io,..." for human output."""
    accept = headers.get("accept", "")
    return any(
        "as=Table" in part and "g=meta.k8s.io" in part and "v=v1" in part.replace("v=v1beta1", "")
        for part in accept.split(",")
    )


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration, the AGE column format."""
    s = int(seconds)
    if s < 0:
        return "<invalid>" if s < -1 else "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // (24 * 365), (hours // 24) % 365
    if hours < 24 * 365 * 8:
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{years}y"


def _age(stamp: str, now: datetime) -> str:
    try:
        created = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return "<unknown>"
    return human_duration((now - created).total_seconds())


def table_for(
    entries: Sequence[Entry],
    rtype: ResourceType,
    api_version: str,
    page: Page | None,
    query: Mapping[str, str],
) -> bytes:
    """A generic Name/Age table, as the server renders kinds without printer columns."""
    now = datetime.now(UTC)
    include = query.get("includeObject", "Metadata")
    rows = []
    for entry in entries:
        row: dict[str, Any] = {"cells": [entry.name, _age(entry.created, now)]}
        if include == "Object":
            row["object"] = {"apiVersion": api_version, "kind": rtype.kind, **entry.load()}
        elif include != "None":
            meta = entry.load().get("metadata") or {}
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": {k: v for k, v in meta.items() if k != "managedFields"},
            }
        rows.append(row)
    meta_out: dict[str, Any] = {}
    if page is not None:
        meta_out["resourceVersion"] = str(page.resource_version)
        if page.continue_token:
            meta_out["continue"] = page.continue_token
        if page.remaining is not None:
            meta_out["remainingItemCount"] = page.remaining
    table = {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta_out,
        "columnDefinitions": _COLUMNS,
        "rows": rows,
    }
    return dumps(table)
