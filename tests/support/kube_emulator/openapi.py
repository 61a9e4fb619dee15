"""A skeleton OpenAPI v3 index, just enough for `kubectl apply` to trust server validation.

kubectl apply (validation on) asks /openapi/v3 whether PATCH of the kind accepts the
`fieldValidation` query parameter; if so it lets the server validate, otherwise it needs
the full protobuf OpenAPI v2 document. So each group-version document lists the PATCH
operation of every kind with that parameter and no schemas.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .resources import Registry
from .store import dumps

_PATCH_PARAMETERS = [
    {"name": name, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
    for name in ("dryRun", "fieldManager", "fieldValidation", "force")
]


def openapi_documents(registry: Registry) -> dict[str, bytes]:
    """Serialized documents by path: "/openapi/v3" and "/openapi/v3/apis/{g}/{v}"."""
    documents: dict[str, bytes] = {}
    index: dict[str, Any] = {}
    for group, versions in registry.group_versions.items():
        for version in versions:
            prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
            paths: dict[str, Any] = {}
            for rtype in registry.types_in(group, version):
                scope = "/namespaces/{namespace}" if rtype.namespaced else ""
                gvk = {"group": group, "version": version, "kind": rtype.kind}
                paths[f"{prefix}{scope}/{rtype.plural}/{{name}}"] = {
                    "patch": {
                        "operationId": f"patch{rtype.kind}",
                        "parameters": _PATCH_PARAMETERS,
                        "responses": {"200": {"description": "OK"}},
                        "x-kubernetes-action": "patch",
                        "x-kubernetes-group-version-kind": gvk,
                    }
                }
            document = {
                "openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths,
                "components": {"schemas": {}},
            }
            body = dumps(document)
            digest = hashlib.sha512(body).hexdigest().upper()[:32]
            documents["/openapi/v3" + prefix] = body
            index[prefix.lstrip("/")] = {"serverRelativeURL": f"/openapi/v3{prefix}?hash={digest}"}
    documents["/openapi/v3"] = dumps({"paths": index})
    return documents
