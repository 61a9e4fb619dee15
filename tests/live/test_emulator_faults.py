"""The emulators' fault options that test_faults.py and test_github_faults.py use, checked with a
plain HTTP client: a connection cut mid-body (the headers promise the whole body, half of it
comes, then the connection closes), latency that stacks with another fault, and the request
log's arrival times."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

import pytest
from support.github_emulator import Fault as GitHubFault
from support.github_emulator import GitHubEmulator
from support.kube_emulator import Fault, KubeEmulator

CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "web", "namespace": "shop"},
    "data": {"greeting": "hello " * 50},
}


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# -- the Kubernetes API emulator ---------------------------------------------------------------


def test_kube_truncate_cuts_the_body_and_closes_the_connection() -> None:
    with KubeEmulator([CONFIGMAP]) as emu:
        emu.inject(Fault(truncate=True, times=1, path_regex="/configmaps"))
        with pytest.raises(http.client.IncompleteRead) as cut:
            get(emu.port, "/api/v1/namespaces/shop/configmaps")
        status, _, body = get(emu.port, "/api/v1/namespaces/shop/configmaps")

    whole = len(body)
    assert status == 200 and json.loads(body)["items"][0]["metadata"]["name"] == "web"
    assert len(cut.value.partial) == whole // 2 and cut.value.expected == whole - whole // 2
    assert [r.status for r in emu.requests] == [0, 200]  # 0: the connection was cut


def test_kube_truncate_with_a_status_cuts_the_error_body() -> None:
    with KubeEmulator([CONFIGMAP]) as emu:
        emu.inject(Fault(status=503, truncate=True, times=1))
        connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
        connection.request("GET", "/api/v1/namespaces/shop/configmaps")
        response = connection.getresponse()
        assert response.status == 503
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        connection.close()


def test_kube_fault_options_are_checked() -> None:
    with pytest.raises(ValueError, match="drop excludes"):
        Fault(drop=True, truncate=True)
    with pytest.raises(ValueError, match="needs an action"):
        Fault(times=1)
    assert not Fault(truncate=True).delay_only and Fault(latency=1).delay_only


def test_kube_requests_are_logged_with_their_arrival_time() -> None:
    with KubeEmulator([CONFIGMAP]) as emu:
        emu.inject(Fault(latency=0.3, times=1))
        started = time.monotonic()
        get(emu.port, "/api/v1")
        answered = time.monotonic()
        get(emu.port, "/api/v1")

    first, second = emu.requests
    assert started <= first.at < started + 0.3  # logged when it arrived, not when answered
    assert answered <= second.at


# -- the GitHub API emulator -------------------------------------------------------------------


def github_get(gh: GitHubEmulator, path: str) -> tuple[int, dict[str, str], bytes]:
    return get(gh.port, path, Authorization=f"token {gh.token}")


def test_github_truncate_cuts_the_answer_after_the_request_took_effect() -> None:
    with GitHubEmulator() as gh:
        number = gh.add_pull_request("0" * 40)
        gh.inject(GitHubFault(truncate=True, method="POST", times=1))
        connection = http.client.HTTPConnection("127.0.0.1", gh.port, timeout=5)
        connection.request(
            "POST",
            f"/repos/{gh.repository}/issues/{number}/comments",
            body=json.dumps({"body": "hello"}),
            headers={"Authorization": f"token {gh.token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 201
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        connection.close()
        assert [c.body for c in gh.comments(number)] == ["hello"]
        assert [r.status for r in gh.requests] == [0]


def test_github_latency_stacks_with_an_error_and_times_are_logged() -> None:
    with GitHubEmulator() as gh:
        slow = gh.inject(GitHubFault(latency=0.3))
        gh.inject(GitHubFault(503, path_regex="/issues", times=1))
        started = time.monotonic()
        status, _, body = github_get(gh, f"/repos/{gh.repository}/issues")
        elapsed = time.monotonic() - started
        assert (status, json.loads(body)["message"]) == (503, "Service Unavailable")
        assert github_get(gh, f"/repos/{gh.repository}/issues")[0] == 200

    assert elapsed >= 0.3 and slow.hits == 2
    first, second = gh.requests
    assert started <= first.at < second.at


@pytest.mark.parametrize("options", [{}, {"times": 1}, {"retry_after": 1}])
def test_github_fault_needs_an_action(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="needs an action"):
        GitHubFault(**options)
