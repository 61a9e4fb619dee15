"""Legacy (unaggregated) discovery documents, rendered once per registry."""

from __future__ import annotations

from typing import Any

from .openapi import openapi_documents
from .resources import Registry, ResourceType
from .store import dumps

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",
    "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T17:59:15Z",
    "goVersion": "go1.23.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_SUB_VERBS = ["get", "patch", "update"]


def _resource_entries(rtype: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": rtype.plural,
        "singularName": rtype.singular_name,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": list(rtype.verbs),
    }
    if rtype.short_names:
        main["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        main["categories"] = list(rtype.categories)
    main["storageVersionHash"] = rtype.storage_version_hash()
    entries = [main]
    for sub in rtype.subresources:
        entry: dict[str, Any] = {
            "name": f"{rtype.plural}/{sub}",
            "singularName": "",
            "namespaced": rtype.namespaced,
            "kind": rtype.kind,
            "verbs": _SUB_VERBS,
        }
        if sub == "scale":
            entry.update(group="autoscaling", version="v1", kind="Scale")
        elif sub in ("log", "proxy", "token", "eviction", "finalize"):
            # Subresources that are not the object itself; verbs as the real server lists.
            kinds = {"log": "Pod", "proxy": "NodeProxyOptions", "token": "TokenRequest"}
            entry["kind"] = kinds.get(sub, rtype.kind if sub == "finalize" else "Eviction")
            entry["verbs"] = {"log": ["get"], "token": ["create"], "eviction": ["create"]}.get(
                sub,
                ["create", "delete", "get", "patch", "update"] if sub == "proxy" else ["update"],
            )
        entries.append(entry)
    return entries


class Discovery:
    """Serialized discovery responses keyed by request path."""

    def __init__(self, registry: Registry, server_address: str) -> None:
        self.documents: dict[str, bytes] = {"/version": dumps(SERVER_VERSION)}
        self.documents.update(openapi_documents(registry))
        groups: list[dict[str, Any]] = []
        for group, versions in sorted(registry.group_versions.items()):
            ordered = self._ordered_versions(registry, group, versions)
            for version in ordered:
                resources = [
                    e for t in registry.types_in(group, version) for e in _resource_entries(t)
                ]
                group_version = f"{group}/{version}" if group else version
                document = {
                    "kind": "APIResourceList",
                    "apiVersion": "v1",
                    "groupVersion": group_version,
                    "resources": resources,
                }
                prefix = "/apis/" if group else "/api/"
                self.documents[prefix + group_version] = dumps(document)
            if not group:
                continue
            entry = {
                "name": group,
                "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in ordered],
                "preferredVersion": {
                    "groupVersion": f"{group}/{ordered[0]}",
                    "version": ordered[0],
                },
            }
            groups.append(entry)
            self.documents[f"/apis/{group}"] = dumps(
                {"kind": "APIGroup", "apiVersion": "v1", **entry}
            )
        self.documents["/apis"] = dumps(
            {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        )
        core_versions = ["v1"] if "" in registry.group_versions else []
        self.documents["/api"] = dumps(
            {
                "kind": "APIVersions",
                "versions": core_versions,
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
                ],
            }
        )

    @staticmethod
    def _ordered_versions(registry: Registry, group: str, versions: list[str]) -> list[str]:
        """Preferred version first: the one most types of the group list first."""
        preferred = [t.versions[0] for t in registry.by_group_kind.values() if t.group == group]
        first = max(set(preferred), key=preferred.count) if preferred else versions[0]
        return [first, *(v for v in versions if v != first)]

    def get(self, path: str) -> bytes | None:
        return self.documents.get(path.rstrip("/") or "/")
