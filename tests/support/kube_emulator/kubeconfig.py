"""The kubeconfig file that points kubectl and the `kubernetes` client at an emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_kubeconfig(
    path: str | Path,
    *,
    server: str,
    context: str,
    token: str | None,
    namespace: str | None,
    ca_file: str | None,
    insecure: bool = False,
) -> Path:
    """One cluster, user and context, all named `context`, and made current.

    Note: client-go (so kubectl) sends a bearer token only over TLS; over http:// it
    silently drops it. The `kubernetes` Python client sends it either way.
    """
    cluster: dict[str, Any] = {"server": server}
    if insecure:
        cluster["insecure-skip-tls-verify"] = True
    elif ca_file:
        cluster["certificate-authority"] = ca_file
    user: dict[str, Any] = {"token": token} if token else {}
    context_body: dict[str, Any] = {"cluster": context, "user": context}
    if namespace:
        context_body["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": context, "user": user}],
        "contexts": [{"name": context, "context": context_body}],
        "current-context": context,
        "preferences": {},
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target
