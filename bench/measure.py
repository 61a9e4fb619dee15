"""The workloads the benchmark times, and the child process that measures peak memory.

- drift-action end to end: `drift_action.pipeline.run` in this process (manifests read and
  parsed, discovery, paged LISTs, comparison, report).
- drift-action's live read end to end: the part of that run that reads the cluster (kubeconfig,
  discovery, paged LISTs, parsing, filtering, live objects), on manifests parsed beforehand.
- the LIST-and-parse floor: the same paged LISTs (same page size, same concurrency across
  types) with the `kubernetes` client's ApiClient and `json.loads`, nothing else.
- the YAML scan: libyaml's parse events for Git's manifests, nothing built (a lower bound).
- the per-object baseline: one GET per object, serially, over one kept-alive connection;
  and, for reference, one `kubectl get` process per object (what the seed's script does).

    python bench/measure.py memory --mode rss --kubeconfig K --manifests DIR
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import generate
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from yaml import CSafeLoader

from drift_action import pipeline, sources
from drift_action.core.model import Status
from drift_action.core.objects import RawObject, collect, desired_objects, live_objects
from drift_action.core.scope import ScopeResolver
from drift_action.live.cluster import ClusterReader
from drift_action.live.kube_client import ClusterSpec, KubeClient
from drift_action.pipeline import RunOptions
from drift_action.sources.manifests import ManifestsSpec

TIMEOUT = (10.0, 120.0)


@dataclass(frozen=True)
class Fetch:
    """What one workload read: objects parsed, HTTP requests sent, response bytes."""

    objects: int
    requests: int
    bytes_read: int


@dataclass(frozen=True)
class Verdicts:
    in_sync: int
    drifted: int
    other: int  # missing, extra, error: none are expected


@dataclass(frozen=True)
class DriftRun:
    fetch: Fetch
    verdicts: Verdicts


# -- the kubernetes client, used directly --------------------------------------------------


def api_client(kubeconfig: Path, concurrency: int) -> k8s.ApiClient:
    cfg = k8s.Configuration()
    k8s_config.load_kube_config(
        config_file=str(kubeconfig), client_configuration=cfg, persist_config=False
    )
    cfg.retries = False
    cfg.connection_pool_maxsize = max(concurrency, 1)
    return k8s.ApiClient(cfg)


def get_raw(api: k8s.ApiClient, path: str, query: dict[str, str] | None = None) -> bytes:
    """One GET, the response body as bytes (no model objects)."""
    url_path = f"{path}?{urlencode(query)}" if query else path
    _method, url, headers, _body, _post = api.param_serialize(
        "GET", url_path, header_params={"Accept": "application/json"}, auth_settings=["BearerToken"]
    )
    response = api.call_api("GET", url, header_params=headers, _request_timeout=TIMEOUT)
    if response.status != 200:
        raise RuntimeError(f"GET {url_path}: HTTP {response.status}")
    data: bytes = response.read()
    return data


@dataclass
class _Pages:
    items: list[Any]
    requests: int = 0
    bytes_read: int = 0


def _list_pages(api: k8s.ApiClient, path: str, page_size: int) -> _Pages:
    pages = _Pages([])
    token = ""
    while True:
        query = {"limit": str(page_size)} | ({"continue": token} if token else {})
        data = get_raw(api, path, query)
        page: dict[str, Any] = json.loads(data)
        pages.requests, pages.bytes_read = pages.requests + 1, pages.bytes_read + len(data)
        pages.items.extend(page.get("items") or ())
        token = (page.get("metadata") or {}).get("continue") or ""
        if not token:
            return pages


def list_and_parse(
    kubeconfig: Path, collections: Sequence[str], *, page_size: int, concurrency: int
) -> Fetch:
    """The floor: paged LISTs of every collection, `concurrency` at a time, parsed and kept
    (as any comparison must keep them) until all are read."""
    api = api_client(kubeconfig, concurrency)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(collections)))) as pool:
            parts = list(pool.map(lambda path: _list_pages(api, path, page_size), collections))
    finally:
        api.close()
    return Fetch(
        sum(len(p.items) for p in parts),
        sum(p.requests for p in parts),
        sum(p.bytes_read for p in parts),
    )


def per_object(kubeconfig: Path, paths: Sequence[str]) -> Fetch:
    """The baseline: one GET per object, one after the other."""
    api = api_client(kubeconfig, 1)
    size = 0
    try:
        for path in paths:
            data = get_raw(api, path)
            json.loads(data)
            size += len(data)
    finally:
        api.close()
    return Fetch(len(paths), len(paths), size)


def kubectl_per_object(kubectl: str, kubeconfig: Path, objects: Sequence[Sequence[str]]) -> int:
    """The seed's way: one `kubectl get RESOURCE NAME -n NS -o json` process per object
    (resource as plural.group). Discovery is cached on disk after the first call."""
    cache = kubeconfig.parent / "kubectl-cache"
    size = 0
    for resource_name, namespace, name in objects:
        command = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), "get"]
        done = subprocess.run(
            [*command, resource_name, name, "-n", namespace, "-o", "json"],
            capture_output=True,
            check=True,
        )
        json.loads(done.stdout)
        size += len(done.stdout)
    return size


def kubectl_warm(kubectl: str, kubeconfig: Path) -> None:
    """Fill kubectl's discovery cache (untimed), as a user's earlier commands would have."""
    cache = kubeconfig.parent / "kubectl-cache"
    command = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache)]
    subprocess.run([*command, "api-resources"], capture_output=True, check=True)


def kubectl_get_all(kubectl: str, kubeconfig: Path, resources: Sequence[str]) -> int:
    """`kubectl get R1,R2,... -A -o json`: every object of the kinds in one process (kubectl
    LISTs each kind in chunks of 500, then prints one List). Returns the bytes printed."""
    cache = kubeconfig.parent / "kubectl-cache"
    command = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), "get"]
    done = subprocess.run(
        [*command, ",".join(resources), "-A", "-o", "json"], capture_output=True, check=True
    )
    return len(done.stdout)


def kubectl_diff(kubectl: str, kubeconfig: Path, folders: Sequence[tuple[Path, str]]) -> int:
    """`kubectl diff -n NS -R -f FOLDER` per namespace folder, one after the other, as a user
    checks a repository: per object a GET, then (when the three-way patch is not empty) a
    dry-run PATCH. The external diff is `true`-cheap (`diff -q`). Exit 1 means differences.
    Returns the bytes printed."""
    cache = kubeconfig.parent / "kubectl-cache"
    env = dict(os.environ, KUBECTL_EXTERNAL_DIFF="diff -q")
    size = 0
    for folder, namespace in folders:
        command = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), "diff"]
        done = subprocess.run(
            [*command, "-n", namespace, "-R", "-f", str(folder)],
            capture_output=True,
            env=env,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"kubectl diff {folder}: {done.stderr.decode()[-500:]}")
        size += len(done.stdout)
    return size


def helm_template(helm: str, chart: Path) -> int:
    """`helm template` of a chart (no cluster): the peer of drift-action's Helm render stage."""
    done = subprocess.run([helm, "template", "bench", str(chart)], capture_output=True, check=True)
    return len(done.stdout)


def yaml_scan(manifests: Path) -> int:
    """A lower bound for any run that reads Git's YAML with PyYAML: read every manifest and
    walk libyaml's parse events, building nothing. Returns the number of events."""
    events = 0
    for path in sorted(manifests.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        parser = CSafeLoader(path.read_bytes())  # its parse events only: nothing is built
        try:
            while parser.check_event():
                parser.get_event()
                events += 1
        finally:
            parser.dispose()
    return events


# -- drift-action ----------------------------------------------------------------------------


@contextmanager
def _recording_clients() -> Iterator[list[KubeClient]]:
    """The KubeClients the pipeline creates, kept so their counters can be read after."""
    made: list[KubeClient] = []

    def make(spec: ClusterSpec) -> KubeClient:
        made.append(KubeClient(spec))
        return made[-1]

    with mock.patch.object(pipeline, "KubeClient", side_effect=make):
        yield made


def manifest_sources(manifests: Path) -> tuple[ManifestsSpec, ...]:
    """One source per namespace folder, with that namespace for the manifests naming none
    (as `--manifests DIR --namespace NS` per folder, or a sources file, would give)."""
    return tuple(
        ManifestsSpec((str(folder),), namespace)
        for folder, namespace in generate.namespace_folders(manifests)
    )


def drift_action(
    kubeconfig: Path, manifests: Path, *, page_size: int, concurrency: int
) -> DriftRun:
    """drift-action end to end, in this process, as the CLI runs it."""
    spec = ClusterSpec(kubeconfig=str(kubeconfig), page_size=page_size, concurrency=concurrency)
    options = RunOptions(sources=manifest_sources(manifests), cluster=spec)
    with _recording_clients() as clients:
        report = pipeline.run(options)
    counts = report.counts
    in_sync, drifted = counts.get(Status.IN_SYNC, 0), counts.get(Status.DRIFTED, 0)
    objects = sum(counts.values())
    requests = sum(c.counters.requests for c in clients)
    bytes_read = sum(c.counters.bytes_read for c in clients)
    verdicts = Verdicts(in_sync, drifted, objects - in_sync - drifted)
    return DriftRun(Fetch(objects, requests, bytes_read), verdicts)


def prepared_desired(manifests: Path) -> list[tuple[RawObject, str]]:
    """The desired objects as the pipeline has them before it reads the cluster (untimed)."""
    raw: list[tuple[RawObject, str]] = []
    for spec in manifest_sources(manifests):
        found, _warnings = collect(sources.render(spec).documents, strict=False)
        raw.extend((obj, spec.namespace) for obj in found)
    return raw


def live_read(
    kubeconfig: Path, desired_raw: list[tuple[RawObject, str]], *, page_size: int, concurrency: int
) -> Fetch:
    """drift-action's live read end to end, as the pipeline runs it: load the kubeconfig,
    discover, settle the desired identities, LIST and parse, keep the wanted items, and build
    the live objects. Parsing Git and comparing are left out: the floor does neither."""
    spec = ClusterSpec(kubeconfig=str(kubeconfig), page_size=page_size, concurrency=concurrency)
    enabled = gc.isenabled()
    gc.disable()  # as pipeline.run does
    try:
        with KubeClient(spec) as client:
            reader = ClusterReader(client)
            scopes = ScopeResolver()
            reader.learn_scopes((obj for obj, _ in desired_raw), scopes)
            desired, _warnings = desired_objects(desired_raw, scopes)
            read = reader.read(desired, None)
            live, _more = live_objects(read.objects)
            return Fetch(len(live), read.requests, read.bytes_read)
    finally:
        if enabled:
            gc.enable()


# -- peak memory, in a child process -------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    """A `VmXXX:` line of /proc/self/status in kilobytes, None where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return None


def _reset_peak_rss() -> bool:
    """Start the peak resident set (VmHWM) again from the resident set now (Linux 4.0+).

    Not `getrusage`: its ru_maxrss survives exec, so a child started by a big parent reports
    the parent's peak (the earlier 1,000-object RSS figures were the bench process's, not ours).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kb("VmHWM") is not None


def peak_memory(mode: str, kubeconfig: Path, manifests: Path, **settings: int) -> dict[str, int]:
    """Peak memory of one drift-action run above what the interpreter held before it: the
    traced peak, or the peak resident set minus the resident set before the run."""
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
        run = drift_action(kubeconfig, manifests, **settings)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        if not _reset_peak_rss():
            raise SystemExit("peak RSS needs Linux's /proc/self/clear_refs and VmHWM")
        before = _status_kb("VmRSS") or 0
        run = drift_action(kubeconfig, manifests, **settings)
        peak = max((_status_kb("VmHWM") or 0) - before, 0) * 1024
    return {"peak": peak, "bytes_read": run.fetch.bytes_read, "objects": run.fetch.objects}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="measure drift-action's peak memory")
    parser.add_argument("command", choices=["memory"])
    parser.add_argument("--mode", choices=["rss", "tracemalloc"], required=True)
    parser.add_argument("--kubeconfig", type=Path, required=True)
    parser.add_argument("--manifests", type=Path, required=True)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    result = peak_memory(
        args.mode,
        args.kubeconfig,
        args.manifests,
        page_size=args.page_size,
        concurrency=args.concurrency,
    )
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
