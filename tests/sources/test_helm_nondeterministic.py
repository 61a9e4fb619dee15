"""Charts that render differently every time (issue 17): bitnami nginx's generated TLS Secret,
memcached's random password. Rendered twice, the fields that differ are compared for presence
only (rule `nondeterministic-render`); a chart without such functions renders once."""

from __future__ import annotations

import base64
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA, run_cli

from drift_action.compare.marks import NONDETERMINISTIC, resolve
from drift_action.core.model import (
    Change,
    ChangeType,
    KubeObject,
    Marks,
    ResourceKey,
    SourceLocation,
)
from drift_action.sources import HelmSpec, render
from drift_action.sources.helm import render as helm_render
from drift_action.sources.helm.nondet import calls_nondeterministic

BITNAMI = DATA / "charts" / "bitnami__charts" / "bitnami"
HELLO = DATA / "charts" / "helm__examples" / "charts" / "hello-world"
TLS = "release-name-nginx-tls"


def vendored(root: Path, name: str) -> Path:
    """A bitnami chart with its library chart in charts/, as `helm dependency build` leaves it."""
    chart = root / name
    shutil.copytree(BITNAMI / name, chart)
    shutil.copytree(BITNAMI / "common", chart / "charts" / "common")
    return chart


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vendored(tmp_path_factory.mktemp("charts"), "nginx")


def live_of(spec: HelmSpec) -> list[dict[str, Any]]:
    """A first run's render as the API server returns it: namespaced, with server fields."""
    objects = [d.data for d in render(spec).documents if isinstance(d.data, dict)]
    live: list[dict[str, Any]] = json.loads(json.dumps(objects))
    for i, obj in enumerate(live):
        obj["metadata"].setdefault("namespace", spec.namespace)
        obj["metadata"].update({"uid": f"uid-{i}", "resourceVersion": str(100 + i)})
    return live


def snapshot(folder: Path, objects: list[dict[str, Any]]) -> Path:
    path = folder / "live.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": objects}))
    return path


def secret_values(live: list[dict[str, Any]], name: str) -> list[str]:
    """The Secret's values, encoded and decoded: none may appear in any output."""
    (secret,) = [o for o in live if o["kind"] == "Secret" and o["metadata"]["name"] == name]
    encoded = list(secret["data"].values())
    decoded = [base64.b64decode(v).decode() for v in encoded]
    return [*encoded, *(text.splitlines()[1] for text in decoded)]  # a line of each PEM body


def nginx_run(chart: Path, live: Path, *extra: str) -> Any:
    return run_cli(
        "--helm-chart", str(chart), "--namespace", "web", "--live-snapshot", str(live), *extra
    )  # fmt: skip


# --- the second run of a chart with a generated TLS Secret ---------------------------------------


def test_bitnami_nginx_generated_tls_secret_is_in_sync_on_a_second_run(
    nginx: Path, tmp_path: Path
) -> None:
    live = live_of(HelmSpec(str(nginx), namespace="web"))
    path = snapshot(tmp_path, live)

    result = nginx_run(nginx, path, "--format", "json", "--explain")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    (secret,) = [r for r in report["resources"] if r["name"] == TLS]
    assert secret["status"] == "in_sync"
    notes = {(n["rule"], n["path"]) for n in secret["normalized"]}
    assert {
        (NONDETERMINISTIC, f'data["{key}"]') for key in ("tls.crt", "tls.key", "ca.crt")
    } <= notes
    text = nginx_run(nginx, path, "--explain")
    assert text.returncode == 0 and NONDETERMINISTIC in text.stdout, text.stdout
    for output in (result.stdout, result.stderr, text.stdout, text.stderr):
        assert not any(value in output for value in secret_values(live, TLS))


def test_a_generated_key_deleted_live_is_still_drift(nginx: Path, tmp_path: Path) -> None:
    live = live_of(HelmSpec(str(nginx), namespace="web"))
    secret = next(o for o in live if o["metadata"]["name"] == TLS)
    del secret["data"]["ca.crt"]
    secret["metadata"]["labels"]["app.kubernetes.io/name"] = "changed"  # compared as ever

    result = nginx_run(nginx, snapshot(tmp_path, live), "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    (drifted,) = [r for r in json.loads(result.stdout)["resources"] if r["status"] == "drifted"]
    assert drifted["name"] == TLS
    changes = {(c["path"], c["type"]) for c in drifted["changes"]}
    assert ('data["ca.crt"]', "missing") in changes
    assert ('metadata.labels["app.kubernetes.io/name"]', "changed") in changes
    assert not any(c["path"] in ('data["tls.crt"]', 'data["tls.key"]') for c in drifted["changes"])
    assert not any(value in result.stdout for value in secret_values(live, TLS))


def test_a_random_password_is_marked_and_the_rest_is_not(tmp_path: Path) -> None:
    chart = vendored(tmp_path, "memcached")
    auth = ("auth.enabled=true", "auth.username=admin")
    spec = HelmSpec(
        str(chart), set=(*auth, "containerSecurityContext.readOnlyRootFilesystem=false")
    )
    marked = {
        (d.data["kind"], d.data["metadata"]["name"]): d.marks.varying
        for d in render(spec).documents
        if d.marks is not None
    }
    # The Deployment's checksum of that Secret varies with it.
    checksum = ("spec", "template", "metadata", "annotations", "checksum/secrets")
    assert marked == {
        ("Secret", "release-name-memcached"): frozenset({("data", "memcached-password")}),
        ("Deployment", "release-name-memcached"): frozenset({checksum}),
    }


# --- the second render only where a template asks for it ------------------------------------------


@pytest.fixture
def repeats(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each render through the bundled engine asked for the repeated render."""
    asked: list[bool] = []
    original = helm_render.worker.request

    def request(spec: HelmSpec, variants: Any = (), *, repeat: bool = False) -> str:
        asked.append(repeat)
        return original(spec, variants, repeat=repeat)

    monkeypatch.setattr(helm_render.worker, "request", request)
    return asked


def test_a_chart_without_such_functions_renders_once(repeats: list[bool]) -> None:
    documents = render(HelmSpec(str(HELLO))).documents
    assert repeats == [False]
    assert all(d.marks is None for d in documents)


def test_a_chart_with_them_renders_twice_in_one_process(nginx: Path, repeats: list[bool]) -> None:
    render(HelmSpec(str(nginx)))
    assert repeats == [True]


def test_the_helm_binary_runs_twice_only_for_such_charts(
    nginx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`helm template` cannot render twice in one run: it is run again, only when needed."""
    texts = {
        str(HELLO): "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "metadata:\n  name: a\ndata:\n  k: v\n"
    }
    runs: list[str] = []

    def fake_helm(spec: HelmSpec, helm: str) -> str:
        runs.append(spec.chart)
        token = f"t{len(runs)}"
        return texts.get(spec.chart) or (
            "---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\n"
            f"metadata:\n  name: s\ndata:\n  token: {token}\n  fixed: x\n"
        )

    monkeypatch.setattr(helm_render, "_run_helm", fake_helm)
    assert render(HelmSpec(str(HELLO), helm_binary="helm")).documents[0].marks is None
    assert runs == [str(HELLO)]
    (secret,) = render(HelmSpec(str(nginx), helm_binary="helm")).documents
    assert runs[1:] == [str(nginx)] * 2
    assert secret.marks is not None and secret.marks.varying == {("data", "token")}


@pytest.mark.parametrize(
    ("template", "calls"),
    [
        ("value: {{ randAlphaNum 10 | quote }}", True),
        ('{{- $ca := genCA "x" 365 }}', True),
        ("id: {{ uuidv4 }}", True),
        ('at: {{ now | date "2006" }}', True),
        ('{{- $s := (lookup "v1" "Secret" "ns" "n") }}', True),
        ("{{- /* rendered now, not on lookup */}}\nkey: value", False),
        ("# Generates nothing now\nkey: {{ .Values.now }}", False),
        ("key: {{ $now }}", False),
    ],
)
def test_which_templates_call_them(tmp_path: Path, template: str, calls: bool) -> None:
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.yaml").write_text(template)
    assert calls_nondeterministic(str(tmp_path)) is calls


def test_packaged_charts_and_subcharts_are_scanned(tmp_path: Path, nginx: Path) -> None:
    archive = tmp_path / "nginx.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(nginx, arcname="nginx")
    assert calls_nondeterministic(str(archive))
    assert not calls_nondeterministic(str(HELLO))
    parent = tmp_path / "parent"
    shutil.copytree(HELLO, parent)
    (parent / "charts").mkdir(exist_ok=True)
    shutil.copy(archive, parent / "charts" / "nginx.tgz")
    assert calls_nondeterministic(str(parent))  # a helper of a packaged subchart counts
    assert calls_nondeterministic("bitnami/nginx")  # a repository reference: not readable here


# --- the comparison: presence, not value -------------------------------------------------------


def test_marks_set_aside_a_changed_value_but_not_a_missing_or_added_key() -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "data": {"tls.crt": "a", "shape": {"x": "1"}}}
    obj = KubeObject(
        ResourceKey("", "Secret", "web", "s"),
        "v1",
        body,
        SourceLocation("c/templates/s.yaml", None),
        Marks(varying=frozenset({("data", "tls.crt"), ("data", "shape")})),
    )
    changes = [
        Change(("data", "tls.crt"), ChangeType.CHANGED, "a", "b"),
        Change(("data", "shape", "x"), ChangeType.MISSING, "1", None),  # its shape varies
        Change(("data", "shape", "y"), ChangeType.ADDED, None, "2"),
    ]
    kept, notes = resolve(obj).screen(changes, lambda c: c)
    assert kept == []
    assert [(n.rule, n.path) for n in notes] == [
        (NONDETERMINISTIC, 'data["tls.crt"]'),
        (NONDETERMINISTIC, "data.shape"),
    ]
    present = [
        Change(("data", "tls.crt"), ChangeType.MISSING, "a", None),
        Change(("data", "shape"), ChangeType.ADDED, None, {"x": "1"}),
    ]
    kept, notes = resolve(obj).screen(present, lambda c: c)
    assert kept == present and notes == []


def test_a_link_loop_in_a_chart_does_not_hang_the_scan(tmp_path: Path) -> None:
    shutil.copytree(HELLO, tmp_path / "c")
    (tmp_path / "c" / "templates" / "loop").symlink_to(tmp_path / "c", target_is_directory=True)
    assert not calls_nondeterministic(str(tmp_path / "c"))


def test_a_second_run_against_a_cluster(nginx: Path, tmp_path: Path) -> None:
    """The first run's render installed in the Kubernetes emulator, read as a cluster."""
    from support.kube_emulator import KubeEmulator

    live = live_of(HelmSpec(str(nginx), namespace="web"))
    args = ("--helm-chart", str(nginx), "--namespace", "web", "--format", "json")
    with KubeEmulator(live) as emu:
        kubeconfig = str(emu.write_kubeconfig(tmp_path / "kubeconfig"))
        in_sync = run_cli(*args, "--kubeconfig", kubeconfig)
        secret = next(o for o in emu.objects("", "Secret") if o["metadata"]["name"] == TLS)
        emu.add({**secret, "data": {k: v for k, v in secret["data"].items() if k != "tls.key"}})
        drifted = run_cli(*args, "--kubeconfig", kubeconfig)

    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr
    assert json.loads(in_sync.stdout)["summary"]["drifted"] == 0
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    (result,) = [r for r in json.loads(drifted.stdout)["resources"] if r["status"] == "drifted"]
    assert [(c["path"], c["type"]) for c in result["changes"]] == [('data["tls.key"]', "missing")]
    for output in (in_sync.stdout, drifted.stdout):
        assert not any(value in output for value in secret_values(live, TLS))
