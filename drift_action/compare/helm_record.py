"""Helm's release record: what the last `helm install`/`upgrade` applied, as kubectl's
last-applied annotation says it for `kubectl apply`.

Helm keeps each revision in a Secret `sh.helm.release.v1.<release>.v<N>` (type
`helm.sh/release.v1`, labels `owner: helm`, `name`, `status`, `version`): `data.release` is the
Secret's own base64 of base64(gzip(JSON of the release)), and the release's `manifest` is the
rendered YAML. helm-diff reads the same record for its three-way diff.

The record is input like any other: it is decoded with limits on size and depth, and it holds
the chart's Secrets, so no message made here ever quotes a byte of it.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from drift_action.compare.normalize import comparable
from drift_action.compare.ownership import applied_not_in_desired
from drift_action.core.bounds import MAX_NESTING, MIB
from drift_action.core.errors import InputError
from drift_action.core.model import Change, ChangeType, KubeObject, Normalization, ResourceKey
from drift_action.core.paths import format_path
from drift_action.core.yaml_docs import parse_documents

RULE = "helm-release-record"
_NAME = re.compile(r"sh\.helm\.release\.v1\.(?P<release>.+)\.v(?P<revision>[0-9]{1,9})\Z")
RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"

# Kubernetes caps a Secret at 1 MiB; a snapshot is not bound by that, so the encoded text is
# capped a little above it, and what gzip expands to far above any real chart (a gzip bomb of a
# few KiB would otherwise take the run's memory).
MAX_ENCODED = 4 * MIB
MAX_DECODED = 64 * MIB
_GZIP_MAGIC = b"\x1f\x8b\x08"
# The nesting is measured on the brackets outside JSON strings: strings are cut out and every
# other byte dropped in C, so Python only steps through the few brackets left.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENING = frozenset(b"[{")

Release = tuple[str, str]  # namespace, name


class RecordError(Exception):
    """Why a record cannot be used; the text names no value from it."""


@dataclass(frozen=True)
class Record:
    secret: str  # `namespace/sh.helm.release.v1.<release>.v<N>`, for messages
    objects: tuple[Mapping[str, Any], ...]  # the manifest's documents that are objects
    # The objects by name, in the manifest's order: a release's objects are looked up one by
    # one, and a scan of the whole manifest for each would grow with the square of its size.
    by_name: Mapping[str, tuple[Mapping[str, Any], ...]] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, list[Mapping[str, Any]]] = {}
        for body in self.objects:
            metadata = body.get("metadata")
            name = metadata.get("name") if isinstance(metadata, Mapping) else None
            if isinstance(name, str):
                by_name.setdefault(name, []).append(body)
        object.__setattr__(self, "by_name", {k: tuple(v) for k, v in by_name.items()})

    def applied(self, key: ResourceKey) -> Mapping[str, Any] | None:
        """The manifest's object for `key` (Helm often leaves out the namespace: any matches)."""
        for body in self.by_name.get(key.name, ()):
            metadata = body["metadata"]
            api_version = str(body.get("apiVersion") or "")
            group = api_version.rpartition("/")[0]
            namespace = metadata.get("namespace")
            same_kind = body.get("kind") == key.kind and group == key.group
            if same_kind and namespace in (None, "", key.namespace):
                return body
        return None


def release_of(key: ResourceKey, body: Mapping[str, Any]) -> Release | None:
    """The release that manages a live object: Helm's annotations, else its standard labels."""
    metadata = body.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    annotations = metadata.get("annotations")
    annotations = annotations if isinstance(annotations, Mapping) else {}
    name = annotations.get(RELEASE_NAME)
    if isinstance(name, str) and name:
        namespace = annotations.get(RELEASE_NAMESPACE) or key.namespace
        return (str(namespace), name) if namespace else None
    labels = metadata.get("labels")
    labels = labels if isinstance(labels, Mapping) else {}
    instance = labels.get("app.kubernetes.io/instance")
    if labels.get("app.kubernetes.io/managed-by") == "Helm" and isinstance(instance, str):
        return (key.namespace, instance) if key.namespace else None
    return None


def _annotated(body: Mapping[str, Any]) -> bool:
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return isinstance(annotations, Mapping) and RELEASE_NAME in annotations


def latest_deployed(live: Sequence[KubeObject]) -> dict[Release, KubeObject]:
    """Per release, the Secret of its latest revision whose status is `deployed`."""
    best: dict[Release, tuple[int, KubeObject]] = {}
    for obj in live:
        if obj.key.kind != "Secret" or obj.key.group != "":
            continue
        match = _NAME.match(obj.key.name)
        metadata = obj.body.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
        labels = labels if isinstance(labels, Mapping) else {}
        if match is None or labels.get("status", "deployed") != "deployed":
            continue
        release = (obj.key.namespace, match["release"])
        revision = int(match["revision"])
        if release not in best or best[release][0] < revision:
            best[release] = (revision, obj)
    return {release: obj for release, (_, obj) in best.items()}


def decode(secret: KubeObject) -> Record:
    """The record in a release Secret; RecordError (naming no value) when it is unusable."""
    where = f"{secret.key.namespace}/{secret.key.name}"
    data = secret.body.get("data")
    text = data.get("release") if isinstance(data, Mapping) else None
    if not isinstance(text, str) or not text:
        raise RecordError("it has no data.release")
    if len(text) > MAX_ENCODED:
        raise RecordError(f"it is larger than {MAX_ENCODED // MIB} MiB")
    try:
        # The Secret's own encoding, then Helm's.
        raw = base64.b64decode(base64.b64decode(text, validate=True), validate=True)
    except (binascii.Error, ValueError):
        raise RecordError("it is not valid base64") from None
    release = _parse(_inflate(raw))
    manifest = release.get("manifest")
    if not isinstance(manifest, str):
        raise RecordError("the release has no manifest")
    try:
        documents = parse_documents(manifest, f"{where} manifest")
    except InputError:
        raise RecordError("its manifest is not valid YAML") from None
    objects = tuple(d.data for d in documents if isinstance(d.data, Mapping))
    return Record(where, objects)


def _inflate(raw: bytes) -> bytes:
    if not raw.startswith(_GZIP_MAGIC):
        return raw  # Helm reads an uncompressed record too
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, MAX_DECODED + 1)
    except (zlib.error, gzip.BadGzipFile, EOFError):
        raise RecordError("it is not valid gzip") from None
    if len(out) > MAX_DECODED:
        raise RecordError(f"it expands to more than {MAX_DECODED // MIB} MiB")
    return out


def _parse(text: bytes) -> Mapping[str, Any]:
    # The brackets bound the nesting: Helm keeps the chart's files as base64, so most records
    # hold too few of them to be counted at all.
    if text.count(b"[") + text.count(b"{") > MAX_NESTING:
        _check_nesting(text)
    try:
        release = json.loads(text)
    except (ValueError, RecursionError):
        raise RecordError("it is not valid JSON") from None
    if not isinstance(release, Mapping):
        raise RecordError("it is not a JSON object")
    return release


def _check_nesting(text: bytes) -> None:
    level = 0
    for byte in _JSON_STRING.sub(b"", text).translate(None, _NOT_BRACKET):
        if byte in _OPENING:
            level += 1
            if level > MAX_NESTING:
                raise RecordError(f"its JSON nests more than {MAX_NESTING} levels")
        else:
            level -= 1


@dataclass(frozen=True)
class Applied:
    """What Helm last applied for one object, and which record says so."""

    body: Mapping[str, Any]
    secret: str


def applied_by_helm(
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    unlisted: Mapping[Release, str] | None = None,
) -> tuple[dict[ResourceKey, Applied], list[str]]:
    """For each desired object whose live object a Helm release manages, what the release's
    latest deployed record applied; a warning per release whose record cannot be used.
    `unlisted`: releases whose records the cluster refused to list, and why."""
    unlisted = unlisted or {}
    live_by_key = {obj.key: obj for obj in live}
    wanted: dict[Release, list[ResourceKey]] = {}
    installed: set[Release] = set()  # releases that Helm's own annotations name
    for obj in desired:
        counterpart = live_by_key.get(obj.key)
        release = release_of(obj.key, counterpart.body) if counterpart else None
        if release is not None and counterpart is not None:
            wanted.setdefault(release, []).append(obj.key)
            if _annotated(counterpart.body):
                installed.add(release)
    if not wanted:
        return {}, []
    secrets = latest_deployed(live)
    applied: dict[ResourceKey, Applied] = {}
    warnings: list[str] = []
    for release, keys in sorted(wanted.items()):
        namespace, name = release
        secret = secrets.get(release)
        if secret is None and release in unlisted:
            # The record may well exist: say why it was not read, not that it is absent.
            warnings.append(
                f"Helm release {namespace}/{name}: its release record (Secret "
                f"sh.helm.release.v1.{name}.v<N>) could not be read ({unlisted[release]}); "
                "fields the chart dropped are found from managedFields only"
            )
            continue
        if secret is None and release not in installed:
            # Only the chart's labels: `helm template` piped to kubectl, or Argo CD rendering
            # a chart, leave them too, and no release record exists to be missed.
            continue
        if secret is None:
            warnings.append(
                f"Helm release {namespace}/{name}: no deployed release record "
                f"(Secret sh.helm.release.v1.{name}.v<N>) in the live state; fields the chart "
                "dropped are found from managedFields only"
            )
            continue
        try:
            record = decode(secret)
        except RecordError as exc:
            warnings.append(
                f"Helm release record Secret {secret.key.namespace}/{secret.key.name} "
                f"cannot be read: {exc}; fields the chart dropped are found from managedFields "
                "only"
            )
            continue
        for key in keys:
            body = record.applied(key)
            if body is not None:
                applied[key] = Applied(body, record.secret)
    return applied, warnings


def removed_by_record(
    helm: Applied, key: ResourceKey, have: Mapping[str, Any], want: Mapping[str, Any]
) -> tuple[list[Change], list[Normalization]]:
    """What the record applied, Git no longer sets and is still live, as kubectl's annotation
    is read; each with a note naming the record, which `--explain` shows."""
    applied = comparable(key, helm.body, desired=True)
    found = applied_not_in_desired(key.kind, applied, have, want)
    reason = (
        f"reported as removed from Git: Helm's release record {helm.secret} applied it, "
        "Git no longer sets it, and it is still live"
    )
    changes = [Change(path, ChangeType.REMOVED, None, value) for path, value in found]
    return changes, [Normalization(RULE, format_path(path), reason) for path, _ in found]
