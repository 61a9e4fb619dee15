"""The benchmark's objects in the real kube-apiserver (v1.36.3) and etcd, in their own processes
(tests/support/real_apiserver), behind the commands run_bench sends to serve.py's emulator.

    with RealServer(live_json, kubeconfig) as server:  # start, load, write the kubeconfig
        server.command("reset"); ...; server.stats()

Loading: the namespaces, then every live object POSTed as `kubectl apply` creates it (field
manager kubectl-client-side-apply, the last-applied annotation kept), without what the server
sets itself (uid, resourceVersion, creationTimestamp, generation, managedFields, status) and
without the generator's Service cluster IPs (random picks in 10.96.0.0/16: two Services can
draw the same one, and the server allocates its own). A hand-edited object is created as it
was before the edit, then edited as the tool its managedFields name does it (kubectl scale,
set image, edit, label). Requests are counted from the server's audit log (user admin).
There is no latency injection: the server answers as fast as it does.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode

import generate
import measure
import serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.real_apiserver import ControlPlane, locate

Obj = dict[str, Any]
SERVER_SET = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
SERVICE_CIDR = "10.96.0.0/16"  # room for the 1,000 Services of 10,000 objects
WORKERS = 6  # POSTs in flight while loading


# -- the writes --------------------------------------------------------------------------------


def send(
    api: Any, method: str, path: str, body: Any, *, content_type: str = "application/json",
    manager: str | None = None,
) -> None:  # fmt: skip
    """One write through the `kubernetes` client's ApiClient; raises unless it answers 2xx."""
    url_path = f"{path}?{urlencode({'fieldManager': manager})}" if manager else path
    headers = {"Accept": "application/json", "Content-Type": content_type}
    _method, url, headers, data, _post = api.param_serialize(
        method, url_path, header_params=headers, body=body, auth_settings=["BearerToken"]
    )
    answer = api.call_api(method, url, header_params=headers, body=data, _request_timeout=(10, 60))
    text = answer.read()
    if not 200 <= answer.status < 300:
        raise RuntimeError(f"{method} {path}: HTTP {answer.status}: {text[:400]!r}")


Write = tuple[str, str, Any, str, str]  # method, path suffix, body, content type, manager


def _scale(before: Obj, live: Obj, desired: Obj) -> Write:
    before["spec"]["replicas"] = desired["spec"]["replicas"]
    replicas = {"spec": {"replicas": live["spec"]["replicas"]}}
    return "PATCH", "/scale", replicas, MERGE, "kubectl-scale"


def _set_image(before: Obj, live: Obj, desired: Obj) -> Write:
    path = ("spec", "template", "spec", "containers")
    containers = [_at(o, path)[0] for o in (before, live, desired)]
    containers[0]["image"] = containers[2]["image"]
    change = {"name": containers[1]["name"], "image": containers[1]["image"]}
    body = {"spec": {"template": {"spec": {"containers": [change]}}}}
    return "PATCH", "", body, STRATEGIC, "kubectl-set"


def _changed(live: Obj, desired: Obj) -> Obj:
    return {k: v for k, v in live.items() if desired.get(k) != v}


def _edit_data(before: Obj, live: Obj, desired: Obj) -> Write:
    before["data"] = dict(desired["data"])
    return "PATCH", "", {"data": _changed(live["data"], desired["data"])}, MERGE, "kubectl-edit"


def _label(before: Obj, live: Obj, desired: Obj) -> Write:
    labels = (live["metadata"]["labels"], desired["metadata"]["labels"])
    before["metadata"]["labels"] = dict(labels[1])
    return "PATCH", "", {"metadata": {"labels": _changed(*labels)}}, MERGE, "kubectl-label"


# The generator's hand edits (generate.HAND_EDITS), by the manager they record.
EDITS: dict[str, Callable[[Obj, Obj, Obj], Write]] = {
    "kubectl-scale": _scale,
    "kubectl-set": _set_image,
    "kubectl-edit": _edit_data,
    "kubectl-label": _label,
}


def _at(obj: Obj, path: tuple[str, ...]) -> Any:
    for key in path:
        obj = obj[key]
    return obj


def plan(live: Obj) -> tuple[Obj, Write | None]:
    """The body to create for one live object, and the hand edit to make after, if any."""
    body = json.loads(json.dumps(live))
    body.pop("status", None)
    for field in SERVER_SET:
        body["metadata"].pop(field, None)
    if body["kind"] == "Service":
        body["spec"].pop("clusterIP", None)
        body["spec"].pop("clusterIPs", None)
    managers = [e["manager"] for e in live["metadata"].get("managedFields") or ()]
    edit = next((EDITS[m] for m in managers if m in EDITS), None)
    if edit is None:
        return body, None
    desired = json.loads(live["metadata"]["annotations"][generate.LAST_APPLIED])
    return body, edit(body, live, desired)


def load(kubeconfig: Path, objects: list[Obj], workers: int = WORKERS) -> float:
    """Create the namespaces, then every object (then its hand edit), `workers` at a time;
    progress on stderr. Returns the seconds it took."""
    started = time.monotonic()
    api = measure.api_client(kubeconfig, workers)
    done = 0

    def create(live: Obj) -> None:
        nonlocal done
        body, edit = plan(live)
        send(api, "POST", generate.collection_path(live["kind"], body["metadata"]["namespace"]),
             body, manager="kubectl-client-side-apply")  # fmt: skip
        if edit is not None:
            method, suffix, patch, content_type, manager = edit
            path = generate.object_path(live) + suffix
            send(api, method, path, patch, content_type=content_type, manager=manager)
        done += 1
        if done % 1000 == 0:
            rate = done / (time.monotonic() - started)
            print(f"# loaded {done:,}/{len(objects):,} ({rate:.0f}/s)", file=sys.stderr, flush=True)

    try:
        for namespace in sorted({o["metadata"]["namespace"] for o in objects}):
            send(api, "POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(create, objects))  # re-raises the first failure
    finally:
        api.close()
    return time.monotonic() - started


# -- the server, driven as run_bench drives serve.py -----------------------------------------


class RealServer:
    """etcd and kube-apiserver started and loaded with live.json; `command` answers
    `latency 0`, `reset` and `stats` (from the audit log) as serve.py does."""

    def __init__(self, live_json: Path, kubeconfig: Path) -> None:
        self.plane = ControlPlane(locate(), service_cidr=SERVICE_CIDR).__enter__()
        try:
            self.plane.kubeconfig(kubeconfig)
            print(f"# real kube-apiserver up in {self.plane.started_in:.1f}s", file=sys.stderr)
            objects = serve.load(live_json)
            self.load_seconds = load(kubeconfig, objects)
            print(f"# loaded in {self.load_seconds:.1f}s", file=sys.stderr, flush=True)
        except BaseException:
            self.plane.close()
            raise
        self.url = self.plane.server
        # What the server made itself (the `kubernetes` Service, bootstrap RBAC in kube-system):
        # cluster-wide LISTs read these too.
        collections = [generate.collection_path(kind) for kind in generate.KINDS]
        listed = measure.list_and_parse(kubeconfig, collections, page_size=500, concurrency=8)
        self.extra_objects = listed.objects - len(objects)
        print(f"# the server's own objects in those LISTs: {self.extra_objects}", file=sys.stderr)
        self._offset = 0
        self.command("reset")

    def _events(self) -> list[Obj]:
        with self.plane.audit_log.open("rb") as log:
            log.seek(self._offset)
            lines = log.read().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def stats(self) -> dict[str, int]:
        """The requests the admin user made since `reset`, as serve.py classifies them."""
        seen = -1
        for _ in range(20):  # the last events are written just after their answers
            events = [e for e in self._events() if e["user"]["username"] == "admin"]
            if len(events) == seen:
                break
            seen = len(events)
            time.sleep(0.05)
        records = [
            serve.RequestRecord(
                "GET" if e["verb"] in ("get", "list") else e["verb"].upper(),
                e["requestURI"].partition("?")[0],
                query=dict(parse_qsl(e["requestURI"].partition("?")[2])),
                status=e["responseStatus"]["code"],
            )
            for e in events
        ]
        return serve.summarize(records)

    def command(self, text: str) -> str:
        verb, _, argument = text.partition(" ")
        if verb == "latency":
            if float(argument) != 0:
                raise ValueError("the real server takes no injected latency")
            return "ok"
        if verb == "reset":
            self.stats()  # let the events of the requests before settle, then skip them
            self._offset = self.plane.audit_log.stat().st_size
            return "ok"
        if verb == "stats":
            return json.dumps(self.stats())
        raise ValueError(f"unknown command {text!r}")

    def close(self) -> None:
        self.plane.close()

    def __enter__(self) -> RealServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
