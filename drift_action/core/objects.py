"""Turn parsed documents into Kubernetes objects with identities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from drift_action.core import list_schema
from drift_action.core.errors import InputError
from drift_action.core.identity import canonical_group
from drift_action.core.model import Document, KubeObject, Marks, ResourceKey, SourceLocation
from drift_action.core.scope import ScopeResolver


@dataclass(frozen=True)
class RawObject:
    """A mapping that has apiVersion and kind, before its identity is settled."""

    body: Mapping[str, Any]
    source: SourceLocation
    marks: Marks | None = None

    @property
    def api_version(self) -> str:
        return str(self.body["apiVersion"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @cached_property  # asked several times per object while identities are settled
    def group(self) -> str:
        return canonical_group(self.api_version, self.kind)

    @property
    def namespace(self) -> str | None:
        ns = self.body["metadata"].get("namespace")
        return ns or None


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def collect(documents: Iterable[Document], *, strict: bool) -> tuple[list[RawObject], list[str]]:
    """Kubernetes objects among the documents, with `List` kinds flattened.

    Empty documents are skipped. A mapping without apiVersion/kind is skipped with a warning,
    or is an error when `strict` (a live snapshot must be Kubernetes output through and through).
    """
    objects: list[RawObject] = []
    warnings: list[str] = []
    for doc in documents:
        warnings.extend(doc.warnings)
        if doc.data is None:
            continue
        if not isinstance(doc.data, Mapping):
            raise InputError(
                f"expected a Kubernetes object (a mapping), found {_describe(doc.data)}",
                file=doc.source.file,
                line=doc.source.line,
            )
        if not _has_type(doc.data):
            if strict:
                raise InputError(
                    "not Kubernetes output: the document has no apiVersion and kind",
                    file=doc.source.file,
                    line=doc.source.line,
                )
            warnings.append(f"{doc.source}: skipped a document without apiVersion/kind")
            continue
        if _is_list(doc.data):
            objects.extend(_flatten(doc))
        else:
            objects.append(_checked(doc.data, doc.source, doc.marks))
    return objects, warnings


def _has_type(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)


def _is_list(data: Mapping[str, Any]) -> bool:
    kind = str(data["kind"])
    return kind.endswith("List") and isinstance(data.get("items"), list)


def _flatten(doc: Document) -> list[RawObject]:
    data = doc.data
    # Typed lists straight from the API (DeploymentList) leave apiVersion/kind off their items.
    list_kind = str(data["kind"])
    item_kind = list_kind[: -len("List")] if list_kind != "List" else None
    out: list[RawObject] = []
    for index, item in enumerate(data["items"]):
        line = doc.item_lines[index] if index < len(doc.item_lines) else doc.source.line
        where = SourceLocation(doc.source.file, line, origin=doc.source.origin)
        if item is None:
            continue
        if not isinstance(item, Mapping):
            raise InputError(
                f"List item {index} is {_describe(item)}, not a Kubernetes object",
                file=where.file,
                line=where.line,
            )
        typed = item
        if item_kind is not None and not _has_type(item):
            typed = {"apiVersion": data["apiVersion"], "kind": item_kind, **item}
        if not _has_type(typed):
            raise InputError(
                f"List item {index} has no apiVersion and kind", file=where.file, line=where.line
            )
        out.append(_checked(typed, where))
    return out


def _checked(
    body: Mapping[str, Any], where: SourceLocation, marks: Marks | None = None
) -> RawObject:
    metadata = body.get("metadata")
    kind = body["kind"]
    if not isinstance(metadata, Mapping):
        raise InputError(f"{kind} has no metadata", file=where.file, line=where.line)
    name = metadata.get("name")
    if not (isinstance(name, str) and name) and not metadata.get("generateName"):
        raise InputError(f"{kind} has no metadata.name", file=where.file, line=where.line)
    namespace = metadata.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise InputError(
            f"{kind} {name}: metadata.namespace must be a string",
            file=where.file,
            line=where.line,
        )
    return RawObject(body, where, marks)


def learn_scopes(
    scopes: ScopeResolver, desired: Iterable[RawObject], live: Iterable[RawObject]
) -> None:
    """Teach the resolver the custom kinds that the desired CRDs and the live objects reveal."""
    # The CRDs' list semantics too, into the run's table: a live CRD (what the API server
    # applies) is learned after, and so replaces, the manifests' one.
    lists = list_schema.active()
    for obj in desired:
        if obj.group == "apiextensions.k8s.io" and obj.kind == "CustomResourceDefinition":
            scopes.learn_from_crd(obj.body)
            if lists is not None:
                lists.learn_crd(obj.body, f"{obj.source}: {_crd_name(obj)}")
    for obj in live:
        scopes.learn_from_live(obj.group, obj.kind, obj.namespace)
        crd = obj.kind == "CustomResourceDefinition" and obj.group == "apiextensions.k8s.io"
        if crd and lists is not None:
            lists.learn_crd(obj.body, f"{obj.source}: {_crd_name(obj)} (live)")


def _crd_name(obj: RawObject) -> str:
    return f"CustomResourceDefinition {obj.body['metadata'].get('name')}"


def desired_objects(
    raw: Sequence[tuple[RawObject, str]], scopes: ScopeResolver
) -> tuple[list[KubeObject], list[str]]:
    """Desired objects keyed by identity; two with the same identity are an error.

    Each raw object comes with the namespace its source gives to namespaced objects without one.
    """
    objects: list[KubeObject] = []
    warnings: list[str] = []
    seen: dict[ResourceKey, SourceLocation] = {}
    for obj, default_namespace in raw:
        name = obj.body["metadata"].get("name")
        if not name:
            warnings.append(
                f"{obj.source}: skipped {obj.kind} with generateName: it has no fixed identity"
            )
            continue
        namespace = (
            ""
            if scopes.is_cluster_scoped(obj.group, obj.kind)
            else (obj.namespace or default_namespace)
        )
        key = ResourceKey(obj.group, obj.kind, namespace, str(name))
        if key in seen:
            raise InputError(
                f"{key} is declared twice; it was first declared at {seen[key]}",
                file=obj.source.file,
                line=obj.source.line,
            )
        seen[key] = obj.source
        objects.append(KubeObject(key, obj.api_version, obj.body, obj.source, obj.marks))
    return objects, warnings


def live_objects(raw: Sequence[RawObject]) -> tuple[list[KubeObject], list[str]]:
    """Live objects keyed by identity; a repeated object keeps its first copy."""
    objects: dict[ResourceKey, KubeObject] = {}
    warnings: list[str] = []
    for obj in raw:
        name = obj.body["metadata"].get("name")
        if not name:
            warnings.append(f"{obj.source}: skipped a live {obj.kind} without metadata.name")
            continue
        key = ResourceKey(obj.group, obj.kind, obj.namespace or "", str(name))
        if key in objects:
            warnings.append(
                f"{obj.source}: {key} appears twice in the live objects; kept the first"
            )
            continue
        objects[key] = KubeObject(key, obj.api_version, obj.body, obj.source)
    return list(objects.values()), warnings
