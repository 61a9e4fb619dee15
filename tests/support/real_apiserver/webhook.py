"""A real mutating admission webhook on loopback, for the real API server to call.

An HTTPS server in a thread answers AdmissionReview v1 with a JSONPatch made by a test's function,
and records every review it was sent (operation, dryRun, field manager) so a test can check what
the server asked it. `configuration()` is the MutatingWebhookConfiguration that points the server
at it, scoped by a namespace label only the test's namespace carries: the control plane is shared
by the whole session, and failurePolicy Fail would otherwise break other tests' writes.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from support.kube_emulator.tls import make_certificates

Obj = dict[str, Any]
# The object under review -> JSONPatch operations (RFC 6902) to apply to it.
Mutation = Callable[[Obj], list[Obj]]


class Webhook:
    """`with Webhook(mutate, workdir) as hook:` serves https://127.0.0.1:<port>/mutate."""

    def __init__(self, mutate: Mutation, workdir: Path) -> None:
        self.mutate = mutate
        self.reviews: list[Obj] = []  # the `request` of each AdmissionReview, oldest first
        self._lock = threading.Lock()
        self._certs = make_certificates(workdir)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        context = self._certs.server_context()
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}/mutate"

    def record(self, request: Obj) -> None:
        with self._lock:
            self.reviews.append(request)

    def configuration(
        self, name: str, label: tuple[str, str], resources: tuple[str, str, str]
    ) -> Obj:
        """The MutatingWebhookConfiguration for (group, version, plural) in labelled namespaces."""
        group, version, plural = resources
        ca = base64.b64encode(self._certs.ca_file.read_bytes()).decode()
        return {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": name},
            "webhooks": [
                {
                    "name": f"{name}.drift-action.test",
                    "clientConfig": {"url": self.url, "caBundle": ca},
                    "rules": [
                        {
                            "operations": ["CREATE", "UPDATE"],
                            "apiGroups": [group],
                            "apiVersions": [version],
                            "resources": [plural],
                        }
                    ],
                    "namespaceSelector": {"matchLabels": {label[0]: label[1]}},
                    # None: the server sends dry runs to it (it refuses them otherwise).
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                    "failurePolicy": "Fail",
                    "timeoutSeconds": 10,
                }
            ],
        }

    def __enter__(self) -> Webhook:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(hook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            review = json.loads(self.rfile.read(length))
            request = review["request"]
            hook.record(request)
            response: Obj = {"uid": request["uid"], "allowed": True}
            operations = hook.mutate(request["object"])
            if operations:
                patch = json.dumps(operations).encode()
                response |= {"patchType": "JSONPatch", "patch": base64.b64encode(patch).decode()}
            body = json.dumps(
                {
                    "apiVersion": "admission.k8s.io/v1",
                    "kind": "AdmissionReview",
                    "response": response,
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the reviews are kept in `hook.reviews` instead."""

    return Handler


def apply_patch(obj: Obj, operations: list[Obj]) -> Obj:
    """The JSONPatch `add` and `replace` operations a Webhook's mutation makes, applied in place:
    the same mutation then serves as the emulator's apply hook."""
    for operation in operations:
        if operation["op"] not in ("add", "replace"):
            raise ValueError(f"unsupported JSONPatch op {operation['op']!r}")
        *parents, last = [
            p.replace("~1", "/").replace("~0", "~") for p in operation["path"].split("/")[1:]
        ]
        target: Any = obj
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            if last == "-":
                target.append(operation["value"])
            elif operation["op"] == "add":
                target.insert(int(last), operation["value"])
            else:
                target[int(last)] = operation["value"]
        else:
            target[last] = operation["value"]
    return obj
