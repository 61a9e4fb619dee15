"""Make the Flux pairs' live objects from fluxcd/flux2's test data, as its envtest run does.

flux2's TestDiffKustomization renders each objectFile with `{{ .fluxns }}` set to a test
namespace, server-side applies it with the Flux resource manager (field manager
`kustomize-controller`), then diffs `flux build` output against the cluster. The API server's
answer is not stored upstream, so this script writes what it returns for these objects: the
template filled in, Secret `stringData` folded into base64 `data`, server metadata, and a
managedFields Apply entry owning exactly the applied fields. Run it from this folder:
`python derive.py`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
UPSTREAM = HERE.parent.parent / "fluxcd__flux2" / "cmd" / "flux" / "testdata"
FLUXNS = "flux-system"
MANAGER = "kustomize-controller"
APPLIED_AT = "2026-11-20T09:00:00Z"
OBJECT_FILES = (
    "deployment",
    "service",
    "secret",
    "value-sops-secret",
    "key-sops-secret",
    "stringdata-sops-secret",
    "drifted-service-no-labels",
)
# Merge keys of the lists in these objects (apimachinery's strategic-merge keys).
LIST_KEYS = {"containers": ("name",), "env": ("name",), "ports": ("containerPort", "protocol")}
SERVICE_LIST_KEYS = {"ports": ("port", "protocol")}


def fill(text: str) -> str:
    return text.replace("{{ .fluxns }}", FLUXNS)


def fields_v1(value: Any, keys: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, child in value.items():
        if isinstance(child, dict):
            out[f"f:{name}"] = {".": {}, **fields_v1(child, keys)} if child else {}
        elif isinstance(child, list) and name in keys and all(isinstance(i, dict) for i in child):
            items = {}
            for item in child:
                key = {k: item[k] for k in keys[name] if k in item}
                items["k:" + json.dumps(key, separators=(",", ":"))] = {
                    ".": {},
                    **fields_v1(item, keys),
                }
            out[f"f:{name}"] = items
        else:
            out[f"f:{name}"] = {}
    return out


def live(applied: dict[str, Any], index: int) -> dict[str, Any]:
    obj = json.loads(json.dumps(applied))
    if obj["kind"] == "Secret" and "stringData" in obj:
        data = obj.setdefault("data", {})
        for name, value in obj.pop("stringData").items():
            data[name] = base64.b64encode(str(value).encode()).decode()
    owned = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    owned_meta = {k: v for k, v in obj["metadata"].items() if k not in ("name", "namespace")}
    keys = SERVICE_LIST_KEYS if obj["kind"] == "Service" else LIST_KEYS
    fields = fields_v1(owned, keys)
    if owned_meta:
        fields["f:metadata"] = fields_v1(owned_meta, keys)
    obj["metadata"].update(
        {
            "uid": f"00000000-0000-4000-8000-{index:012d}",
            "resourceVersion": str(1000 + index),
            "creationTimestamp": APPLIED_AT,
            "managedFields": [
                {
                    "apiVersion": obj["apiVersion"],
                    "fieldsType": "FieldsV1",
                    "fieldsV1": fields,
                    "manager": MANAGER,
                    "operation": "Apply",
                    "time": APPLIED_AT,
                }
            ],
        }
    )
    return obj


def main() -> None:
    result = UPSTREAM / "build-kustomization" / "podinfo-result.yaml"
    (HERE / "podinfo-result.yaml").write_text(fill(result.read_text()))
    for index, name in enumerate(OBJECT_FILES, start=1):
        source = UPSTREAM / "diff-kustomization" / f"{name}.yaml"
        applied = yaml.safe_load(fill(source.read_text()))
        text = yaml.safe_dump(live(applied, index), sort_keys=False)
        (HERE / f"live-{name}.yaml").write_text(text)


if __name__ == "__main__":
    main()
