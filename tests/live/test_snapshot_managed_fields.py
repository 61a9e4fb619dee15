"""Snapshots and managedFields: `kubectl get -o yaml` leaves them out unless asked
(`--show-managed-fields`, kubectl 1.21 and later), and with them what was added by hand and who
changed what. A snapshot taken as the README says keeps both; one without them says so.

examples/live/drifted-kubectl.yaml is the README's recipe run by the real kubectl against the
Kubernetes API emulator holding drifted.yaml's objects (see the comment at its top).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import EXAMPLES, run_cli
from support.kube_emulator import KubeEmulator

MANIFESTS = "examples/manifests"
KUBECTL_SNAPSHOT = EXAMPLES / "live" / "drifted-kubectl.yaml"
RECIPE = (
    ("get", "namespace", "shop", "-o", "yaml"),
    ("get", "deploy,svc,sa,cm,secret,pdb", "-n", "shop", "-o", "yaml"),
)
SHOW = "--show-managed-fields"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")

HAND_ADDED = (
    '[low] metadata.annotations["example.com/debug-owner"]: added outside Git: "alice"  '
    "(by kubectl-annotate (human) at 2026-11-20 10:11 UTC)"
)
NOTE = (
    "The live objects carry no managedFields, so fields added outside Git and who changed what "
    "cannot be shown (take snapshots with `kubectl get ... -o yaml --show-managed-fields`)."
)
COMPARED = [  # the live objects the example's manifests name, by group (core first) and kind
    "ConfigMap shop/web-config",
    "Namespace shop",
    "Secret shop/web-credentials",
    "Service shop/web",
    "ServiceAccount shop/web",
    "Deployment shop/web",
]


def documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def objects(docs: list[Any]) -> list[dict[str, Any]]:
    """The objects of kubectl's outputs: a List's items, or the one object."""
    return [item for doc in docs for item in (doc["items"] if doc["kind"] == "List" else [doc])]


def strip_managed_fields(docs: list[Any], kinds: tuple[str, ...] | None = None) -> list[Any]:
    for obj in objects(docs):
        if kinds is None or obj["kind"] in kinds:
            obj["metadata"].pop("managedFields", None)
    return docs


def write(path: Path, docs: list[Any]) -> str:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def kubectl_outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[bool, list[Any]]]:
    """The README's two commands, with and without --show-managed-fields, by the real kubectl
    against the emulator holding drifted.yaml's objects: {shown: [namespace, List]}."""
    assert KUBECTL is not None
    home = tmp_path_factory.mktemp("kubectl-home")
    loaded = objects(documents(EXAMPLES / "live" / "drifted.yaml"))
    # kubectl sends a bearer token only over TLS.
    with KubeEmulator(loaded, token="snapshot-token", tls=True) as emu:
        kubeconfig = emu.write_kubeconfig(home / "config", context="shop")
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env.update(HOME=str(home), KUBECONFIG=str(kubeconfig))
        outputs: dict[bool, list[Any]] = {}
        for shown in (True, False):
            outputs[shown] = []
            for command in RECIPE:
                args = [KUBECTL, *command, *([SHOW] if shown else [])]
                done = subprocess.run(
                    args, capture_output=True, text=True, env=env, timeout=60, check=False
                )
                assert done.returncode == 0, done.stderr
                outputs[shown].append(yaml.safe_load(done.stdout))
        yield outputs


# --- the snapshot taken as the README says ------------------------------------------------------


def test_a_kubectl_snapshot_with_managed_fields_shows_what_was_added_by_hand_and_who() -> None:
    """The Quick start's report, from the snapshot the README's recipe makes."""
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", str(KUBECTL_SNAPSHOT))

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Drift detected: 4 drifted, 1 missing, 2 in sync (7 resources)"
    assert lines[1] == ""  # no note: every live object carries managedFields
    assert "~ Service shop/web  [drifted: Git -> cluster]  examples/manifests/web.yaml:48" in lines
    assert f"    {HAND_ADDED}" in lines
    assert (
        '    [medium] data.LOG_LEVEL: "info" -> "debug"  '
        "(by kubectl-edit (human) at 2026-11-20 10:07 UTC)"
    ) in lines
    assert "managedFields" not in result.stdout + result.stderr
    in_json = run_cli(
        "--manifests", MANIFESTS, "--live-snapshot", str(KUBECTL_SNAPSHOT), "--format", "json"
    )
    ownership = json.loads(in_json.stdout)["managed_fields"]
    assert ownership == {"compared": 6, "without": [], "note": None}


def test_the_kubectl_snapshot_is_what_the_readme_recipe_writes() -> None:
    """Its shape is kubectl's: the Namespace alone, then `kind: List` of the rest."""
    namespace, listed = documents(KUBECTL_SNAPSHOT)
    assert (namespace["kind"], namespace["metadata"]["name"]) == ("Namespace", "shop")
    assert listed["apiVersion"] == "v1" and listed["kind"] == "List"
    assert listed["metadata"] == {"resourceVersion": ""}
    assert all(obj["metadata"]["managedFields"] for obj in [namespace, *listed["items"]])

    # The same objects as drifted.yaml, which the golden reports use (kubectl sorts by name).
    def by_name(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(found, key=lambda o: (o["kind"], o["metadata"]["name"]))

    drifted = documents(EXAMPLES / "live" / "drifted.yaml")
    assert by_name(objects([namespace, listed])) == by_name(objects(drifted))


@needs_kubectl
def test_the_real_kubectl_writes_the_example_snapshot(
    kubectl_outputs: dict[bool, list[Any]],
) -> None:
    assert kubectl_outputs[True] == documents(KUBECTL_SNAPSHOT)
    # Without --show-managed-fields, kubectl leaves them out: the case the note is for.
    assert kubectl_outputs[False] == strip_managed_fields(documents(KUBECTL_SNAPSHOT))


@needs_kubectl
def test_kubectl_get_without_show_managed_fields_gets_the_note(
    kubectl_outputs: dict[bool, list[Any]], tmp_path: Path
) -> None:
    snapshot = write(tmp_path / "live.yaml", kubectl_outputs[False])
    result = run_cli("--manifests", MANIFESTS, "--live-snapshot", snapshot)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[1] == f"Note: {NOTE}"
    assert "example.com/debug-owner" not in result.stdout


# --- a snapshot without managedFields -----------------------------------------------------------


def test_a_snapshot_without_managed_fields_says_so_in_every_format(tmp_path: Path) -> None:
    snapshot = write(tmp_path / "live.yaml", strip_managed_fields(documents(KUBECTL_SNAPSHOT)))

    def report(fmt: str, *more: str) -> str:
        result = run_cli(
            "--manifests", MANIFESTS, "--live-snapshot", snapshot, "--format", fmt, *more
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr == ""  # a note in the report, not a warning
        return result.stdout

    text = report("text")
    lines = text.splitlines()
    # Without managedFields the hand-added annotation cannot be found: the Service is in sync.
    assert lines[0] == "Drift detected: 3 drifted, 1 missing, 3 in sync (7 resources)"
    assert lines[1] == f"Note: {NOTE}"
    assert text.count("managedFields") == 1
    assert "debug-owner" not in text and "(by " not in text

    markdown = report("markdown")
    assert markdown.splitlines()[2] == f"> **Note:** {NOTE}"
    assert markdown.count("managedFields") == 1
    assert "without managedFields" not in markdown  # the list is for --explain

    document = json.loads(report("json"))
    ownership = document["managed_fields"]
    assert ownership["note"] == NOTE
    assert ownership["compared"] == 6
    listed = [
        f"{o['kind']} {o['namespace']}/{o['name']}"
        if o["namespace"]
        else f"{o['kind']} {o['name']}"
        for o in ownership["without"]
    ]
    assert listed == COMPARED
    assert ownership["without"][1] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "namespace": None,
        "name": "shop",
    }
    assert document["warnings"] == []
    assert report("json", "--explain") == report("json")  # JSON always lists them

    explained = report("text", "--explain").splitlines()
    start = explained.index("Live objects without managedFields:")
    assert explained[start + 1 :] == [f"    {name}" for name in COMPARED]
    explained_md = report("markdown", "--explain")
    assert "<summary>Live objects without managedFields</summary>" in explained_md
    for name in COMPARED:
        assert f"- `{name}`" in explained_md


def test_when_only_some_objects_lack_managed_fields_the_note_counts_them(tmp_path: Path) -> None:
    docs = strip_managed_fields(documents(KUBECTL_SNAPSHOT), ("Service", "ConfigMap"))
    snapshot = write(tmp_path / "live.yaml", docs)
    some = (
        "2 of 6 live objects carry no managedFields, so for them fields added outside Git and "
        "who changed what cannot be shown (take snapshots with "
        "`kubectl get ... -o yaml --show-managed-fields`)."
    )

    text = run_cli("--manifests", MANIFESTS, "--live-snapshot", snapshot)
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[1] == f"Note: {some} `--explain` lists them."
    assert sum("managedFields" in line for line in lines) == 1  # one line
    # The others keep their attribution.
    assert "(by kubectl-scale (human) via /scale at 2026-11-20 10:02 UTC)" in text.stdout

    explained = run_cli("--manifests", MANIFESTS, "--live-snapshot", snapshot, "--explain")
    lines = explained.stdout.splitlines()
    assert lines[1] == f"Note: {some}"
    start = lines.index("Live objects without managedFields:")
    assert lines[start + 1 :] == ["    ConfigMap shop/web-config", "    Service shop/web"]

    markdown = run_cli(
        "--manifests", MANIFESTS, "--live-snapshot", snapshot, "--format", "markdown"
    )
    assert markdown.stdout.splitlines()[2] == f"> **Note:** {some} `--explain` lists them."

    document = json.loads(
        run_cli("--manifests", MANIFESTS, "--live-snapshot", snapshot, "--format", "json").stdout
    )
    assert document["managed_fields"]["note"] == some
    assert [o["name"] for o in document["managed_fields"]["without"]] == ["web-config", "web"]


def test_terraform_s_own_view_gets_no_note() -> None:
    """Terraform records no managedFields: the advice to snapshot with them does not apply."""
    result = run_cli(
        "--terraform-plan", "examples/terraform/plan.json", "--live-from-terraform",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["managed_fields"] == {
        "compared": 0,
        "without": [],
        "note": None,
    }
