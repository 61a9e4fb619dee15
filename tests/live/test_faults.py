"""Faults on the Kubernetes side, end to end: the installed CLI (and the action's entry point)
against the Kubernetes API emulator, which injects slow answers, connections cut mid-body, 5xx
bursts, 429/503 with Retry-After, expiring continue tokens and one API group's discovery
failing. Every run ends with a report of everything that could be read, the rest `error` and
counted, and the exit status the README promises (2 when anything is `error`).

test_live_cluster.py has the single transient faults (one 429, 500, 503 or dropped connection),
one expired continue token, a hanging type, a forbidden type and the fatal connection problems;
these are the ones it does not have.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import EXAMPLES, run_action, run_cli
from support.kube_emulator import Fault, KubeEmulator

MANIFESTS = EXAMPLES / "manifests"
DRIFTED = EXAMPLES / "live" / "drifted.yaml"
# The bundled example against its drifted live state, when everything can be read.
ALL_READ = {
    "in_sync": 2,
    "drifted": 4,
    "missing": 1,
    "extra": 0,
    "errors": 0,
    # No base: no pull request's classes.
    "planned": 0,
    "conflicts": 0,
    "adopted": 0,
}


def live_objects() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(DRIFTED.read_text(encoding="utf-8")) if doc]


@pytest.fixture
def emulator() -> Iterator[KubeEmulator]:
    with KubeEmulator(live_objects()) as emu:
        yield emu


def drift_action(
    emu: KubeEmulator, tmp_path: Path, *args: str, manifests: Path = MANIFESTS
) -> subprocess.CompletedProcess[str]:
    """The CLI against the emulator, reading the example's namespace, with a JSON report."""
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig")
    return run_cli(
        "--manifests", str(manifests), "--namespace", "shop", "--kubeconfig", str(kubeconfig),
        "--format", "json", *args,
    )  # fmt: skip


def report_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("{"), (result.stdout, result.stderr)
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def errors(report: dict[str, Any]) -> dict[str, str]:
    """kind/name -> message of each resource that could not be compared."""
    return {
        f"{r['kind']}/{r['name']}": r.get("message", "")
        for r in report["resources"]
        if r["status"] == "error"
    }


def statuses_on(emu: KubeEmulator, fragment: str) -> list[int]:
    return [r.status for r in emu.requests if fragment in r.path]


# --- slow answers --------------------------------------------------------------------------------


def test_slow_answers_within_the_timeout_change_nothing(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    slow = emulator.inject(Fault(latency=0.2))
    result = drift_action(emulator, tmp_path, "--timeout", "5")

    assert result.returncode == 1, result.stderr
    assert report_of(result)["summary"] == ALL_READ
    assert slow.hits == len(emulator.requests) >= 8  # every request was slowed down


def test_a_type_slower_than_the_timeout_fails_alone(emulator: KubeEmulator, tmp_path: Path) -> None:
    emulator.inject(Fault(latency=4, path_regex="/secrets"))
    result = drift_action(emulator, tmp_path, "--timeout", "1")

    assert result.returncode == 2, result.stderr
    report = report_of(result)
    assert report["summary"] == {**ALL_READ, "drifted": 3, "errors": 1}
    (message,) = errors(report).values()
    assert "did not answer within 1s" in message
    assert errors(report).keys() == {"Secret/web-credentials"}


# --- connections cut mid-body --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/namespaces/shop/configmaps", "/apis/apps/v1"], ids=["list", "discovery"]
)
def test_a_connection_cut_mid_body_is_read_again(
    emulator: KubeEmulator, tmp_path: Path, path: str
) -> None:
    cut = emulator.inject(Fault(truncate=True, times=1, path_regex=f"^{path}(\\?|$)"))
    result = drift_action(emulator, tmp_path)

    assert result.returncode == 1, result.stderr
    assert report_of(result)["summary"] == ALL_READ
    assert cut.hits == 1
    assert [r.status for r in emulator.requests if r.path == path] == [0, 200]


def test_a_connection_cut_every_time_fails_that_type_alone(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(truncate=True, path_regex="/configmaps"))
    result = drift_action(emulator, tmp_path)

    assert result.returncode == 2, result.stderr
    report = report_of(result)
    assert report["summary"] == {**ALL_READ, "drifted": 3, "errors": 1}
    assert errors(report).keys() == {"ConfigMap/web-config"}
    assert "closed the connection" in errors(report)["ConfigMap/web-config"]
    assert statuses_on(emulator, "/configmaps") == [0] * 5  # the first try and four retries


# --- 5xx bursts ----------------------------------------------------------------------------------


def test_a_5xx_burst_within_the_retry_budget_is_ridden_out(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    for code in (500, 502, 503, 504):  # four failures in a row; the fifth attempt answers
        emulator.inject(Fault(status=code, times=1, path_regex="/secrets", retry_after=0))
    result = drift_action(emulator, tmp_path)

    assert result.returncode == 1, result.stderr
    assert report_of(result)["summary"] == ALL_READ
    assert statuses_on(emulator, "/secrets") == [500, 502, 503, 504, 200]


def test_a_5xx_burst_beyond_the_retry_budget_fails_that_type_alone(
    emulator: KubeEmulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(status=503, path_regex="/secrets", retry_after=0))
    result = drift_action(emulator, tmp_path)

    assert result.returncode == 2, result.stderr
    report = report_of(result)
    assert report["summary"] == {**ALL_READ, "drifted": 3, "errors": 1}
    assert errors(report) == {
        "Secret/web-credentials": "cannot list secrets in namespace shop: 503 ServiceUnavailable: "
        "the server is currently unable to handle the request"
    }
    assert statuses_on(emulator, "/secrets") == [503] * 5


def config_maps(names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": {"k": "v"},
        }
        for name, namespace in names.items()
    ]


def test_a_5xx_burst_in_one_namespace_fails_that_namespace_alone(tmp_path: Path) -> None:
    objects = config_maps({"a1": "a", "a2": "a", "b1": "b", "b2": "b", "c1": "c"})
    manifests = tmp_path / "desired.yaml"
    manifests.write_text(yaml.safe_dump_all(objects))
    with KubeEmulator(objects) as emu:
        emu.inject(Fault(status=403, path_regex=r"^/api/v1/configmaps"))  # per namespace, then
        emu.inject(Fault(status=503, path_regex="/namespaces/b/", retry_after=0))
        result = drift_action(emu, tmp_path, manifests=manifests)

    assert result.returncode == 2, result.stderr
    report = report_of(result)
    assert report["summary"] == {**ALL_READ, "drifted": 0, "missing": 0, "in_sync": 3, "errors": 2}
    assert errors(report).keys() == {"ConfigMap/b1", "ConfigMap/b2"}
    assert all("in namespace b: 503" in m for m in errors(report).values())


# --- 429 and 503 with Retry-After ----------------------------------------------------------------


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_is_waited_out(emulator: KubeEmulator, tmp_path: Path, code: int) -> None:
    emulator.inject(Fault(status=code, retry_after=1, times=1, path_regex="/configmaps"))
    result = drift_action(emulator, tmp_path)

    assert result.returncode == 1, result.stderr
    assert report_of(result)["summary"] == ALL_READ
    first, retry = [r for r in emulator.requests if "/configmaps" in r.path]
    assert (first.status, retry.status) == (code, 200)
    # The client's own backoff would have come back after 0.2s; Retry-After says 1s.
    assert retry.at - first.at >= 1.0


# --- a list whose continue token keeps expiring (410 Gone) ----------------------------------------


@pytest.mark.parametrize(("expiries", "code"), [(3, 0), (None, 2)], ids=["3-times", "always"])
def test_a_list_that_keeps_expiring(tmp_path: Path, expiries: int | None, code: int) -> None:
    """The list starts again up to three times; after that the type is `error`, alone."""
    objects = config_maps({f"cm-{i:02d}": "shop" for i in range(12)})
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"ports": [{"port": 80}]},
    }
    manifests = tmp_path / "desired.yaml"
    manifests.write_text(yaml.safe_dump_all([*objects, service]))
    with KubeEmulator([*objects, service], max_limit=5) as emu:  # pages of 5 whatever we ask
        emu.inject(Fault(status=410, path_regex=r"/configmaps\?.*continue=", times=expiries))
        result = drift_action(emu, tmp_path, manifests=manifests)

    assert result.returncode == code, result.stderr
    report = report_of(result)
    lists = [r for r in emu.requests if r.path.endswith("/configmaps")]
    starts = [r for r in lists if "continue" not in r.query]
    if expiries is not None:
        assert report["summary"]["in_sync"] == 13 and not errors(report)
        assert len(starts) == expiries + 1 and len(lists) == expiries * 2 + 3
    else:
        assert report["summary"]["in_sync"] == 1  # the Service
        assert report["summary"]["errors"] == 12
        assert all("410 Expired" in m for m in errors(report).values())
        assert len(starts) == 4 and [r.status for r in lists] == [200, 410] * 4


# --- discovery failing for one API group ---------------------------------------------------------

# The example's PodDisruptionBudget (policy/v1) is missing from the drifted cluster; when the
# policy group cannot be discovered it is `error` instead, and the other six are compared.
ONE_GROUP_DOWN = {**ALL_READ, "missing": 0, "errors": 1}


@pytest.mark.parametrize(
    ("fault", "timeout", "expected"),
    [
        (
            Fault(status=503, path_regex=r"^/apis/policy/v1$", retry_after=0),
            "30",
            "discovery of policy/v1 failed: 503 ServiceUnavailable",
        ),
        (
            Fault(status=500, path_regex=r"^/apis/policy/v1$"),
            "30",
            "discovery of policy/v1 failed: 500 InternalError",
        ),
        (
            Fault(hang=5, path_regex=r"^/apis/policy/v1$"),
            "1",
            "discovery of policy/v1 failed: the API server at http://127.0.0.1:",
        ),
    ],
    ids=["aggregated-api-unavailable-503", "500", "hangs"],
)
def test_discovery_failing_for_one_group_fails_its_kinds_alone(
    emulator: KubeEmulator, tmp_path: Path, fault: Fault, timeout: str, expected: str
) -> None:
    emulator.inject(fault)
    result = drift_action(emulator, tmp_path, "--timeout", timeout)

    assert result.returncode == 2, result.stderr
    report = report_of(result)
    assert report["summary"] == ONE_GROUP_DOWN
    assert errors(report).keys() == {"PodDisruptionBudget/web"}
    assert errors(report)["PodDisruptionBudget/web"].startswith(expected)
    if fault.hang:
        assert "did not answer within 1s" in errors(report)["PodDisruptionBudget/web"]


def test_a_group_missing_from_discovery_fails_its_kinds_alone(tmp_path: Path) -> None:
    served = ["ConfigMap", "Secret", "Namespace", "Deployment.apps", "Service", "ServiceAccount"]
    with KubeEmulator(live_objects(), served_kinds=served) as emu:
        result = drift_action(emu, tmp_path)

    assert result.returncode == 2, result.stderr
    report = report_of(result)
    assert report["summary"] == ONE_GROUP_DOWN
    assert errors(report) == {
        "PodDisruptionBudget/web": "API group policy is not served by the cluster: "
        "is the CRD installed?"
    }


def test_the_action_still_writes_everything_when_one_group_is_down(workspace: Path) -> None:
    with KubeEmulator(live_objects()) as emu:
        emu.inject(Fault(status=503, path_regex=r"^/apis/policy/v1$", retry_after=0))
        emu.write_kubeconfig(workspace / "kubeconfig.yaml")
        result = run_action(
            workspace,
            {
                "INPUT_MANIFESTS": "examples/manifests",
                "INPUT_NAMESPACE": "shop",
                "INPUT_KUBECONFIG": "kubeconfig.yaml",
                "GITHUB_OUTPUT": str(workspace / "output.txt"),
                "GITHUB_STEP_SUMMARY": str(workspace / "summary.md"),
            },
        )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    outputs = dict(
        line.split("=", 1) for line in (workspace / "output.txt").read_text().splitlines()
    )
    assert outputs["drift_detected"] == "true" and outputs["drifted_count"] == "4"
    summary = (workspace / "summary.md").read_text()
    assert "discovery of policy/v1 failed" in summary
    report = json.loads((workspace / "drift-report.json").read_text())
    assert report["summary"] == ONE_GROUP_DOWN


# --- server-side dry runs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "timeout", "warning"),
    [
        (
            Fault(status=503, method="PATCH", retry_after=0),
            "30",
            "server-side dry run failed (503 ServiceUnavailable); kept the client-side result",
        ),
        (
            Fault(hang=5, method="PATCH"),
            "1",
            "did not answer within 1s); kept the client-side result of 3 resources",
        ),
    ],
    ids=["5xx", "hangs"],
)
def test_failing_dry_runs_keep_the_client_side_report(
    emulator: KubeEmulator, tmp_path: Path, fault: Fault, timeout: str, warning: str
) -> None:
    emulator.inject(fault)
    result = drift_action(emulator, tmp_path, "--compare", "server-side", "--timeout", timeout)

    assert result.returncode == 1, result.stderr
    report = report_of(result)
    assert report["summary"] == ALL_READ
    assert any(warning in w for w in report["warnings"]), report["warnings"]
    if fault.hang:
        # The server stopped answering: one dry run timed out, the others were not asked for.
        assert fault.hits == 1
    else:
        failed = [w for w in report["warnings"] if warning in w]
        assert len(failed) == 3 and fault.hits == 3 * 5  # each dry run tried five times
