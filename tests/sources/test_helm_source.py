"""The Helm source, proven on Helm's own `helm template` goldens and on real charts.

Everything renders with the real engine: the Helm Go SDK bundled by helm-python-sdk (and a real
`helm` binary when one is on PATH). Test data is copied from public repositories, see
tests/data/charts/README.md.
"""

from __future__ import annotations

import re
import shutil
import tarfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.charts import (
    BITNAMI,
    CHARTS,
    HELLO_WORLD,
    PROMETHEUS_CHARTS,
    vendor_charts,
)

from drift_action.core.errors import DriftActionError, InputError, UsageError
from drift_action.core.model import Document
from drift_action.core.tools import run_tool
from drift_action.sources import HelmSpec, render, renderer
from drift_action.sources.helm.chart import (
    is_crd_file,
    is_hook,
    manifest_documents,
    split_template_output,
)
from drift_action.sources.helm.render import HelmRenderer, template_command
from drift_action.sources.helm.spec import merge_values

DATA = CHARTS
HELM_TESTDATA = DATA / "helm__helm" / "pkg" / "cmd" / "testdata"
TESTCHARTS = HELM_TESTDATA / "testcharts"

# Which `helm template` flags produced which golden: helm/helm pkg/cmd/template_test.go.
SUBCHART = str(TESTCHARTS / "subchart")
GOLDENS: dict[str, tuple[str, dict[str, Any]]] = {
    "template": (SUBCHART, {}),
    "template-set": (SUBCHART, {"set": ("service.name=apache",)}),
    "template-values-files": (
        SUBCHART,
        {"values": (str(TESTCHARTS / "subchart/charts/subchartA/values.yaml"),)},
    ),
    "template-chart-with-template-lib-dep": (str(TESTCHARTS / "chart-with-template-lib-dep"), {}),
    "template-with-kube-version": (SUBCHART, {"kube_version": "1.16.0"}),
    "template-with-api-version": (
        SUBCHART,
        {"api_versions": ("helm.k8s.io/test", "helm.k8s.io/test2")},
    ),
    "template-with-crds": (SUBCHART, {}),  # --include-crds
    "object-order": (str(TESTCHARTS / "object-order"), {}),
    "issue-9027": (str(TESTCHARTS / "issue-9027"), {}),
    "template-subchart-cm": (
        SUBCHART,
        {"set": ("configmap.enabled=true", "subchartb.enabled=true")},
    ),
    "template-subchart-cm-set": (
        SUBCHART,
        {"set": ("configmap.enabled=true", "subchartb.enabled=true", "configmap.value=baz")},
    ),
    "template-subchart-cm-set-file": (
        SUBCHART,
        {"values": (str(TESTCHARTS / "subchart/extra_values.yaml"),)},
    ),
}
HELM_TEST_KUBE_VERSION = "1.20.0"  # what Helm's own test harness renders with


def golden(name: str, *, include_hooks: bool = True) -> list[Document]:
    text = (HELM_TESTDATA / "output" / f"{name}.txt").read_text(encoding="utf-8")
    return manifest_documents(split_template_output(text), include_hooks=include_hooks)


def identity(document: Document) -> tuple[str, str]:
    data = document.data
    if isinstance(data, dict) and "kind" in data:
        return (data["kind"], data.get("metadata", {}).get("name", ""))
    return ("", document.source.file)  # issue-9027 renders values dumps, not objects


def by_identity(documents: Iterable[Document]) -> dict[tuple[str, str], Any]:
    documents = list(documents)
    counts = Counter(identity(d) for d in documents)
    assert all(n == 1 for n in counts.values()), counts
    return {identity(d): d.data for d in documents}


def assert_same_objects(ours: Sequence[Document], theirs: Sequence[Document]) -> None:
    """Same set of (kind, name), the same full body for each, and the same template for each."""
    mine, golden_objects = by_identity(ours), by_identity(theirs)
    assert sorted(mine) == sorted(golden_objects)
    for key, body in golden_objects.items():
        assert mine[key] == body, key
    assert sorted((identity(d), d.source.file) for d in ours) == sorted(
        (identity(d), d.source.file) for d in theirs
    )


def without_crds(documents: Iterable[Document]) -> list[Document]:
    return [d for d in documents if not is_crd_file(d.source.file)]


def write_chart(
    root: Path, templates: dict[str, str], *, values: str = "", extra: str = ""
) -> Path:
    """A small chart of our own for behaviour the real charts do not show."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Chart.yaml").write_text(f"apiVersion: v2\nname: {root.name}\nversion: 0.1.0\n{extra}")
    (root / "values.yaml").write_text(values)
    for name, text in templates.items():
        path = root / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def one_line_error(excinfo: pytest.ExceptionInfo[DriftActionError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


@pytest.fixture(scope="session")
def vendored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prometheus and the bitnami charts with their dependencies in charts/, as
    `helm dependency build` leaves them (here from the copies, offline)."""
    return vendor_charts(tmp_path_factory.mktemp("vendored"))


@pytest.fixture(scope="session")
def prometheus(vendored: Path) -> list[Document]:
    return list(render(HelmSpec(str(vendored / "prometheus"))).documents)


# --- Helm's goldens --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_renders_exactly_the_objects_of_helm_template(name: str) -> None:
    chart, flags = GOLDENS[name]
    flags = {"kube_version": HELM_TEST_KUBE_VERSION, **flags}
    rendered = render(HelmSpec(chart, include_hooks=True, **flags))
    ours = list(rendered.documents)
    if name != "template-with-crds":  # the only golden made with --include-crds
        ours = without_crds(ours)
    assert_same_objects(ours, golden(name))
    assert rendered.warnings == ()


def test_hooks_are_left_out_by_default_like_helm_template_skip_tests() -> None:
    # The subchart's only hooks are test hooks, so --skip-tests output is exactly the non-hooks.
    ours = render(HelmSpec(SUBCHART, kube_version=HELM_TEST_KUBE_VERSION)).documents
    skip_tests = golden("template-skip-tests")
    assert not any(is_hook(d.data) for d in skip_tests)
    assert_same_objects(without_crds(ours), skip_tests)
    with_hooks = by_identity(golden("template"))
    assert {("ConfigMap", "release-name-testconfig"), ("Pod", "release-name-test")} <= set(
        with_hooks
    )
    assert ("Pod", "release-name-test") not in by_identity(ours)


def test_crd_files_are_included_with_their_real_lines() -> None:
    documents = render(HelmSpec(SUBCHART)).documents
    crds = [d for d in documents if d.data["kind"] == "CustomResourceDefinition"]
    assert [str(d.source) for d in crds] == ["subchart/crds/crdA.yaml:1"]
    assert documents[0] is crds[0]  # CRDs first, as Helm installs them
    templates = [d for d in documents if d not in crds]
    assert all(d.source.line is None and "/templates/" in d.source.file for d in templates)


def test_notes_and_partials_never_produce_objects(vendored: Path) -> None:
    for chart in (SUBCHART, TESTCHARTS / "chart-with-template-lib-dep", vendored / "nginx"):
        for document in render(HelmSpec(str(chart), include_hooks=True)).documents:
            name = document.source.file.rsplit("/", 1)[-1]
            assert not name.startswith("_")
            assert name != "NOTES.txt"


def test_default_capabilities_are_the_engines_own() -> None:
    chart = SUBCHART
    labels = render(HelmSpec(chart)).documents
    service = by_identity(labels)[("Service", "subchart")]
    assert service["metadata"]["labels"]["kube-version/version"].startswith("v1.")
    assert (
        by_identity(render(HelmSpec(chart, kube_version="1.29.0")).documents)[
            ("Service", "subchart")
        ]["metadata"]["labels"]["kube-version/version"]
        == "v1.29.0"
    )


# --- real charts -------------------------------------------------------------------------------


def test_prometheus_renders_with_its_four_subcharts(prometheus: list[Document]) -> None:
    per_chart = Counter(d.source.file.split("/templates/")[0] for d in prometheus)
    assert per_chart == {
        "prometheus": 7,
        "prometheus/charts/alertmanager": 5,
        "prometheus/charts/kube-state-metrics": 5,
        "prometheus/charts/prometheus-node-exporter": 3,
        "prometheus/charts/prometheus-pushgateway": 3,
    }
    objects = by_identity(prometheus)
    assert objects[("StatefulSet", "release-name-alertmanager")]["spec"]["replicas"] == 1
    assert ("DaemonSet", "release-name-prometheus-node-exporter") in objects


def test_prometheus_subchart_conditions_follow_values(vendored: Path) -> None:
    spec = HelmSpec(str(vendored / "prometheus"), set=("alertmanager.enabled=false",))
    per_chart = Counter(d.source.file.split("/templates/")[0] for d in render(spec).documents)
    assert "prometheus/charts/alertmanager" not in per_chart
    assert per_chart["prometheus/charts/kube-state-metrics"] == 5


def test_prometheus_values_files_later_wins_and_namespace(vendored: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text("server:\n  replicaCount: 2\n  retention: 30d\n")
    second = tmp_path / "second.yaml"
    second.write_text("server:\n  replicaCount: 3\n")
    spec = HelmSpec(
        str(vendored / "prometheus"),
        values=(str(first), str(second)),
        release="mon",
        namespace="monitoring",
    )
    objects = by_identity(render(spec).documents)
    deployment = objects[("Deployment", "mon-prometheus-server")]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["namespace"] == "monitoring"
    server_args = deployment["spec"]["template"]["spec"]["containers"][1]["args"]
    assert "--storage.tsdb.retention.time=30d" in server_args


def test_prometheus_without_vendored_dependencies_says_to_build_them() -> None:
    chart = PROMETHEUS_CHARTS / "prometheus"
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(chart)))
    message = one_line_error(excinfo)
    assert message.endswith(f"run `helm dependency build {excinfo.value.file[:-11]}`")
    assert excinfo.value.file is not None and excinfo.value.file.endswith("prometheus/Chart.yaml")
    assert "alertmanager, kube-state-metrics, prometheus-node-exporter, prometheus-pushgateway" in (
        message
    )


def test_prometheus_values_schema_violation(vendored: Path) -> None:
    spec = HelmSpec(str(vendored / "prometheus"), set_string=("alertmanager.enabled=yes",))
    with pytest.raises(InputError) as excinfo:
        render(spec)
    message = one_line_error(excinfo)
    assert "values.schema.json" in message
    assert "'/alertmanager/enabled': got string, want boolean" in message


def test_admission_webhook_hook_jobs_only_with_include_hooks() -> None:
    chart = str(PROMETHEUS_CHARTS / "prometheus-operator-admission-webhook")
    plain = by_identity(render(HelmSpec(chart)).documents)
    hooks = by_identity(render(HelmSpec(chart, include_hooks=True)).documents)
    jobs = {key: body for key, body in hooks.items() if key[0] == "Job"}
    assert sorted(name for _, name in jobs) == [
        "release-name-prometheus-operator-admission-webhook-create",
        "release-name-prometheus-operator-admission-webhook-patch",
    ]
    annotations = [body["metadata"]["annotations"]["helm.sh/hook"] for body in jobs.values()]
    assert sorted(annotations) == ["post-install,post-upgrade", "pre-install,pre-upgrade"]
    assert not any(kind == "Job" for kind, _ in plain)
    assert set(plain) < set(hooks)
    assert all(not is_hook(body) for body in plain.values())
    assert (
        "MutatingWebhookConfiguration",
        "release-name-prometheus-operator-admission-webhook",
    ) in (plain)


def test_memcached_exporter_test_hook_only_with_include_hooks() -> None:
    chart = str(PROMETHEUS_CHARTS / "prometheus-memcached-exporter")
    plain = by_identity(render(HelmSpec(chart)).documents)
    hooks = by_identity(render(HelmSpec(chart, include_hooks=True)).documents)
    assert set(hooks) - set(plain) == {
        ("Pod", "release-name-prometheus-memcached-exporter-test-connection")
    }
    pod = hooks[("Pod", "release-name-prometheus-memcached-exporter-test-connection")]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"


def test_bitnami_charts_render_with_the_common_library_chart(vendored: Path) -> None:
    nginx = render(HelmSpec(str(vendored / "nginx"), namespace="web")).documents
    kinds = Counter(d.data["kind"] for d in nginx)
    assert kinds["Deployment"] == 1 and kinds["Service"] == 1
    # A library chart is only templates for others: no object comes from it.
    assert all(d.source.file.startswith("nginx/templates/") for d in nginx)
    deployment = next(d.data for d in nginx if d.data["kind"] == "Deployment")
    assert deployment["metadata"]["namespace"] == "web"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"


def test_packaged_charts_and_packaged_subcharts(vendored: Path, tmp_path: Path) -> None:
    import helm_python

    # A packaged chart renders as its folder does.
    with helm_python.Chart.load(SUBCHART) as chart:
        archive = chart.save(tmp_path)
    assert archive.endswith(".tgz") and tarfile.is_tarfile(archive)
    assert_same_objects(
        render(HelmSpec(archive, include_hooks=True)).documents,
        render(HelmSpec(SUBCHART, include_hooks=True)).documents,
    )
    # A dependency vendored as .tgz (what `helm dependency build` downloads) works like a folder.
    memcached = tmp_path / "memcached"
    shutil.copytree(vendored / "memcached", memcached)
    shutil.rmtree(memcached / "charts" / "common")
    with helm_python.Chart.load(BITNAMI / "common") as common:
        common.save(memcached / "charts")
    assert [p.suffix for p in (memcached / "charts").iterdir()] == [".tgz"]
    assert_same_objects(
        render(HelmSpec(str(memcached))).documents,
        render(HelmSpec(str(vendored / "memcached"))).documents,
    )


def test_hello_world_from_helm_examples() -> None:
    documents = render(HelmSpec(str(HELLO_WORLD), release="hello")).documents
    assert sorted(identity(d) for d in documents) == [
        ("Deployment", "hello-hello-world"),
        ("Service", "hello-hello-world"),
        ("ServiceAccount", "hello-hello-world"),
    ]
    assert {d.source.file for d in documents} == {
        "hello-world/templates/deployment.yaml",
        "hello-world/templates/service.yaml",
        "hello-world/templates/serviceaccount.yaml",
    }


# --- values and --set --------------------------------------------------------------------------

VALUES_CHART = {
    "values.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\n"
        "data:\n  json: {{ .Values | toJson | quote }}\n"
    )
}


def rendered_values(chart: Path, **flags: Any) -> Any:
    import json

    documents = render(HelmSpec(str(chart), **flags)).documents
    return json.loads(documents[0].data["data"]["json"])


def test_set_uses_helms_own_syntax(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "values", VALUES_CHART, values="a:\n  keep: 1\nlist: [9, 9]\n")
    values = rendered_values(
        chart,
        set=(
            "a.b=x,a.n=3",
            "ports={80,443}",
            "servers[0].name=web,servers[1].port=8080",
            r"annotations.example\.com/tier=gold",
            "flag=true",
            "list={1}",
        ),
        set_string=("str=3", "flag2=true"),
    )
    assert values["a"] == {"keep": 1, "b": "x", "n": 3}
    assert values["ports"] == [80, 443]
    assert values["servers"] == [{"name": "web"}, {"port": 8080}]
    assert values["annotations"] == {"example.com/tier": "gold"}
    assert values["flag"] is True and values["flag2"] == "true" and values["str"] == "3"
    assert values["list"] == [1]


def test_values_files_merge_in_order_then_set(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "values", VALUES_CHART, values="image:\n  tag: default\n")
    (tmp_path / "a.yaml").write_text("image:\n  repository: a\n  tag: a\nonly_a: 1\n")
    (tmp_path / "b.yaml").write_text("image:\n  tag: b\n")
    values = rendered_values(
        chart,
        values=(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")),
        set=("image.pullPolicy=Always",),
    )
    assert values["image"] == {"repository": "a", "tag": "b", "pullPolicy": "Always"}
    assert values["only_a"] == 1
    assert merge_values({"a": {"b": 1}, "c": [1]}, {"a": {"d": 2}, "c": [2]}) == {
        "a": {"b": 1, "d": 2},
        "c": [2],
    }


def test_big_set_integers_warn(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "values", VALUES_CHART)
    rendered = render(HelmSpec(str(chart), set=("replicas=3,limit=10000000",)))
    assert len(rendered.warnings) == 1
    assert rendered.warnings[0].startswith("--set limit: ")


def test_helm_log_lines_become_warnings_not_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    # A non-boolean condition value makes Helm log a warning on the process's stderr.
    rendered = render(HelmSpec(SUBCHART, set_string=("subcharta.enabled=maybe",)))
    assert any("returned non-bool value" in w for w in rendered.warnings)
    assert capfd.readouterr().err == ""


def test_crds_of_a_disabled_crds_only_subchart_are_left_out(tmp_path: Path) -> None:
    parent = write_chart(
        tmp_path / "parent",
        {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"},
        extra="dependencies:\n- name: crds\n  version: 0.1.0\n  condition: crds.enabled\n",
    )
    crds = parent / "charts" / "crds"
    write_chart(crds, {}, values="enabled: true\n")
    (crds / "crds").mkdir()
    (crds / "crds" / "widget.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: widgets.example.com\n"
    )
    enabled = render(HelmSpec(str(parent))).documents
    assert [str(d.source) for d in enabled] == [
        "parent/charts/crds/crds/widget.yaml:1",
        "parent/templates/cm.yaml",
    ]
    disabled = render(HelmSpec(str(parent), set=("crds.enabled=false",))).documents
    assert [identity(d) for d in disabled] == [("ConfigMap", "cm")]


# --- bad input: one line naming the file -------------------------------------------------------


def test_folder_without_chart_yaml(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(tmp_path)))
    assert one_line_error(excinfo) == f"{tmp_path}: not a Helm chart: the folder has no Chart.yaml"


def test_no_such_chart(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(tmp_path / "nope")))
    assert "no such Helm chart" in one_line_error(excinfo)


def test_chart_yaml_that_helm_cannot_load(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "broken", {})
    (chart / "Chart.yaml").write_text("apiVersion: v2\nversion: 1.0.0\n")
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(chart)))
    message = one_line_error(excinfo)
    assert (
        message
        == f"{chart}: cannot load the Helm chart: validation: chart.metadata.name is required"
    )
    assert type(excinfo.value.__cause__).__name__ == "HelmChartLoadError"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", ": a values file must be a mapping of keys to values, not a list"),
        ("just text\n", ": a values file must be a mapping of keys to values, not a string"),
        # Then Helm's own words for the problem, which are not ours to pin down.
        ("a: 1\nb: [\n", ":2: invalid YAML: ..."),
    ],
)
def test_values_file_that_is_not_a_mapping(tmp_path: Path, text: str, expected: str) -> None:
    values = tmp_path / "bad-values.yaml"
    values.write_text(text)
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(HELLO_WORLD), values=(str(values),)))
    message = one_line_error(excinfo)
    ours, more, _ = expected.partition("...")
    if more:
        assert message.startswith(f"{values}{ours}") and len(message) > len(f"{values}{ours}")
    else:
        assert message == f"{values}{ours}"


def test_missing_values_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(HELLO_WORLD), values=(str(tmp_path / "missing.yaml"),)))
    assert one_line_error(excinfo) == f"{tmp_path / 'missing.yaml'}: no such file"


@pytest.mark.parametrize(
    ("flag", "expression", "reason"),
    [
        ("set", "image.tag", 'key "tag" has no value'),
        ("set", "a[x]=1", "error parsing index"),
        ("set_string", "a=1,,=x", "has no value"),
    ],
)
def test_set_that_does_not_parse(flag: str, expression: str, reason: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        render(HelmSpec(str(HELLO_WORLD), **{flag: (expression,)}))
    message = one_line_error(excinfo)
    shown = "--set" if flag == "set" else "--set-string"
    key = expression.split("=", 1)[0]
    assert message.startswith(f"{shown} {key!r}=... does not parse: ")
    assert reason in message


def test_set_error_never_shows_the_value() -> None:
    with pytest.raises(UsageError) as excinfo:
        render(HelmSpec(str(HELLO_WORLD), set=("db.password=hunter2-s3cret,a=1,,=x",)))
    assert "hunter2-s3cret" not in one_line_error(excinfo)


FAILING = {
    "required.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
        'data:\n  a: {{ required "value a is required" .Values.a }}\n'
    ),
    "fail.yaml": '{{- if .Values.refuse }}\n{{ fail "refusing: bad settings" }}\n{{- end }}\n',
    "nil.yaml": "{{- if .Values.deep }}\nx: {{ .Values.foo.bar.baz }}\n{{- end }}\n",
}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "failing/templates/required.yaml:6: template failed: value a is required"),
        (
            {"set": ("a=1,refuse=true",)},
            "failing/templates/fail.yaml:2: template failed: refusing: bad settings",
        ),
        (
            {"set": ("a=1,deep=true",)},
            "failing/templates/nil.yaml:2: template failed: at <.Values.foo.bar.baz>: "
            "nil pointer evaluating interface {}.bar",
        ),
    ],
)
def test_template_failures_name_template_and_line(
    tmp_path: Path, values: dict[str, Any], expected: str
) -> None:
    chart = write_chart(tmp_path / "failing", FAILING)
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(chart), **values))
    assert one_line_error(excinfo) == expected
    assert type(excinfo.value.__cause__).__name__ == "HelmRenderError"


def test_template_parse_error(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "syntax", {"x.yaml": "a: 1\n{{ if }}\n"})
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(chart)))
    assert one_line_error(excinfo) == (
        "syntax/templates/x.yaml:2: template parse error: missing value for if"
    )


def test_rendered_yaml_error_never_shows_secret_values(tmp_path: Path) -> None:
    chart = write_chart(
        tmp_path / "leaky",
        {
            "secret.yaml": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
                "stringData:\n  password: {{ .Values.password }}\n  broken: [\n"
            )
        },
        values="password: hunter2-do-not-print\n",
    )
    with pytest.raises(InputError) as excinfo:
        render(HelmSpec(str(chart)))
    message = one_line_error(excinfo)
    assert message.startswith(
        "leaky/templates/secret.yaml: the rendered template is not valid YAML"
    )
    assert "hunter2" not in message


def test_invalid_release_name() -> None:
    with pytest.raises(UsageError) as excinfo:
        render(HelmSpec(str(HELLO_WORLD), release="Not_Valid"))
    assert one_line_error(excinfo).startswith("invalid Helm release name 'Not_Valid'")


def test_invalid_kube_version() -> None:
    with pytest.raises(UsageError) as excinfo:
        render(HelmSpec(str(HELLO_WORLD), kube_version="banana"))
    assert 'could not parse "banana" as version' in one_line_error(excinfo)


# --- the helm binary path ----------------------------------------------------------------------


def test_template_command_mirrors_the_spec() -> None:
    spec = HelmSpec(
        "charts/app",
        values=("a.yaml", "b.yaml"),
        set=("x=1",),
        set_string=("y=2",),
        release="app",
        namespace="prod",
        kube_version="1.30.0",
        api_versions=("monitoring.coreos.com/v1", "example.com/v1"),
        include_hooks=True,
        helm_binary="/opt/helm",
    )
    assert template_command(spec, "/opt/helm") == [
        "/opt/helm", "template", "app", "charts/app", "--namespace", "prod", "--include-crds",
        "--values", "a.yaml", "--values", "b.yaml", "--set", "x=1", "--set-string", "y=2",
        "--kube-version", "1.30.0",
        "--api-versions", "monitoring.coreos.com/v1", "--api-versions", "example.com/v1",
    ]  # fmt: skip


def test_split_template_output_keeps_multi_document_crd_files_together() -> None:
    text = (
        "---\n# Source: c/crds/two.yaml\nkind: A\n---\nkind: B\n\n"
        "---\n# Source: c/templates/x.yaml\nkind: C\n"
    )
    assert split_template_output(text) == [
        ("c/crds/two.yaml", "kind: A\n---\nkind: B\n\n"),
        ("c/templates/x.yaml", "kind: C\n"),
    ]
    documents = manifest_documents(split_template_output(text), include_hooks=False)
    assert [str(d.source) for d in documents] == [
        "c/crds/two.yaml:1",
        "c/crds/two.yaml:3",
        "c/templates/x.yaml",
    ]


def test_missing_helm_binary(tmp_path: Path) -> None:
    spec = HelmSpec(str(HELLO_WORLD), helm_binary=str(tmp_path / "helm"))
    with pytest.raises(DriftActionError) as excinfo:
        render(spec)
    assert one_line_error(excinfo).endswith(f"helm: program not found {tmp_path / 'helm'}")


HELM = shutil.which("helm")


def _helm_major(helm: str) -> int:
    found = re.search(r'Version:"v(\d+)', run_tool([helm, "version"]))
    return int(found.group(1)) if found else 0


def _trailing_newlines_dropped(value: Any) -> Any:
    """Helm 3's toYaml ends `{}` with a newline, Helm 4's does not: the only difference seen."""
    if isinstance(value, dict):
        return {k: _trailing_newlines_dropped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trailing_newlines_dropped(v) for v in value]
    return value.rstrip("\n") if isinstance(value, str) else value


@pytest.mark.skipif(HELM is None, reason="no helm binary on PATH to compare the SDK with")
@pytest.mark.parametrize("chart_name", ["subchart", "prometheus", "webhook-hooks"])
def test_helm_binary_gives_the_same_objects(vendored: Path, chart_name: str) -> None:
    assert HELM is not None
    chart, flags = {
        "subchart": (SUBCHART, {"include_hooks": True, "kube_version": "1.20.0"}),
        "prometheus": (str(vendored / "prometheus"), {"set": ("server.replicaCount=2",)}),
        "webhook-hooks": (
            str(PROMETHEUS_CHARTS / "prometheus-operator-admission-webhook"),
            {"include_hooks": True},
        ),
    }[chart_name]
    spec = HelmSpec(chart, **{"kube_version": "1.30.0", **flags})
    binary, sdk = render(replace(spec, helm_binary=HELM)).documents, render(spec).documents
    if _helm_major(HELM) != 4:  # the SDK bundles Helm 4
        binary, sdk = (
            [replace(d, data=_trailing_newlines_dropped(d.data)) for d in docs]
            for docs in (binary, sdk)
        )
    assert_same_objects(binary, sdk)


def test_registered_for_its_spec() -> None:
    assert isinstance(renderer(HelmSpec), HelmRenderer)
    assert HelmSpec("charts/app").label == "helm chart charts/app"
