"""Least privilege, shown with the emulators' request logs: a read-only run sends only GETs to
the Kubernetes API (discovery documents and paged LISTs: no watch, no write), `--compare
server-side` adds only server-side apply dry runs (PATCH with dryRun=All, field manager
drift-action) of the desired objects found live, and GitHub hears nothing unless publishing is
on, and then only on the endpoints of the permission each feature documents."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import EXAMPLES, ROOT, run_action, run_cli
from support.github_emulator import GitHubEmulator
from support.github_run import DRIFTED as DRIFTED_SNAPSHOT
from support.github_run import HEAD, IN_SYNC, Runner, pr_event
from support.kube_emulator import KubeEmulator, RequestRecord

MANIFESTS = EXAMPLES / "manifests"
DRIFTED = EXAMPLES / "live" / "drifted.yaml"
SELECTOR = "app.kubernetes.io/part-of=shop"
# What deploy/rbac.yaml grants drift-action (get, list), as HTTP requests: discovery
# documents, and collections listed in pages.
DISCOVERY = re.compile(r"^/(api|apis|api/v1|apis/[^/]+/[^/]+)$")
COLLECTION = re.compile(r"^/(api/v1|apis/[^/]+/[^/]+)(/namespaces/[^/]+)?/[^/]+$")
DRY_RUN = {"dryRun": "All", "fieldManager": "drift-action", "force": "true"}


def live_objects() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(DRIFTED.read_text(encoding="utf-8")) if doc]


def stored(emu: KubeEmulator) -> list[dict[str, Any]]:
    """Every object the emulator holds, to compare before and after a run."""
    kinds = [
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "Service"),
        ("", "ServiceAccount"),
        ("", "Namespace"),
        ("apps", "Deployment"),
        ("policy", "PodDisruptionBudget"),
    ]
    return [obj for group, kind in kinds for obj in emu.objects(group, kind)]


@pytest.fixture
def emulator() -> Iterator[KubeEmulator]:
    with KubeEmulator(live_objects()) as emu:
        yield emu


def drift_action(emu: KubeEmulator, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    kubeconfig = emu.write_kubeconfig(tmp_path / "kubeconfig")
    return run_cli(
        "--manifests", str(MANIFESTS), "--namespace", "shop", "--kubeconfig", str(kubeconfig),
        "--format", "json", *args,
    )  # fmt: skip


def assert_only_reads(requests: list[RequestRecord]) -> None:
    """GETs of discovery documents and of collections (paged lists), and no watch."""
    assert requests
    for request in requests:
        assert request.method == "GET", request
        assert request.query.get("watch") not in ("1", "true"), request
        assert "watch" not in request.path.split("/"), request
        if "limit" in request.query:
            assert COLLECTION.match(request.path), request
        else:
            assert DISCOVERY.match(request.path), request
    assert any("limit" in r.query for r in requests)


def reader_rules() -> list[dict[str, Any]]:
    """The rules of the read-only ClusterRole that deploy/rbac.yaml gives drift-action."""
    documents = yaml.safe_load_all((ROOT / "deploy" / "rbac.yaml").read_text(encoding="utf-8"))
    (role,) = [
        d
        for d in documents
        if d and d["kind"] == "ClusterRole" and d["metadata"]["name"] == "drift-action-reader"
    ]
    rules: list[dict[str, Any]] = role["rules"]
    return rules


def rbac_request(request: RequestRecord) -> tuple[str, str, str]:
    """The (verb, API group, resource) that RBAC authorizes a resource request as."""
    parts = request.path.strip("/").split("/")
    group, rest = ("", parts[2:]) if parts[0] == "api" else (parts[1], parts[3:])
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]
    named = len(rest) > 1
    verb = {"GET": "get" if named else "list", "PATCH": "patch"}.get(request.method, "?")
    if request.query.get("watch") in ("1", "true"):
        verb = "watch"
    return verb, group, rest[0]


def granted(rules: list[dict[str, Any]], verb: str, group: str, resource: str) -> bool:
    return any(
        verb in rule["verbs"]
        and group in rule["apiGroups"]
        and (resource in rule["resources"] or "*" in rule["resources"])
        for rule in rules
    )


def object_path(obj: dict[str, Any]) -> str:
    """Where the API serves a desired object of the example (their plurals add an s)."""
    group_version, kind, meta = obj["apiVersion"], obj["kind"], obj["metadata"]
    base = f"/apis/{group_version}" if "/" in group_version else f"/api/{group_version}"
    where = f"/namespaces/{meta['namespace']}" if "namespace" in meta else ""
    return f"{base}{where}/{kind.lower()}s/{meta['name']}"


def desired_paths() -> set[str]:
    return {
        object_path(doc)
        for path in sorted(MANIFESTS.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    }


# -- the Kubernetes API ------------------------------------------------------------------------


@pytest.mark.parametrize("selector", [(), ("--selector", SELECTOR)], ids=["plain", "selector"])
def test_a_read_only_run_only_gets_and_lists(
    emulator: KubeEmulator, tmp_path: Path, selector: tuple[str, ...]
) -> None:
    before = stored(emulator)
    result = drift_action(emulator, tmp_path, *selector)

    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert (summary["drifted"], summary["extra"]) == (4, 1 if selector else 0)
    assert_only_reads(emulator.requests)
    assert stored(emulator) == before
    # deploy/rbac.yaml's reader role is enough (discovery is open to every authenticated user).
    rules = reader_rules()
    for request in emulator.requests:
        if not DISCOVERY.match(request.path):
            assert granted(rules, *rbac_request(request)), (request, rbac_request(request))


@pytest.mark.parametrize("mode", ["server-side", "server-side-all"])
@pytest.mark.parametrize("selector", [(), ("--selector", SELECTOR)], ids=["plain", "selector"])
def test_server_side_adds_only_dry_runs_of_desired_objects(
    emulator: KubeEmulator, tmp_path: Path, mode: str, selector: tuple[str, ...]
) -> None:
    before = stored(emulator)
    result = drift_action(emulator, tmp_path, "--compare", mode, *selector)

    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["extra"] == (1 if selector else 0)
    patches = [r for r in emulator.requests if r.method == "PATCH"]
    assert_only_reads([r for r in emulator.requests if r.method != "PATCH"])
    assert patches
    for patch in patches:
        assert patch.query == DRY_RUN, patch  # never a write without dryRun=All
    dry_run = {p.path for p in patches}
    # Only objects that Git declares and the cluster has: never an extra, never a missing one.
    found_live = desired_paths() - {"/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web"}
    assert dry_run <= found_live
    if mode == "server-side-all":
        assert dry_run == found_live and len(patches) == len(found_live)
    assert not any("debug-shell" in p for p in dry_run)  # the extra
    assert stored(emulator) == before


def test_the_action_reading_a_cluster_only_reads_and_without_a_token_sends_github_nothing(
    workspace: Path,
) -> None:
    with KubeEmulator(live_objects()) as kube, GitHubEmulator() as gh:
        number = gh.add_pull_request(HEAD)
        event = workspace.parent / "event.json"
        event.write_text(json.dumps(pr_event(number)))
        kube.write_kubeconfig(workspace / "kubeconfig.yaml")
        result = run_action(
            workspace,
            {
                "INPUT_MANIFESTS": "examples/manifests",
                "INPUT_NAMESPACE": "shop",
                "INPUT_KUBECONFIG": "kubeconfig.yaml",
                "INPUT_SELECTOR": SELECTOR,
                "INPUT_GITHUB_TOKEN": "",
                "INPUT_COMMENT_MODE": "always",
                "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_REPOSITORY": gh.repository,
                "GITHUB_API_URL": gh.base_url,
            },
        )
        kube_requests, github_requests = kube.requests, gh.requests

    assert result.returncode == 1, result.stdout + result.stderr
    assert "4 drifted, 1 missing, 1 extra" in result.stdout
    assert_only_reads(kube_requests)
    assert github_requests == []


# -- GitHub ------------------------------------------------------------------------------------


def test_with_every_publication_off_github_hears_nothing(act: Runner, gh: GitHubEmulator) -> None:
    number = gh.add_pull_request(HEAD)
    result = act(
        "pull_request", pr_event(number), comment_mode="off", check_run="false", issue_mode="false"
    )
    assert result.returncode == 1, result.stdout
    assert gh.requests == []


# The README's permissions table, as the endpoints each feature may call.
ENDPOINTS = {
    "pull-requests: write": r"^/repos/octo-org/shop/issues/(1/comments|comments/\d+)$",
    "checks: write": r"^/repos/octo-org/shop/check-runs(/\d+)?$",
    "issues: write": r"^/repos/octo-org/shop/issues(/\d+(/comments)?)?$",
}


@pytest.mark.parametrize(
    ("event", "inputs", "lives", "permission", "methods"),
    [
        (
            "pull_request",
            {},
            [DRIFTED_SNAPSHOT] * 2,
            "pull-requests: write",
            {"GET", "POST", "PATCH"},
        ),
        ("push", {"check_run": "true"}, [DRIFTED_SNAPSHOT], "checks: write", {"POST"}),
        (
            "schedule",
            {},
            [DRIFTED_SNAPSHOT] * 2 + [IN_SYNC],
            "issues: write",
            {"GET", "POST", "PATCH"},
        ),
    ],
    ids=["comment", "check-run", "issue"],
)
def test_each_feature_calls_only_the_endpoints_of_its_permission(
    act: Runner,
    gh: GitHubEmulator,
    event: str,
    inputs: dict[str, str],
    lives: list[str],
    permission: str,
    methods: set[str],
) -> None:
    """Created, then edited (and for the issue, closed with a comment)."""
    assert gh.add_pull_request(HEAD) == 1
    payload: dict[str, object] = pr_event(1) if event == "pull_request" else {}
    for live in lives:
        result = act(event, payload, live=live, **inputs)
        assert result.returncode == (0 if live == IN_SYNC else 1), result.stdout

    for request in gh.requests:
        assert re.match(ENDPOINTS[permission], request.path), request
    assert {r.method for r in gh.requests} == methods
