"""Helm release records are listed per namespace, many releases to a request (issue 21: one
request per release made the requests grow with the releases, 1,242 of them at 50,000 objects).
Against the Kubernetes API emulator, which applies the label selectors as the API server does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.kube_emulator import Fault, KubeEmulator

from drift_action.live.helm_records import read_records
from drift_action.live.kube_client import ClusterSpec, KubeClient

TOKEN = "emulator-token-helm-batches"


def record(namespace: str, release: str, revision: int, status: str = "deployed") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{release}.v{revision}",
            "namespace": namespace,
            "labels": {
                "owner": "helm",
                "name": release,
                "status": status,
                "version": str(revision),
            },
        },
        "data": {"release": "e30="},
    }


RELEASES = [("apps", f"app{i:02d}") for i in range(60)] + [("db", "postgres")]
LIVE = [
    *(record(ns, name, 2) for ns, name in RELEASES),
    *(record(ns, name, 1, "superseded") for ns, name in RELEASES),
    record("apps", "unrelated", 1),  # a release no desired object belongs to
]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[KubeEmulator, KubeClient]]:
    with KubeEmulator(LIVE, token=TOKEN) as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
        with KubeClient(ClusterSpec(kubeconfig=str(kubeconfig), context="ci")) as kube:
            yield emu, kube


def secret_lists(emu: KubeEmulator) -> list[tuple[str, str]]:
    return sorted(
        (r.path, r.query.get("labelSelector", ""))
        for r in emu.requests
        if r.path.endswith("/secrets")
    )


def test_requests_grow_with_namespaces_not_releases(
    client: tuple[KubeEmulator, KubeClient],
) -> None:
    emu, kube = client
    secrets, failed = read_records(kube, RELEASES)
    assert failed == {}
    names = sorted(s["metadata"]["name"] for s in secrets)
    assert names == sorted(f"sh.helm.release.v1.{name}.v2" for _, name in RELEASES)
    lists = secret_lists(emu)
    # 60 releases in `apps`: two batches of at most 50; `db`'s single release by `name=`.
    assert len(lists) == 3
    assert lists[-1] == (
        "/api/v1/namespaces/db/secrets",
        "owner=helm,name=postgres,status=deployed",
    )
    in_apps = [selector for path, selector in lists if "/apps/" in path]
    assert all(
        s.startswith("owner=helm,name in (") and s.endswith("),status=deployed") for s in in_apps
    )
    assert sum(s.count(",") - 1 for s in in_apps) == 60  # every release named once


def test_a_refused_namespace_fails_its_releases_only(
    client: tuple[KubeEmulator, KubeClient],
) -> None:
    emu, kube = client
    emu.inject(Fault(status=403, path_regex=r"/namespaces/db/secrets"))
    secrets, failed = read_records(kube, RELEASES)
    assert set(failed) == {("db", "postgres")}
    assert "403" in failed[("db", "postgres")]
    assert len(secrets) == 60


def test_a_release_name_that_no_label_can_hold_is_not_put_in_a_selector(
    client: tuple[KubeEmulator, KubeClient],
) -> None:
    emu, kube = client
    odd = ("apps", "x),owner notin (helm")  # a hand-edited annotation
    secrets, failed = read_records(kube, [odd, ("db", "postgres")])
    assert set(failed) == {odd}
    assert [s["metadata"]["name"] for s in secrets] == ["sh.helm.release.v1.postgres.v2"]
    assert all("notin" not in selector for _, selector in secret_lists(emu))
