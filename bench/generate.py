"""Realistic live objects over 10 kinds, and the manifests a Git repository would hold for them.

Each "app" in a namespace gets one object of every kind (ConfigMap, Secret, Service,
ServiceAccount, Deployment, StatefulSet, DaemonSet, Role, RoleBinding, PodDisruptionBudget).
The desired manifest is what a user writes; the live object is what the API server returns for
it after the tool that deployed the app wrote it (see `Mix`): client-side `kubectl apply` (the
last-applied annotation exactly as kubectl records it), server-side apply by a GitOps tool (an
Apply managedFields entry, no annotation) or a Helm 3 release (a `helm` Update entry, Helm's
labels and annotations); plus server defaults, uid/resourceVersion/creationTimestamp,
controller-written status and kube-controller-manager entries. About 1% of the live objects
carry a hand edit (kubectl scale/edit/label/set), so the comparison finds real drift.

    python bench/generate.py --objects 1000 --out /tmp/bench-1000 [--mix kubectl=40,ssa=35,helm=25]
"""

from __future__ import annotations

import argparse
import base64
import copy
import gzip
import json
import random
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from apps import (
    API_VERSIONS,
    BUILDERS,
    DEFAULT_MIX,
    EPOCH,
    KINDS,
    KUBECTL_ONLY,
    LAST_APPLIED,
    NAMESPACES,
    PLURALS,
    ROLES,
    SSA_MANAGERS,
    WORDS,
    App,
    Mix,
    b64,
    collection_path,
    kubectl_resource,
    object_path,
)
from server_side import GENERATION_KINDS, STATUS, server_defaults, timestamp

Obj = dict[str, Any]

# What the benchmark's other scripts take from here (defined in apps.py).
__all__ = [
    "API_VERSIONS",
    "KINDS",
    "KUBECTL_ONLY",
    "LAST_APPLIED",
    "NAMESPACES",
    "PLURALS",
    "Dataset",
    "Layout",
    "Mix",
    "collection_path",
    "generate",
    "kubectl_resource",
    "namespace_folders",
    "object_path",
    "write",
]


@dataclass(frozen=True)
class Dataset:
    live: list[Obj]
    desired: list[Obj]  # as Git holds them (no namespace where the app's files name none)
    drifted: list[str]  # "Kind namespace/name" of the live objects with a hand edit
    apps: list[App]  # desired[i] and live[i] belong to apps[i // 10]
    mix: Mix = DEFAULT_MIX
    # Helm 3's release records (Secrets sh.helm.release.v1.<app>.v1), in the cluster beside
    # the objects but in no manifest: the cluster-wide Secret LIST reads them too.
    records: list[Obj] = field(default_factory=list)


# -- managedFields -----------------------------------------------------------------------------


_PLAIN_STRUCTS = frozenset({"metadata", "spec", "template", "strategy", "resources", "status"})
_ATOMIC = frozenset({"selector", "roleRef"})


def _list_key(parent: str, kind: str, item: Any) -> tuple[str, ...] | None:
    """The key fields of the list `parent` (as the API's list-map keys), None if atomic."""
    if not isinstance(item, Mapping):
        return None
    if parent == "ports":
        return ("port", "protocol") if kind == "Service" else ("containerPort", "protocol")
    return {
        "containers": ("name",),
        "env": ("name",),
        "volumes": ("name",),
        "volumeMounts": ("mountPath",),
        "conditions": ("type",),
    }.get(parent)


def fieldset(value: Any, kind: str, parent: str = "", *, dots: bool = True) -> Obj:
    """The FieldsV1 tree of everything set in `value`: maps and optional structs get `.`
    (an Update entry; an Apply entry, `dots=False`, owns only what it set), keyed list items
    `k:{...}` with `.`, atomic lists and label selectors are leaves; keys sorted."""
    if isinstance(value, Mapping):
        if parent in _ATOMIC:
            return {}
        dot = dots and parent and value and parent not in _PLAIN_STRUCTS
        node: Obj = {".": {}} if dot else {}
        for key, child in sorted(value.items()):
            node[f"f:{key}"] = fieldset(child, kind, key, dots=dots)
        return node
    if isinstance(value, list) and value and _list_key(parent, kind, value[0]):
        fields = _list_key(parent, kind, value[0]) or ()
        node = {}
        for item in value:
            # the key as the server defaults it (an applied port names no protocol: TCP)
            values = {f: item.get(f, "TCP") for f in fields}
            key = json.dumps(values, separators=(",", ":"), sort_keys=True)
            node[f"k:{key}"] = {".": {}, **fieldset(item, kind, "", dots=dots)}
        return node
    return {}


def _entry(
    manager: str,
    api_version: str,
    moment: datetime,
    fields: Obj,
    sub: str = "",
    *,
    operation: str = "Update",
) -> Obj:
    entry: Obj = {
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": operation,
    }
    if sub:
        entry["subresource"] = sub
    entry["time"] = timestamp(moment)
    return entry


_CONTROLLER_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "deprecated.daemonset.template.generation",
)


def _created_fields(live: Obj) -> Obj:
    """What a client-side create wrote (kubectl apply, Helm 3): the object with its defaults
    and its annotations, not status or what controllers add later."""
    body = {k: v for k, v in live.items() if k not in ("apiVersion", "kind", "status")}
    metadata = {k: live["metadata"][k] for k in ("labels", "annotations") if k in live["metadata"]}
    annotations = dict(metadata.get("annotations") or {})
    for name in _CONTROLLER_ANNOTATIONS:
        annotations.pop(name, None)
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    body["metadata"] = metadata
    return fieldset(body, live["kind"])


def _applied_fields(desired: Obj) -> Obj:
    """What a server-side apply owns: the applied manifest's own fields, no defaults (name and
    namespace identify the object and are not listed)."""
    body = {k: v for k, v in desired.items() if k not in ("apiVersion", "kind")}
    body["metadata"] = {
        k: v for k, v in desired["metadata"].items() if k in ("labels", "annotations")
    }
    return fieldset(body, desired["kind"], dots=False)


def _managed_fields(live: Obj, desired: Obj, app: App) -> list[Obj]:
    api_version, created = live["apiVersion"], app.created
    if app.tool == "ssa":
        fields = _applied_fields(desired)
        entries = [_entry(app.manager, api_version, created, fields, operation="Apply")]
    else:
        entries = [_entry(app.manager, api_version, created, _created_fields(live))]
    later = created + timedelta(seconds=4)
    if live["kind"] == "Deployment":
        revision: Obj = {
            "f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}}
        }
        if app.tool == "ssa":  # the first annotation on the object: the map is new too
            revision["f:metadata"]["f:annotations"]["."] = {}
        entries.append(_entry("kube-controller-manager", api_version, later, revision))
    if "status" in live and live["kind"] in STATUS:
        fields = {"f:status": fieldset(live["status"], live["kind"], "status")}
        entries.append(_entry("kube-controller-manager", api_version, later, fields, "status"))
    return entries


# -- live objects and drift --------------------------------------------------------------------


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def last_applied(desired: Obj) -> str:
    """The annotation `kubectl apply` records: the manifest with the namespace kubectl
    defaulted in and, when it had none, `"annotations":{}` (kubectl empties the map it took
    the annotation out of); keys sorted, a trailing newline."""
    applied = copy.deepcopy(desired)
    applied["metadata"].setdefault("annotations", {})
    return json.dumps(applied, separators=(",", ":"), sort_keys=True) + "\n"


def to_live(desired: Obj, app: App, rng: random.Random, resource_version: int) -> Obj:
    """The object as the API server returns it after `app.tool` deployed `desired` (with its
    namespace)."""
    live = copy.deepcopy(desired)
    meta = live["metadata"]
    if app.tool == "kubectl":
        meta.setdefault("annotations", {})[LAST_APPLIED] = last_applied(desired)
    elif app.tool == "helm":  # Helm 3 records its release on every object it installs
        annotations = meta.setdefault("annotations", {})
        annotations["meta.helm.sh/release-name"] = app.name
        annotations["meta.helm.sh/release-namespace"] = app.namespace
    server_defaults(live, rng)
    if live["kind"] == "Deployment":
        meta.setdefault("annotations", {})["deployment.kubernetes.io/revision"] = "1"
    status = STATUS.get(live["kind"])
    if status is not None:
        live["status"] = status(live, app.created + timedelta(seconds=9))
    meta["creationTimestamp"] = timestamp(app.created)
    if live["kind"] in GENERATION_KINDS:
        meta["generation"] = 1
    meta["managedFields"] = _managed_fields(live, desired, app)
    meta["resourceVersion"] = str(resource_version)
    meta["uid"] = _uid(rng)
    return live


Edit = tuple[Obj, str, str]  # the fieldsV1 written, the manager, the subresource


def _scale(live: Obj) -> Edit:
    live["spec"]["replicas"] += 2
    return {"f:spec": {"f:replicas": {}}}, "kubectl-scale", "scale"


def _set_image(live: Obj) -> Edit:
    container = live["spec"]["template"]["spec"]["containers"][0]
    container["image"] = container["image"].rsplit(":", 1)[0] + ":hotfix-1"
    key = 'k:{"name":"' + container["name"] + '"}'
    image: Obj = {"f:template": {"f:spec": {"f:containers": {key: {"f:image": {}}}}}}
    return {"f:spec": image}, "kubectl-set", ""


def _edit_data(live: Obj) -> Edit:
    live["data"]["LOG_LEVEL"] = "debug"
    return {"f:data": {"f:LOG_LEVEL": {}}}, "kubectl-edit", ""


def _label(live: Obj) -> Edit:
    live["metadata"]["labels"]["debug.example.com/hold"] = "true"
    return {"f:metadata": {"f:labels": {"f:debug.example.com/hold": {}}}}, "kubectl-label", ""


HAND_EDITS: dict[str, Callable[[Obj], Edit]] = {
    "Deployment": _scale,
    "StatefulSet": _scale,
    "DaemonSet": _set_image,
    "ConfigMap": _edit_data,
}


def _hand_edit(live: Obj, moment: datetime) -> None:
    """A change made outside Git, recorded in managedFields as the real tools record it."""
    fields, manager, sub = HAND_EDITS.get(live["kind"], _label)(live)
    live["metadata"]["managedFields"].append(
        _entry(manager, live["apiVersion"], moment, fields, sub)
    )


def helm_record(app: App, manifests: list[Obj], rng: random.Random, resource_version: int) -> Obj:
    """The Secret Helm 3 keeps for revision 1 of the app's release: `data.release` is
    base64(base64(gzip(JSON))) of the release, whose `manifest` is what Helm applied (the
    rendered documents, `# Source:` comments and all) and whose chart holds its templates."""
    chart = app.name.rsplit("-", 1)[0]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    sources = [(f"{chart}/templates/{m['kind'].lower()}.yaml", m) for m in manifests]
    manifest = "".join(
        f"---\n# Source: {name}\n" + yaml.dump(doc, Dumper=dumper, sort_keys=False)
        for name, doc in sources
    )
    deployed = timestamp(app.created)
    release = {
        "name": app.name,
        "info": {
            "first_deployed": deployed,
            "last_deployed": deployed,
            "deleted": "",
            "description": "Install complete",
            "status": "deployed",
        },
        "chart": {
            "metadata": {"name": chart, "version": app.version, "apiVersion": "v2"},
            "templates": [
                {"name": name.split("/", 1)[1], "data": b64(yaml.dump(doc, Dumper=dumper))}
                for name, doc in sources
            ],
            "values": {"replicaCount": app.replicas, "image": {"tag": app.version}},
        },
        "config": {},
        "manifest": manifest,
        "version": 1,
        "namespace": app.namespace,
    }
    packed = gzip.compress(json.dumps(release).encode(), mtime=0)
    data = base64.b64encode(base64.b64encode(packed)).decode()
    labels = {"modifiedAt": str(int(app.created.timestamp())), "name": app.name}
    labels |= {"owner": "helm", "status": "deployed", "version": "1"}
    fields: Obj = {"f:data": {".": {}, "f:release": {}}, "f:type": {}}
    fields["f:metadata"] = {"f:labels": {".": {}, **{f"f:{k}": {} for k in sorted(labels)}}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "creationTimestamp": deployed,
            "labels": labels,
            "managedFields": [_entry("helm", "v1", app.created, fields)],
            "name": f"sh.helm.release.v1.{app.name}.v1",
            "namespace": app.namespace,
            "resourceVersion": str(resource_version),
            "uid": _uid(rng),
        },
        "type": "helm.sh/release.v1",
        "data": {"release": data},
    }


def _weighted(rng: random.Random, percent: int) -> bool:
    return rng.randrange(100) < percent


def _apps(count: int, rng: random.Random, mix: Mix) -> Iterator[App]:
    tools = ("kubectl", "ssa", "helm")
    weights = (mix.kubectl, mix.ssa, mix.helm)
    ssa_count = 0
    for index in range(count):
        word = WORDS[index % len(WORDS)]
        role = ROLES[(index // len(WORDS)) % len(ROLES)]
        tool = rng.choices(tools, weights)[0]
        manager = {"kubectl": "kubectl-client-side-apply", "helm": "helm"}.get(tool, "")
        if tool == "ssa":
            manager, ssa_count = SSA_MANAGERS[ssa_count % len(SSA_MANAGERS)], ssa_count + 1
        layout = rng.randrange(10)  # 6 in 10 apps in one file, 3 in two, 1 a file per object
        yield App(
            name=f"{word}-{role}-{index:04d}",
            namespace=NAMESPACES[index % len(NAMESPACES)],
            version=f"1.{rng.randrange(30)}.{rng.randrange(10)}",
            replicas=rng.choice((2, 3, 3, 4, 6)),
            created=EPOCH + timedelta(minutes=rng.randrange(400_000)),
            tool=tool,
            manager=manager,
            annotated=_weighted(rng, mix.annotated),
            # Helm's own output and GitOps-rendered objects name their namespace here
            namespaced=tool != "kubectl" or _weighted(rng, mix.namespaced),
            files=1 if layout < 6 else 2 if layout < 9 else len(KINDS),
        )


def generate(
    count: int, *, seed: int = 7, drift_ratio: float = 0.01, mix: Mix = DEFAULT_MIX
) -> Dataset:
    """`count` live objects (and their manifests), kinds in turn, about 1% hand-edited."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    desired: list[Obj] = []
    live: list[Obj] = []
    apps: list[App] = []
    records: list[Obj] = []
    for app in _apps(-(-count // len(KINDS)), rng, mix):
        apps.append(app)
        mine = []
        for kind in KINDS:
            if len(desired) == count:
                break
            manifest = BUILDERS[kind](app)
            live.append(to_live(manifest, app, rng, 10_000 + len(live)))
            if not app.namespaced:
                del manifest["metadata"]["namespace"]
            desired.append(manifest)
            mine.append(manifest)
        if app.tool == "helm" and mine:
            records.append(helm_record(app, mine, rng, 5_000 + len(records)))
    drifted = []
    for index in sorted(rng.sample(range(count), max(1, round(count * drift_ratio)))):
        obj = live[index]
        _hand_edit(obj, EPOCH + timedelta(days=300))
        meta = obj["metadata"]
        drifted.append(f"{obj['kind']} {meta['namespace']}/{meta['name']}")
    return Dataset(live, desired, drifted, apps, mix, records)


# -- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    live_json: Path  # {"kind": "List", "items": [...]}: what the emulator loads
    manifests: Path  # the desired state: one folder per namespace (see namespace_folders)


_CONFIG_KINDS = frozenset({"ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding"})


def _file_of(app: App, kind: str) -> str:
    if app.files == 1:
        return f"{app.name}.yaml"
    if app.files == 2:
        return f"{app.name}/{'config' if kind in _CONFIG_KINDS else 'workloads'}.yaml"
    return f"{app.name}/{kind.lower()}.yaml"


def namespace_folders(manifests: Path) -> list[tuple[Path, str]]:
    """(folder, namespace) to render: one folder per namespace, as `kubectl apply -n NS -f
    DIR` would deploy it (manifests without a namespace take the folder's)."""
    return [(folder, folder.name) for folder in sorted(manifests.iterdir()) if folder.is_dir()]


def write(dataset: Dataset, directory: Path) -> Layout:
    directory.mkdir(parents=True, exist_ok=True)
    live_json = directory / "live.json"
    items = dataset.live + dataset.records
    live_json.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    manifests = directory / "manifests"
    shutil.rmtree(manifests, ignore_errors=True)  # what an earlier run wrote is not ours
    by_file: dict[Path, list[Obj]] = {}
    for index, obj in enumerate(dataset.desired):
        app = dataset.apps[index // len(KINDS)]
        path = manifests / app.namespace / _file_of(app, obj["kind"])
        by_file.setdefault(path, []).append(obj)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for path, docs in by_file.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False))
    return Layout(live_json, manifests)


def describe(dataset: Dataset, layout: Layout) -> str:
    """One line on what was written: objects, tools, sizes, files."""
    tools = {t: sum(a.tool == t for a in dataset.apps) for t in ("kubectl", "ssa", "helm")}
    sizes = [len(json.dumps(o, separators=(",", ":"))) for o in dataset.live]
    files = [p for p in layout.manifests.rglob("*.yaml")]
    yaml_bytes = sum(p.stat().st_size for p in files)
    return (
        f"{len(dataset.live)} live objects ({layout.live_json.stat().st_size / 1e6:.1f} MB JSON, "
        f"{min(sizes) / 1e3:.1f}-{max(sizes) / 1e3:.1f} KB each, mean "
        f"{sum(sizes) / len(sizes) / 1e3:.1f} KB); apps by tool {tools} (mix {dataset.mix}); "
        f"{len(dataset.records)} Helm release records; "
        f"{len(files)} manifest files, {yaml_bytes / 1e6:.1f} MB YAML; "
        f"{len(dataset.drifted)} hand-edited"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--mix", type=Mix.parse, default=DEFAULT_MIX, help=f"default: {DEFAULT_MIX}"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    dataset = generate(args.objects, seed=args.seed, mix=args.mix)
    layout = write(dataset, args.out)
    print(describe(dataset, layout))


if __name__ == "__main__":
    main()
