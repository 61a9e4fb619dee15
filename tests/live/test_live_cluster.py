"""Reading the live state from a cluster: the real `kubernetes` client over HTTP against the
Kubernetes API emulator in tests/support/kube_emulator (a real server on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import EXAMPLES, run_action, run_cli
from support.kube_emulator import Fault, KubeEmulator

from drift_action.core.model import Report, Status
from drift_action.core.selector import parse_selector
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.sources.manifests import ManifestsSpec

MANIFESTS = EXAMPLES / "manifests"
DRIFTED = EXAMPLES / "live" / "drifted.yaml"
TOKEN = "emulator-token-6f1c9d2e"


def live_objects(path: Path = DRIFTED) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.fixture
def emulator() -> Iterator[KubeEmulator]:
    with KubeEmulator(live_objects(), token=TOKEN) as emu:
        yield emu


def spec_for(emu: KubeEmulator, tmp_path: Path, **changes: Any) -> ClusterSpec:
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
    return ClusterSpec(kubeconfig=str(kubeconfig), context="ci", **changes)


def compare_with(
    spec: ClusterSpec, manifests: Path = MANIFESTS, namespace: str = "default", **options: Any
) -> Report:
    sources = (ManifestsSpec((str(manifests),), namespace),)
    return run(RunOptions(sources, cluster=spec, **options))


def statuses(report: Report) -> dict[str, Status]:
    return {str(r.key): r.status for r in report.resources}


def listed_paths(emu: KubeEmulator) -> list[str]:
    return [r.path for r in emu.requests if "limit" in r.query]


# --- the main job ------------------------------------------------------------------------------


def test_cluster_gives_the_same_verdicts_as_its_snapshot(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    from_cluster = compare_with(spec_for(emulator, tmp_path), namespace="shop")
    from_snapshot = run(
        RunOptions((ManifestsSpec((str(MANIFESTS),), "shop"),), live_snapshots=(str(DRIFTED),))
    )

    def verdicts(report: Report) -> dict[str, Any]:
        return {
            str(r.key): (r.status, sorted((c.path_text, c.type, str(c.live)) for c in r.changes))
            for r in report.resources
        }

    assert verdicts(from_cluster) == verdicts(from_snapshot)
    assert from_cluster.counts[Status.DRIFTED] == 4
    assert from_cluster.counts[Status.MISSING] == 1


def test_each_type_is_listed_once_and_no_object_is_fetched_alone(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    compare_with(spec_for(emulator, tmp_path), namespace="shop")

    requests = emulator.requests
    assert {r.method for r in requests} == {"GET"}
    lists = listed_paths(emulator)
    assert len(lists) == len(set(lists)) == 7  # the 7 kinds in examples/manifests
    discovery = [r.path for r in requests if "limit" not in r.query]
    assert all(p in ("/api/v1", "/apis") or p.count("/") == 3 for p in discovery), discovery
    assert len(requests) == len(lists) + len(discovery) <= 7 + 4


def test_cli_reads_the_cluster_by_kubeconfig_and_context(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    kubeconfig = emulator.write_kubeconfig(tmp_path / "config", context="staging")
    result = run_cli(
        "--manifests", str(MANIFESTS), "--namespace", "shop",
        "--kubeconfig", str(kubeconfig), "--context", "staging", "--format", "json",
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert (summary["drifted"], summary["missing"], summary["in_sync"]) == (4, 1, 2)


def test_kubeconfig_env_may_list_several_files(emulator: KubeEmulator, tmp_path: Path) -> None:
    real = emulator.write_kubeconfig(tmp_path / "real", context="ci")
    other = tmp_path / "other"
    other.write_text(
        yaml.safe_dump(
            {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
        )
    )
    result = run_cli(
        "--manifests", str(MANIFESTS), "--namespace", "shop", "--context", "ci",
        env={"KUBECONFIG": f"{other}:{real}"},
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert "Drift detected: 4 drifted, 1 missing" in result.stdout


# --- paging and retries -------------------------------------------------------------------------


def many_configmaps(count: int, namespaces: tuple[str, ...] = ("shop",)) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i:04d}", "namespace": namespaces[i % len(namespaces)]},
            "data": {"index": str(i)},
        }
        for i in range(count)
    ]


def write_manifests(tmp_path: Path, objects: list[dict[str, Any]]) -> Path:
    path = tmp_path / "manifests.yaml"
    path.write_text(yaml.safe_dump_all(objects))
    return path


def test_pages_are_followed_to_the_end(tmp_path: Path) -> None:
    objects = many_configmaps(23)
    with KubeEmulator(objects) as emu:
        report = compare_with(
            spec_for(emu, tmp_path, page_size=5), write_manifests(tmp_path, objects)
        )
        lists = listed_paths(emu)

    assert report.counts[Status.IN_SYNC] == 23
    assert len(lists) == 5  # ceil(23 / 5) pages of one list
    assert sum(1 for r in emu.requests if "continue" in r.query) == 4


def test_an_expired_continue_token_restarts_the_list(tmp_path: Path) -> None:
    objects = many_configmaps(12)
    with KubeEmulator(objects) as emu:
        emu.inject(Fault(status=410, path_regex=r"continue=", times=1))
        report = compare_with(
            spec_for(emu, tmp_path, page_size=5), write_manifests(tmp_path, objects)
        )

    assert report.counts[Status.IN_SYNC] == 12, statuses(report)
    assert [r.status for r in emu.requests if r.status == 410] == [410]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=429, retry_after=0, times=2, path_regex="configmaps"),
        Fault(status=500, times=1, path_regex="configmaps"),
        Fault(status=503, retry_after=0, times=1, path_regex="configmaps"),
        Fault(drop=True, times=1, path_regex="configmaps"),
    ],
    ids=["429", "500", "503", "dropped"],
)
def test_transient_faults_are_retried(tmp_path: Path, fault: Fault) -> None:
    objects = many_configmaps(3)
    with KubeEmulator(objects) as emu:
        emu.inject(fault)
        report = compare_with(spec_for(emu, tmp_path), write_manifests(tmp_path, objects))

    assert report.counts[Status.IN_SYNC] == 3, [r.message for r in report.resources]
    assert fault.hits == (fault.times or 0)


def test_several_namespaces_are_listed_cluster_wide_when_that_is_cheaper(tmp_path: Path) -> None:
    objects = many_configmaps(9, ("a", "b", "c"))
    with KubeEmulator(objects) as emu:
        report = compare_with(spec_for(emu, tmp_path), write_manifests(tmp_path, objects))
        lists = listed_paths(emu)

    assert report.counts[Status.IN_SYNC] == 9
    assert lists == ["/api/v1/configmaps"]


def test_per_namespace_lists_when_cluster_wide_is_forbidden(tmp_path: Path) -> None:
    objects = many_configmaps(9, ("a", "b", "c"))
    with KubeEmulator(objects) as emu:
        emu.inject(Fault(status=403, path_regex=r"^/api/v1/configmaps"))
        report = compare_with(spec_for(emu, tmp_path), write_manifests(tmp_path, objects))
        lists = listed_paths(emu)

    assert report.counts[Status.IN_SYNC] == 9
    assert sorted(lists[1:]) == [f"/api/v1/namespaces/{ns}/configmaps" for ns in "abc"]


def test_per_namespace_lists_when_the_cluster_holds_many_more(tmp_path: Path) -> None:
    ours = many_configmaps(2, ("a", "b"))
    others = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"x{i}", "namespace": "z"}}
        for i in range(40)
    ]
    with KubeEmulator(ours + others) as emu:
        report = compare_with(
            spec_for(emu, tmp_path, page_size=10), write_manifests(tmp_path, ours)
        )
        lists = listed_paths(emu)

    assert report.counts[Status.IN_SYNC] == 2
    assert lists == [
        "/api/v1/configmaps",
        "/api/v1/namespaces/a/configmaps",
        "/api/v1/namespaces/b/configmaps",
    ]


# --- one type failing never loses the others ----------------------------------------------------


def test_forbidden_type_is_an_error_on_its_resources_only(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(status=403, path_regex="/secrets"))
    report = compare_with(spec_for(emulator, tmp_path), namespace="shop")

    (secret,) = [r for r in report.resources if r.key.kind == "Secret"]
    assert secret.status is Status.ERROR
    assert "'list'" in secret.message
    assert "secrets" in secret.message
    assert report.counts[Status.ERROR] == 1
    assert report.counts[Status.DRIFTED] == 3  # the Secret's drift is unknown, the rest stands


def test_cli_exits_2_and_counts_errors_when_a_type_is_forbidden(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(status=403, path_regex="/secrets"))
    kubeconfig = emulator.write_kubeconfig(tmp_path / "config")
    result = run_cli(
        "--manifests", str(MANIFESTS), "--namespace", "shop", "--kubeconfig", str(kubeconfig),
        "--format", "json",
    )  # fmt: skip

    assert result.returncode == 2
    assert json.loads(result.stdout)["summary"]["errors"] == 1
    assert "Traceback" not in result.stderr


def test_a_kind_the_cluster_does_not_serve_is_reported_not_fatal(tmp_path: Path) -> None:
    desired = [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"endpoints": [{"port": "http"}]},
        },
        *many_configmaps(2),
    ]
    with KubeEmulator(many_configmaps(2)) as emu:
        report = compare_with(spec_for(emu, tmp_path), write_manifests(tmp_path, desired))

    monitor = next(r for r in report.resources if r.key.kind == "ServiceMonitor")
    assert monitor.status is Status.ERROR
    assert "not served" in monitor.message
    assert "CRD" in monitor.message
    assert report.counts[Status.IN_SYNC] == 2


def test_a_hanging_type_fails_alone(tmp_path: Path) -> None:
    objects = many_configmaps(2)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"ports": [{"port": 80}]},
    }
    with KubeEmulator([*objects, service]) as emu:
        emu.inject(Fault(hang=5, path_regex="/services"))
        report = compare_with(
            spec_for(emu, tmp_path, timeout=1.0), write_manifests(tmp_path, [*objects, service])
        )

    assert report.counts[Status.IN_SYNC] == 2
    (svc,) = [r for r in report.resources if r.key.kind == "Service"]
    assert svc.status is Status.ERROR
    assert "did not answer" in svc.message


# --- extras -------------------------------------------------------------------------------------


def test_extras_by_selector(emulator: KubeEmulator, tmp_path: Path) -> None:
    report = compare_with(
        spec_for(emulator, tmp_path),
        namespace="shop",
        selector=parse_selector("app.kubernetes.io/part-of=shop"),
    )

    extras = [str(r.key) for r in report.resources if r.status is Status.EXTRA]
    assert extras == ["Deployment shop/debug-shell"]


def test_extras_by_helm_release_annotations(tmp_path: Path) -> None:
    def helm(obj: dict[str, Any], release: str) -> dict[str, Any]:
        obj["metadata"]["annotations"] = {
            "meta.helm.sh/release-name": release,
            "meta.helm.sh/release-namespace": "shop",
        }
        return obj

    desired = many_configmaps(2)
    live = [helm(obj, "shop") for obj in many_configmaps(3)]  # cm-0002 left behind by Helm
    stranger = helm(many_configmaps(4)[3], "other-release")
    with KubeEmulator([*live, stranger]) as emu:
        report = compare_with(spec_for(emu, tmp_path), write_manifests(tmp_path, desired))

    assert {str(r.key) for r in report.resources if r.status is Status.EXTRA} == {
        "ConfigMap shop/cm-0002"
    }


# --- connection problems: one line, exit 2, within the timeout ----------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_one_line_error(result: Any, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unreachable_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli(
        "--manifests", str(MANIFESTS), "--server", url, env={"DRIFT_ACTION_TOKEN": TOKEN}
    )
    assert_one_line_error(result, "cannot reach the API server", url)
    assert TOKEN not in result.stderr + result.stdout


def test_rejected_token(emulator: KubeEmulator, tmp_path: Path) -> None:
    kubeconfig = emulator.write_kubeconfig(tmp_path / "config", token="expired-token-1234")
    result = run_cli("--manifests", str(MANIFESTS), "--kubeconfig", str(kubeconfig))
    assert_one_line_error(result, "401", "expired")
    assert "expired-token-1234" not in result.stderr


def test_unknown_context(emulator: KubeEmulator, tmp_path: Path) -> None:
    kubeconfig = emulator.write_kubeconfig(tmp_path / "config", context="ci")
    result = run_cli(
        "--manifests", str(MANIFESTS), "--kubeconfig", str(kubeconfig), "--context", "prod"
    )
    assert_one_line_error(result, "prod")


def test_kubeconfig_that_does_not_parse(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\nusers:\n- name: x\n  user: {token: s3cr3t-t0ken\n")
    result = run_cli("--manifests", str(MANIFESTS), "--kubeconfig", str(kubeconfig))
    assert_one_line_error(result, "kubeconfig", "not valid YAML")
    assert "s3cr3t-t0ken" not in result.stderr


def test_missing_kubeconfig(tmp_path: Path) -> None:
    result = run_cli("--manifests", str(MANIFESTS), "--kubeconfig", str(tmp_path / "nope"))
    assert_one_line_error(result, "no kubeconfig", "nope")


def test_server_that_hangs_fails_within_the_timeout(tmp_path: Path) -> None:
    with KubeEmulator([]) as emu:
        emu.inject(Fault(hang=30))
        kubeconfig = emu.write_kubeconfig(tmp_path / "config")
        started = time.monotonic()
        result = run_cli(
            "--manifests", str(MANIFESTS), "--kubeconfig", str(kubeconfig), "--timeout", "1"
        )
        elapsed = time.monotonic() - started
        emu.clear_faults()

    assert_one_line_error(result, "did not answer within 1s")
    assert elapsed < 15


def test_wrong_certificate_authority(tmp_path: Path) -> None:
    with KubeEmulator([], tls=True, token=TOKEN) as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "config", certificate_authority=False)
        result = run_cli("--manifests", str(MANIFESTS), "--kubeconfig", str(kubeconfig))
        url = emu.url

    assert_one_line_error(result, "TLS verification", url)


def test_server_token_and_certificate_authority(tmp_path: Path) -> None:
    with KubeEmulator(live_objects(), tls=True, token=TOKEN) as emu:
        assert emu.ca_file is not None
        result = run_cli(
            "--manifests", str(MANIFESTS), "--namespace", "shop", "--server", emu.url,
            "--certificate-authority", emu.ca_file,
            env={"DRIFT_ACTION_TOKEN": TOKEN},
        )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert "4 drifted, 1 missing" in result.stdout


# --- the action ----------------------------------------------------------------------------------


def test_action_reads_the_cluster_and_masks_the_token(workspace: Path) -> None:
    with KubeEmulator(live_objects(), tls=True, token=TOKEN) as emu:
        assert emu.ca_file is not None
        result = run_action(
            workspace,
            {
                "INPUT_MANIFESTS": "examples/manifests",
                "INPUT_NAMESPACE": "shop",
                "INPUT_SERVER": emu.url,
                "INPUT_TOKEN": TOKEN,
                "INPUT_CERTIFICATE_AUTHORITY": Path(emu.ca_file).read_text(encoding="utf-8"),
                "GITHUB_OUTPUT": str(workspace / "out.txt"),
            },
        )

    assert result.returncode == 1, result.stdout + result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == f"::add-mask::{TOKEN}"
    assert TOKEN not in "\n".join(rest) + result.stderr
    assert "drifted_count=5" in (workspace / "out.txt").read_text()  # no selector: no extra


def test_action_reads_a_kubeconfig_in_the_workspace(workspace: Path) -> None:
    with KubeEmulator(live_objects(), token=TOKEN) as emu:
        emu.write_kubeconfig(workspace / "kubeconfig.yaml", context="ci")
        result = run_action(
            workspace,
            {
                "INPUT_MANIFESTS": "examples/manifests",
                "INPUT_NAMESPACE": "shop",
                "INPUT_KUBECONFIG": "kubeconfig.yaml",
                "INPUT_CONTEXT": "ci",
                "INPUT_SELECTOR": "app.kubernetes.io/part-of=shop",
            },
        )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "4 drifted, 1 missing, 1 extra" in result.stdout


def test_discovery_asks_for_every_document_in_one_round(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    """The group versions Git names are asked for while /apis is still being answered: on a
    distant server a second round trip is most of discovery. /apis is held open for a second;
    a request sent only after its answer arrives at least that long after it."""
    emulator.inject(Fault(path_regex=r"^/apis$", latency=1.0, times=1))
    compare_with(spec_for(emulator, tmp_path), namespace="shop")
    arrived = {r.path: r.at for r in emulator.requests}
    for path in ("/api/v1", "/apis/apps/v1", "/apis/policy/v1"):
        assert arrived[path] - arrived["/apis"] < 0.5, path


def test_a_version_git_names_that_is_not_served_falls_back_to_the_preferred_one(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    """The guess for apps/v1beta1 is answered 404; the preferred apps/v1 is asked next."""
    manifests = tmp_path / "deploy"
    manifests.mkdir()
    text = (MANIFESTS / "web.yaml").read_text(encoding="utf-8")
    (manifests / "web.yaml").write_text(text.replace("apps/v1", "apps/v1beta1", 1))
    report = compare_with(spec_for(emulator, tmp_path), manifests, namespace="shop")
    paths = [r.path for r in emulator.requests]
    assert "/apis/apps/v1beta1" in paths and "/apis/apps/v1" in paths
    deployment = next(r for r in report.resources if r.key.kind == "Deployment")
    assert deployment.status is not Status.ERROR


def test_discovery_guesses_are_bounded_whatever_git_names(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    """A change adding many made-up API groups must not make the tool flood the API server."""
    manifests = tmp_path / "deploy"
    manifests.mkdir()
    docs = [
        f"apiVersion: g{i}.example.com/v1\nkind: Thing\nmetadata:\n  name: t{i}\n"
        for i in range(200)
    ]
    (manifests / "things.yaml").write_text("---\n".join(docs))
    report = compare_with(spec_for(emulator, tmp_path), manifests, namespace="shop")
    assert len(emulator.requests) <= 40
    assert {r.status for r in report.resources} == {Status.ERROR}
    assert "is the CRD installed?" in report.resources[0].message
