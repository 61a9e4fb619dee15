"""Generate drift_action/compare/data/list_types.json from Kubernetes' published OpenAPI v3.

Source: the kubernetes repository's `api/openapi-spec/v3/*.json`, at v1.31.0. Regenerate:

    cd /tmp && GOFLAGS=-mod=mod go mod download -json k8s.io/kubernetes@v1.31.0
    python scripts/gen_list_types.py \
        "$(go env GOMODCACHE)/k8s.io/kubernetes@v1.31.0/api/openapi-spec/v3" v1.31.0

For every kind the API serves, the table keeps only the types on a path to a list, and for each
list its semantics: `x-kubernetes-list-type` (map, set, atomic), `x-kubernetes-list-map-keys`
and `x-kubernetes-patch-merge-key`. A list the schema says nothing about is kept as `null` (the
hand-kept table in `merge_keys.py` may know it). Kinds are keyed by name alone, because the diff
knows only the kind: where two groups serve one kind, the core group wins, then GA versions.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "drift_action/compare/data/list_types.json"
_REF = "#/components/schemas/"
_VERSION = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?$")


def version_rank(group: str, version: str) -> tuple[int, ...]:
    """Higher is preferred: the core group, then GA over beta over alpha, then the number."""
    match = _VERSION.match(version)
    if match is None:
        return (int(group == ""), 0, 0, 0)
    major, stage, minor = match.groups()
    level = {None: 2, "beta": 1, "alpha": 0}[stage]
    return (int(group == ""), level, int(major), int(minor or 0))


def ref_of(schema: dict[str, Any]) -> str | None:
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(_REF)
    for part in schema.get("allOf", []):
        if "$ref" in part:
            return str(part["$ref"]).removeprefix(_REF)
    return None


class Generator:
    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.types: dict[str, dict[str, Any]] = {}
        self.visiting: set[str] = set()

    def type_node(self, name: str) -> bool:
        """Describe type `name` into self.types; False when no list is reachable from it."""
        if name in self.types:
            return True
        if name in self.visiting:
            return True  # recursive types (JSONSchemaProps): kept when the outer visit keeps them
        self.visiting.add(name)
        fields: dict[str, Any] = {}
        for field, prop in sorted(self.schemas.get(name, {}).get("properties", {}).items()):
            node = self.field_node(prop)
            if node is not None:
                fields[field] = node
        self.visiting.discard(name)
        if fields:
            self.types[name] = fields
        return bool(fields)

    def field_node(self, prop: dict[str, Any]) -> Any:
        ref = ref_of(prop)
        if ref is not None:
            return ref if self.type_node(ref) else None
        if prop.get("type") == "array":
            node: dict[str, Any] = {"list": prop.get("x-kubernetes-list-type")}
            if "x-kubernetes-list-map-keys" in prop:
                node["keys"] = list(prop["x-kubernetes-list-map-keys"])
            if "x-kubernetes-patch-merge-key" in prop:
                node["merge"] = prop["x-kubernetes-patch-merge-key"]
            items = self.field_node(prop.get("items", {}))
            if items is not None:
                node["items"] = items
            return node
        values = prop.get("additionalProperties")
        if isinstance(values, dict):
            inner = self.field_node(values)
            return None if inner is None else {"values": inner}
        return None


def main(folder: str, version: str, out: Path = OUT) -> None:
    schemas: dict[str, Any] = {}
    roots: dict[str, tuple[tuple[int, ...], str, str]] = {}
    for path in sorted(Path(folder).glob("*.json")):
        document = json.loads(path.read_text())
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(name, schema)
            for gvk in schema.get("x-kubernetes-group-version-kind", []):
                kind = gvk["kind"]
                if kind.endswith("List") or kind in {"Status", "WatchEvent", "DeleteOptions"}:
                    continue
                rank = version_rank(gvk["group"], gvk["version"])
                group_version = f"{gvk['group']}/{gvk['version']}".lstrip("/")
                if kind not in roots or rank > roots[kind][0]:
                    roots[kind] = (rank, name, group_version)
    generator = Generator(schemas)
    kinds = {}
    for kind, (_, name, group_version) in sorted(roots.items()):
        if generator.type_node(name):
            kinds[kind] = {"type": name, "apiVersion": group_version}
    table = {
        "source": f"kubernetes {version} api/openapi-spec/v3",
        "regenerate": "python scripts/gen_list_types.py <api/openapi-spec/v3> <version>",
        "kinds": kinds,
        "types": dict(sorted(generator.types.items())),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, indent=None, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"{out}: {len(kinds)} kinds, {len(generator.types)} types")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(Path(arg) for arg in sys.argv[3:4]))
