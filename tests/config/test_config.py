from __future__ import annotations

from pathlib import Path

import pytest

from drift_action.compare.rules import (
    IgnoreRule,
    ResourceMatch,
    SeverityRule,
    parse_path,
    parse_pointer,
)
from drift_action.config.file import Config, load_config
from drift_action.core.errors import InputError
from drift_action.core.model import Severity

EXAMPLE = """\
managers:            # field managers, added to the built-in lists (globs)
  deployers: [my-deployer]
  humans: [my-admin-ui]
  controllers: [my-operator, "acme-*"]
normalize:
  aggregatedClusterRoles: true
  injectedCaBundles: false
ignore:
  - group: apps
    kind: Deployment
    namespace: "prod-*"
    name: "*"
    jsonPointers: [/spec/replicas]
    paths: ["spec.template.spec.containers[name=web].image"]
    managedFieldsManagers: [kube-controller-manager]
  - kind: Secret
severity:
  - kind: ConfigMap
    paths: [data]
    level: high
  - jsonPointers: [/metadata/annotations]
    level: Medium
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str, name: str = ".drift.yaml") -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


def error_of(text: str) -> str:
    with pytest.raises(InputError) as err:
        load_config(write(text))
    message = str(err.value)
    assert "\n" not in message
    return message


def test_full_example_loads_into_records() -> None:
    write(EXAMPLE)
    assert load_config(None) == Config(
        ignore=(
            IgnoreRule(
                ".drift.yaml ignore[0]",
                ResourceMatch("apps", "Deployment", "prod-*", "*"),
                (
                    parse_pointer("/spec/replicas"),
                    parse_path("spec.template.spec.containers[name=web].image"),
                ),
                ("kube-controller-manager",),
            ),
            IgnoreRule(".drift.yaml ignore[1]", ResourceMatch(kind="Secret")),
        ),
        severity=(
            SeverityRule(ResourceMatch(kind="ConfigMap"), (parse_path("data"),), Severity.HIGH),
            SeverityRule(
                ResourceMatch(), (parse_pointer("/metadata/annotations"),), Severity.MEDIUM
            ),
        ),
        deployers=("my-deployer",),
        humans=("my-admin-ui",),
        controllers=("my-operator", "acme-*"),
        aggregated_cluster_roles=True,
        injected_ca_bundles=False,
        source=".drift.yaml",
    )


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert config == Config()
    assert config.ignore == () and config.severity == ()
    assert config.aggregated_cluster_roles and config.injected_ca_bundles
    assert config.source is None


@pytest.mark.parametrize(
    "text", ["", "# nothing yet\n", "---\n", "ignore:\nseverity: []\nmanagers: {}\n"]
)
def test_empty_files_and_sections_are_defaults(text: str) -> None:
    assert load_config(write(text, "drift.yaml")) == Config(source="drift.yaml")


def test_explicit_file_is_shown_relative_to_the_working_directory(in_tmp: Path) -> None:
    (in_tmp / "ci").mkdir()
    path = in_tmp / "ci" / "drift.yaml"
    path.write_text("ignore:\n  - kind: Secret\n", encoding="utf-8")
    config = load_config(str(path))
    assert config.source == "ci/drift.yaml"
    assert config.ignore[0].name == "ci/drift.yaml ignore[0]"


def test_explicit_file_that_does_not_exist() -> None:
    with pytest.raises(InputError) as err:
        load_config("missing.yaml")
    assert str(err.value) == "missing.yaml: no such file"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ignore:\n  - kind: Deployment\n    jsonPointers: [/spec/replicas]\n  - kind: Service\n"
            "    jsonPointer: [/spec/x]\n",
            ".drift.yaml:5: ignore[1]: unknown key 'jsonPointer' (did you mean 'jsonPointers'?)",
        ),
        (
            "ignores: []\n",
            ".drift.yaml:1: unknown key 'ignores' (did you mean 'ignore'?)",
        ),
        (
            "normalize:\n  timeout: 30\n",
            ".drift.yaml:2: normalize: unknown key 'timeout' "
            "(expected one of: aggregatedClusterRoles, injectedCaBundles)",
        ),
        (
            "managers:\n  deployer: [x]\n",
            ".drift.yaml:2: managers: unknown key 'deployer' (did you mean 'deployers'?)",
        ),
        (
            "severity:\n  - kind: ConfigMap\n    managedFieldsManagers: [x]\n    level: low\n",
            ".drift.yaml:3: severity[0]: unknown key 'managedFieldsManagers' "
            "(expected one of: group, kind, namespace, name, jsonPointers, paths, level)",
        ),
    ],
)
def test_unknown_keys(text: str, message: str) -> None:
    assert error_of(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ignore:\n  - kind: Deployment\n    jsonPointers:\n      - /spec/replicas\n"
            "      - spec/template\n",
            ".drift.yaml:5: ignore[0].jsonPointers[1]: bad JSON pointer 'spec/template': "
            "a JSON pointer starts with '/'",
        ),
        (
            "ignore:\n  - jsonPointers: ['/metadata/labels/a~2b']\n",
            ".drift.yaml:2: ignore[0].jsonPointers[0]: bad JSON pointer '/metadata/labels/a~2b': "
            "bad escape: '~' must be followed by 0 ('~') or 1 ('/')",
        ),
        (
            "severity:\n  - paths: ['spec.containers[name=web']\n    level: high\n",
            ".drift.yaml:2: severity[0].paths[0]: bad path 'spec.containers[name=web': "
            "unbalanced brackets: missing ']'",
        ),
    ],
)
def test_bad_patterns(text: str, message: str) -> None:
    assert error_of(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ignore:\n  - kind: Deployment\n    paths: spec.replicas\n",
            ".drift.yaml:3: ignore[0].paths: expected a list of strings, got a string",
        ),
        (
            "ignore:\n  - managedFieldsManagers: [hpa, 42]\n",
            ".drift.yaml:2: ignore[0].managedFieldsManagers[1]: expected a string, got a number",
        ),
        (
            "ignore:\n  - kind: Deployment\n    namespace: 2024\n",
            ".drift.yaml:3: ignore[0].namespace: expected a string (a glob), got a number",
        ),
        (
            "normalize:\n  injectedCaBundles: 'no'\n",
            ".drift.yaml:2: normalize.injectedCaBundles: expected true or false, got a string",
        ),
        (
            "ignore:\n  kind: Deployment\n",
            ".drift.yaml:1: ignore: expected a list of rules, got a mapping",
        ),
        (
            "ignore:\n  - Deployment\n",
            ".drift.yaml:2: ignore[0]: expected a mapping, got a string",
        ),
        (
            "# settings\n- ignore\n",
            ".drift.yaml:2: expected a mapping, got a list",
        ),
        (
            "managers: [x]\n",
            ".drift.yaml:1: managers: expected a mapping, got a list",
        ),
        (
            "severity:\n  - kind: ConfigMap\n    level: critical\n",
            ".drift.yaml:3: severity[0].level: unknown level 'critical' "
            "(expected high, medium or low)",
        ),
        (
            "severity:\n  - kind: ConfigMap\n    level: 3\n",
            ".drift.yaml:3: severity[0].level: unknown level 3 (expected high, medium or low)",
        ),
        (
            "\nseverity:\n  - kind: ConfigMap\n",
            ".drift.yaml:3: severity[0]: missing key 'level' (high, medium or low)",
        ),
        (
            "ignore:\n  - kind: Secret\n  - {}\n",
            ".drift.yaml:3: ignore[1]: empty rule would ignore every change; "
            "write kind: '*' to mean that",
        ),
        (
            "ignore: []\n---\nseverity: []\n",
            ".drift.yaml:3: expected one YAML document, found 2",
        ),
    ],
)
def test_wrong_types_and_values(text: str, message: str) -> None:
    assert error_of(text) == message


def test_invalid_yaml_names_file_and_line() -> None:
    assert error_of("ignore:\n  - kind: [Deployment\n").startswith(".drift.yaml:")


def test_recursive_anchors_are_refused_without_hanging() -> None:
    message = error_of("ignore: &a\n  - *a\n")
    # The parser refuses a value that contains itself before the config is read.
    assert message == ".drift.yaml:1: invalid YAML: an alias refers to a value that contains it"
