"""Reading the cluster while Git is parsed (live/prefetch.py): the same report and the same
requests as the serial run, errors in the same order, and no thread left behind."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.kube_emulator import Fault, KubeEmulator

from drift_action.core.errors import InputError, UsageError
from drift_action.core.model import Report, Status
from drift_action.live.kube_client import ClusterSpec, KubeClient
from drift_action.live.prefetch import Prefetch
from drift_action.pipeline import RunOptions, run
from drift_action.sources.manifests import ManifestsRenderer, ManifestsSpec


def _config_map(name: str, namespace: str, value: str = "1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"value": value},
    }


def _role(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
    }


def _service_account(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": namespace},
    }


NAMESPACES = ("alpha", "beta", "gamma")
LIVE = [
    *(_config_map(f"cm{i}", ns, "live" if i == 0 else "1") for ns in NAMESPACES for i in range(4)),
    *(_config_map(f"other{i}", "delta") for i in range(5)),  # listed cluster-wide, not wanted
    *(_role(f"role{i}") for i in range(5)),
    _service_account("only", "alpha"),
]


def _write_manifests(folder: Path) -> Path:
    """One file per namespace (so the kinds arrive file by file), a cluster-scoped kind and a
    kind in one namespace only."""
    for ns in NAMESPACES:
        text = "".join(
            f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n  namespace: {ns}\n"
            f"data:\n  value: '1'\n"
            for i in range(5)  # cm4 is missing live
        )
        (folder / f"{ns}.yaml").write_text(text, encoding="utf-8")
    roles = "".join(
        f"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
        f"  name: role{i}\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n"
        for i in range(4)
    )
    (folder / "roles.yaml").write_text(roles, encoding="utf-8")
    (folder / "sa.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: only\n  namespace: alpha\n",
        encoding="utf-8",
    )
    return folder


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "deploy"
    folder.mkdir()
    return folder


@pytest.fixture
def emulator() -> Iterator[KubeEmulator]:
    with KubeEmulator(LIVE) as emu:
        yield emu


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("drift-action-")]
    assert not left, left


def _run(
    emu: KubeEmulator, tmp_path: Path, manifests: Path, *, overlap: bool, page: int = 2
) -> Report:
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig")
    spec = ClusterSpec(kubeconfig=str(kubeconfig), page_size=page, concurrency=3)
    sources = (ManifestsSpec((str(manifests),), "default"),)
    return run(RunOptions(sources, cluster=spec, overlap=overlap))


def _requests(emu: KubeEmulator) -> Counter[tuple[str, str, int, tuple[str, ...]]]:
    # Continue tokens are the server's: what matters is which page of which list was asked for.
    return Counter((r.method, r.path, r.status, tuple(sorted(r.query))) for r in emu.requests)


@pytest.mark.parametrize("fault", [None, "forbidden", "gone"])
@pytest.mark.parametrize("page_size", [2, 10])  # ConfigMaps listed per namespace; cluster-wide
def test_the_overlapped_run_sends_the_serial_runs_requests_and_reports_the_same(
    emulator: KubeEmulator, tmp_path: Path, fault: str | None, page_size: int
) -> None:
    manifests = _write_manifests(_folder(tmp_path))
    reports, sent = {}, {}
    for overlap in (False, True):
        emulator.reset_requests()
        if fault == "forbidden":  # cluster-wide listing refused: listed per namespace
            emulator.inject(Fault(path_regex=r"^/api/v1/configmaps", status=403))
        if fault == "gone":  # the continue token expired on a later page: listed again
            emulator.inject(Fault(path_regex=r"/configmaps\?.*continue=", status=410, times=1))
        reports[overlap] = _run(emulator, tmp_path, manifests, overlap=overlap, page=page_size)
        emulator.clear_faults()
        sent[overlap] = _requests(emulator)
    assert reports[True] == reports[False]
    assert sent[True] == sent[False]
    counts = reports[True].counts
    assert counts[Status.DRIFTED] == 3 and counts[Status.MISSING] == 3


def test_a_bad_manifest_is_the_error_even_when_the_cluster_fails(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    manifests = _write_manifests(_folder(tmp_path))
    (manifests / "zz-broken.yaml").write_text("kind: [unclosed\n", encoding="utf-8")
    emulator.inject(Fault(path_regex=r"configmaps", status=500))
    with pytest.raises(InputError, match=r"zz-broken\.yaml"):
        _run(emulator, tmp_path, manifests, overlap=True)


def test_no_kubeconfig_is_said_after_the_manifests_as_before(tmp_path: Path) -> None:
    manifests = _write_manifests(_folder(tmp_path))
    errors = []
    for overlap in (False, True):
        spec = ClusterSpec(kubeconfig=str(tmp_path / "missing"))
        sources = (ManifestsSpec((str(manifests),), "default"),)
        with pytest.raises(UsageError) as caught:
            run(RunOptions(sources, cluster=spec, overlap=overlap))
        errors.append(str(caught.value))
    assert errors[0] == errors[1]


def _wait_for(emu: KubeEmulator, path: str) -> None:
    """Until the emulator has seen a request for `path` (a bounded wait, not a timing)."""
    deadline = time.monotonic() + 20
    while not any(r.path == path for r in emu.requests):
        assert time.monotonic() < deadline, f"{path} was never asked for"
        time.sleep(0.01)


def test_lists_start_before_the_manifests_are_all_parsed(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    """What is sent early: a cluster-scoped kind, and a kind seen in two namespaces; a kind
    seen in one namespace waits (it may be listed there alone)."""
    spec = ClusterSpec(
        kubeconfig=str(emulator.write_kubeconfig(tmp_path / "kubeconfig")), page_size=2
    )
    prefetch = Prefetch(lambda: KubeClient(spec))
    try:
        prefetch.saw(_config_map("cm0", "alpha"), "default")
        prefetch.saw(_service_account("only", "alpha"), "default")
        prefetch.saw(_role("role0"), "default")
        _wait_for(emulator, "/apis/rbac.authorization.k8s.io/v1/clusterroles")
        prefetch.saw(_config_map("cm0", "beta"), "default")
        _wait_for(emulator, "/api/v1/configmaps")
        client, discovery = prefetch.handoff()
        assert client is not None and discovery is not None
        with client:
            listed = [r.path for r in emulator.requests if "limit" in r.query]
            assert "/api/v1/serviceaccounts" not in listed
            assert not any("/namespaces/" in path for path in listed)
            # The read takes the answers: the first page is not asked for again.
            first = prefetch.get_json("/api/v1/configmaps", {"limit": "2"})
            assert len(first["items"]) == 2
            assert listed.count("/api/v1/configmaps") == sum(
                r.path == "/api/v1/configmaps" and "continue" not in r.query
                for r in emulator.requests
            )
    finally:
        prefetch.close()


def test_the_manifests_source_tells_each_file_as_it_is_parsed(tmp_path: Path) -> None:
    manifests = _write_manifests(_folder(tmp_path))
    told: list[tuple[list[str], str]] = []
    spec = ManifestsSpec(
        (str(manifests),),
        "team",
        seen=lambda docs, ns: told.append(([str(d.source.file) for d in docs], ns)),
    )
    rendered = ManifestsRenderer().render(spec)
    assert [files[0].rsplit("/", 1)[1] for files, _ in told] == [
        "alpha.yaml", "beta.yaml", "gamma.yaml", "roles.yaml", "sa.yaml",
    ]  # fmt: skip
    assert {ns for _, ns in told} == {"team"}
    assert sum(len(files) for files, _ in told) == len(rendered.documents)
