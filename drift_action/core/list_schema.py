"""List semantics read from a schema: which lists are maps (and by which keys), sets or atomic.

Two inputs give the same tree of `Node`s: the built-in table generated from Kubernetes' OpenAPI
v3 (named types that refer to each other, `from_table`) and a CRD's `openAPIV3Schema` (an inline
tree, `from_crd`). A lookup follows a path through the tree one dict hit per segment, so the
diff never walks a schema per item.

A CRD is input like any other: a malformed or huge schema is one warning naming the CRD, and its
kind's lists then compare as they would without a schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

# A CRD's schema nests some tens of levels; past these, the schema is not read at all.
MAX_SCHEMA_DEPTH = 64
MAX_SCHEMA_NODES = 100_000

LIST_TYPES = frozenset({"map", "set", "atomic"})


@dataclass(frozen=True)
class ListType:
    """One list's semantics: `map` (matched by `keys`), `set` or `atomic`."""

    type: str
    keys: tuple[str, ...] = ()


@dataclass
class Node:
    """A place in an object: its fields, its map values, its list items and list semantics."""

    fields: dict[str, Node] = field(default_factory=dict)
    values: Node | None = None  # additionalProperties: any key
    items: Node | None = None
    list_type: ListType | None = None  # None: not a list, or one the schema says nothing about


def lookup(root: Node, path: tuple[Any, ...]) -> Node | None:
    """The node at `path` (strings are fields or map keys, anything else a list item)."""
    node: Node | None = root
    for segment in path:
        if node is None:
            return None
        node = node.fields.get(segment) or node.values if isinstance(segment, str) else node.items
    return node


def list_type_of(spec: Mapping[str, Any]) -> ListType | None:
    """Semantics from the extensions; a patch merge key alone makes a map (strategic merge)."""
    kind = spec.get("x-kubernetes-list-type") or spec.get("list")
    keys = spec.get("x-kubernetes-list-map-keys") or spec.get("keys")
    merge = spec.get("x-kubernetes-patch-merge-key") or spec.get("merge")
    if kind == "map" and keys:
        return ListType("map", tuple(keys))
    if kind in ("set", "atomic"):
        return ListType(kind)
    if isinstance(merge, str) and merge:
        return ListType("map", (merge,))
    return None


def from_table(table: Mapping[str, Any]) -> dict[str, Node]:
    """Kind -> root node, from the generated built-in table (trusted: shipped with the code)."""
    types: dict[str, Node] = {name: Node() for name in table["types"]}

    def node_of(spec: Any) -> Node:
        if isinstance(spec, str):
            return types[spec]
        node = Node(list_type=list_type_of(spec) if "list" in spec or "merge" in spec else None)
        if "items" in spec:
            node.items = node_of(spec["items"])
        if "values" in spec:
            node.values = node_of(spec["values"])
        return node

    for name, fields in table["types"].items():
        types[name].fields = {key: node_of(spec) for key, spec in fields.items()}
    return {kind: types[entry["type"]] for kind, entry in table["kinds"].items()}


class SchemaError(ValueError):
    """Why a CRD's schema was not read."""


@dataclass
class _Reader:
    count: int = 0

    def node(self, schema: Any, depth: int) -> Node:
        if not isinstance(schema, Mapping):
            raise SchemaError("a schema that is not a mapping")
        self.count += 1
        if depth > MAX_SCHEMA_DEPTH or self.count > MAX_SCHEMA_NODES:
            raise SchemaError(f"more than {MAX_SCHEMA_DEPTH} levels or {MAX_SCHEMA_NODES} schemas")
        node = Node()
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            raise SchemaError("properties that are not a mapping")
        for name, sub in properties.items():
            node.fields[str(name)] = self.node(sub, depth + 1)
        values = schema.get("additionalProperties")
        if isinstance(values, Mapping):
            node.values = self.node(values, depth + 1)
        if schema.get("type") == "array" or "items" in schema:
            node.list_type = self.list_type(schema)
            if "items" in schema:
                node.items = self.node(schema["items"], depth + 1)
        return node

    @staticmethod
    def list_type(schema: Mapping[str, Any]) -> ListType | None:
        kind = schema.get("x-kubernetes-list-type")
        keys = schema.get("x-kubernetes-list-map-keys")
        if kind is not None and kind not in LIST_TYPES:
            raise SchemaError("an x-kubernetes-list-type that is not map, set or atomic")
        if keys is not None and not (
            isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys)
        ):
            raise SchemaError("x-kubernetes-list-map-keys that are not a list of names")
        if kind == "map" and keys is None:
            raise SchemaError("a map list without x-kubernetes-list-map-keys")
        return list_type_of(schema)


def from_crd(body: Mapping[str, Any]) -> tuple[str, Node] | None:
    """(kind, root) from a CRD's storage version's schema (else its first); None when it has
    none. Raises SchemaError when the schema is malformed or too large."""
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        return None
    names = spec.get("names")
    kind = names.get("kind") if isinstance(names, Mapping) else None
    if not isinstance(kind, str):
        return None
    schemas = []
    versions = spec.get("versions")
    for version in versions if isinstance(versions, list) else ():
        if isinstance(version, Mapping) and isinstance(version.get("schema"), Mapping):
            schema = version["schema"].get("openAPIV3Schema")
            if schema is not None:
                schemas.append((not version.get("storage"), schema))
    legacy = spec.get("validation")  # apiextensions.k8s.io/v1beta1
    if isinstance(legacy, Mapping) and legacy.get("openAPIV3Schema") is not None:
        schemas.append((True, legacy["openAPIV3Schema"]))
    if not schemas:
        return None
    schemas.sort(key=lambda pair: pair[0])  # the storage version first, stably
    return kind, _Reader().node(schemas[0][1], 0)


@dataclass
class LearnedLists:
    """The custom kinds' list semantics learned during one run, and the warnings that cost."""

    kinds: dict[str, Node] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    refused: set[str] = field(default_factory=set)  # CRDs warned about: once each, not per copy
    answers: dict[Any, Any] = field(default_factory=dict)  # the diff's look-ups, made once each

    def learn_crd(self, body: Mapping[str, Any], where: str) -> None:
        try:
            found = from_crd(body)
        except (SchemaError, RecursionError, TypeError, ValueError) as exc:
            metadata = body.get("metadata")
            name = str(metadata.get("name")) if isinstance(metadata, Mapping) else where
            if name in self.refused:
                return
            self.refused.add(name)
            reason = exc if isinstance(exc, SchemaError) else "it could not be read"
            self.warnings.append(
                f"{where}: its openAPIV3Schema was not used ({reason}); the custom resources' "
                "lists compare by position"
            )
            return
        if found is not None:
            self.kinds[found[0]] = found[1]
            self.answers.clear()  # what was looked up before may now have another answer

    def drain_warnings(self) -> list[str]:
        out, self.warnings = self.warnings, []
        return out


_ACTIVE: ContextVar[LearnedLists | None] = ContextVar("learned_lists", default=None)


def active() -> LearnedLists | None:
    """The run's learned list semantics; None outside a run (nothing is learned then)."""
    return _ACTIVE.get()


def drain_warnings() -> list[str]:
    """The warnings learning has cost so far in this run, each given once."""
    learned = _ACTIVE.get()
    return [] if learned is None else learned.drain_warnings()


@contextmanager
def learning() -> Iterator[LearnedLists]:
    """Learn custom kinds' list semantics for the duration of one run, then forget them."""
    learned = LearnedLists()
    token = _ACTIVE.set(learned)
    try:
        yield learned
    finally:
        _ACTIVE.reset(token)
