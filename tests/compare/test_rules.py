from __future__ import annotations

import pytest

from drift_action.compare.rules import (
    IgnoreRule,
    PathPattern,
    ResourceMatch,
    SeverityRule,
    Wildcard,
    first_ignoring,
    parse_path,
    parse_pointer,
    severity_of,
)
from drift_action.core.model import Actor, Attribution, Change, ChangeType, ResourceKey, Severity
from drift_action.core.paths import ListKey, Path, format_path

DEPLOY = ResourceKey("apps", "Deployment", "prod-eu", "web")
WEB = ListKey((("name", "web"),))
HTTP = ListKey((("containerPort", "80"), ("protocol", "TCP")))
IMAGE: Path = ("spec", "template", "spec", "containers", WEB, "image")


def change(path: Path, manager: str | None = None) -> Change:
    owner = None if manager is None else Attribution(manager, "Update", None, Actor.HUMAN)
    return Change(path, ChangeType.CHANGED, 1, 2, attribution=owner)


# Parsing


def test_dotted_path_segments() -> None:
    pattern = parse_path(" spec.template.spec.containers[name=web].image ")
    assert pattern.segments == IMAGE
    assert str(pattern) == "spec.template.spec.containers[name=web].image"
    assert not pattern.pointer


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        (
            'metadata.labels["app.kubernetes.io/name"]',
            ("metadata", "labels", "app.kubernetes.io/name"),
        ),
        ("rules[0].verbs", ("rules", 0, "verbs")),
        (
            "spec.ports[port=80, protocol=TCP]",
            ("spec", "ports", ListKey((("port", "80"), ("protocol", "TCP")))),
        ),
        ("spec.*.x[*]", ("spec", Wildcard.ANY, "x", Wildcard.ANY)),
        ('data["*"]', ("data", "*")),
    ],
)
def test_dotted_path_forms(text: str, segments: tuple[object, ...]) -> None:
    assert parse_path(text).segments == segments


@pytest.mark.parametrize(
    "path",
    [
        IMAGE,
        ("metadata", "labels", "app.kubernetes.io/name"),
        ("rules", 0, "verbs"),
        ("spec", "ports", HTTP, "name"),
    ],
)
def test_paths_as_reports_print_them_match_themselves(path: Path) -> None:
    assert parse_path(format_path(path)).matches(path)


def test_pointer_unescapes_tilde_and_slash() -> None:
    pattern = parse_pointer("/metadata/labels/app.kubernetes.io~1name")
    assert pattern.segments == ("metadata", "labels", "app.kubernetes.io/name")
    assert pattern.pointer
    # ~01 is "~1", not "/": ~1 is replaced first, as RFC 6901 says
    assert parse_pointer("/a~0b/c~01").segments == ("a~b", "c~1")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty path"),
        ("spec..replicas", "empty or bad segment at column 6"),
        ("spec.", "empty or bad segment at column 6"),
        ("spec.containers[name=web", "unbalanced brackets: missing ']'"),
        ("spec]", "unbalanced brackets: unexpected ']'"),
        ("rules[[0]]", "unbalanced brackets: unexpected '['"),
        ("rules[0]verbs", "expected '.' or '[' at column 9"),
        ('labels["a/b]', "bad quoted key"),
        ("containers[web]", "bad list item '[web]'"),
        ("containers[]", "bad list item '[]'"),
    ],
)
def test_bad_paths(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_path(text)
    assert str(err.value).startswith(reason)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty JSON pointer"),
        ("spec/replicas", "a JSON pointer starts with '/'"),
        ("/spec//replicas", "empty segment"),
        ("/", "empty segment"),
        ("/labels/a~2b", "bad escape"),
        ("/labels/a~", "bad escape"),
    ],
)
def test_bad_pointers(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_pointer(text)
    assert str(err.value).startswith(reason)


# Matching paths


def test_pattern_is_a_prefix() -> None:
    pattern = parse_path("spec.replicas")
    assert pattern.matches(("spec", "replicas"))
    assert pattern.matches(("spec", "replicas", "anything", 0))
    assert not pattern.matches(("spec",))
    assert not pattern.matches(("spec", "replicasX"))
    assert not pattern.matches(("status", "replicas"))


def test_selector_matches_items_whose_key_holds_its_fields() -> None:
    ports: Path = ("spec", "template", "spec", "containers", WEB, "ports", HTTP, "hostPort")
    assert parse_path("spec.template.spec.containers[name=web].ports[containerPort=80]").matches(
        ports
    )
    assert parse_path(
        "spec.template.spec.containers[name=web].ports[protocol=TCP,containerPort=80]"
    ).matches(ports)
    assert not parse_path(
        "spec.template.spec.containers[name=web].ports[containerPort=80,protocol=UDP]"
    ).matches(ports)
    assert not parse_path("spec.template.spec.containers[name=db]").matches(ports)
    assert not parse_path("spec.template.spec.containers[0]").matches(ports)


def test_index_matches_list_positions_only() -> None:
    pattern = parse_path("rules[0]")
    assert pattern.matches(("rules", 0, "verbs"))
    assert not pattern.matches(("rules", 1))
    assert not pattern.matches(("rules", "0"))


def test_pointer_numbers_are_positions_or_digit_keys_never_keyed_items() -> None:
    pattern = parse_pointer("/rules/0")
    assert pattern.matches(("rules", 0, "verbs"))
    assert pattern.matches(("rules", "0"))
    assert not parse_pointer("/spec/template/spec/containers/0").matches(IMAGE)
    assert parse_pointer("/spec/template/spec/containers/*/image").matches(IMAGE)


def test_wildcards_match_any_one_segment() -> None:
    assert parse_path("spec.template.spec.containers[*].image").matches(IMAGE)
    assert parse_path("spec.*.spec").matches(IMAGE)
    assert not parse_path("*.image").matches(IMAGE)


# Matching resources and rules


def test_resource_globs() -> None:
    assert ResourceMatch().matches(DEPLOY)
    assert ResourceMatch("apps", "Deploy*", "prod-*", "*").matches(DEPLOY)
    assert not ResourceMatch(kind="deployment").matches(DEPLOY)  # case-sensitive
    assert not ResourceMatch(namespace="staging").matches(DEPLOY)
    cluster_role = ResourceKey("rbac.authorization.k8s.io", "ClusterRole", "", "view")
    assert ResourceMatch(namespace="*").matches(cluster_role)
    assert not ResourceMatch(namespace="prod-*").matches(cluster_role)
    assert ResourceMatch(group="", kind="ConfigMap").matches(ResourceKey("", "ConfigMap", "a", "b"))


def test_ignore_by_path_or_manager() -> None:
    rule = IgnoreRule(
        "x ignore[0]",
        ResourceMatch(kind="Deployment"),
        (parse_pointer("/spec/replicas"),),
        ("kube-*", "hpa"),
    )
    assert rule.ignores(DEPLOY, change(("spec", "replicas")))
    assert rule.ignores(DEPLOY, change(IMAGE, manager="kube-controller-manager"))
    assert rule.ignores(DEPLOY, change(IMAGE, manager="hpa"))
    assert not rule.ignores(DEPLOY, change(IMAGE, manager="kubectl-edit"))
    assert not rule.ignores(DEPLOY, change(IMAGE))
    other = ResourceKey("apps", "StatefulSet", "prod-eu", "db")
    assert not rule.ignores(other, change(("spec", "replicas")))


def test_rule_without_patterns_or_managers_ignores_the_whole_resource() -> None:
    rule = IgnoreRule("x ignore[0]", ResourceMatch(name="web"))
    assert rule.ignores(DEPLOY, change(IMAGE))
    assert not rule.ignores(ResourceKey("apps", "Deployment", "prod-eu", "api"), change(IMAGE))


def test_first_ignoring_names_the_first_matching_rule() -> None:
    rules = [
        IgnoreRule("a", ResourceMatch(kind="Service")),
        IgnoreRule("b", patterns=(parse_path("spec.template"),)),
        IgnoreRule("c"),
    ]
    found = first_ignoring(rules, DEPLOY, change(IMAGE))
    assert found is not None and found.name == "b"
    assert first_ignoring(rules[:2], DEPLOY, change(("spec", "replicas"))) is None


# Severity


@pytest.mark.parametrize(
    ("kind", "path", "level"),
    [
        (
            "Deployment",
            ("spec", "template", "spec", "containers", WEB, "securityContext", "runAsUser"),
            "high",
        ),
        ("Deployment", ("spec", "template", "spec", "securityContext"), "high"),
        (
            "Deployment",
            ("spec", "template", "spec", "containers", WEB, "securityContext", "privileged"),
            "high",
        ),
        ("Pod", ("spec", "containers", 0, "allowPrivilegeEscalation"), "high"),
        ("Pod", ("spec", "containers", WEB, "securityContext", "capabilities", "add"), "high"),
        ("DaemonSet", ("spec", "template", "spec", "hostNetwork"), "high"),
        ("DaemonSet", ("spec", "template", "spec", "hostPID"), "high"),
        ("DaemonSet", ("spec", "template", "spec", "hostIPC"), "high"),
        (
            "DaemonSet",
            ("spec", "template", "spec", "volumes", ListKey((("name", "x"),)), "hostPath"),
            "high",
        ),
        ("Deployment", ("spec", "template", "spec", "serviceAccountName"), "high"),
        ("Deployment", ("spec", "template", "spec", "serviceAccount"), "high"),
        ("Deployment", ("spec", "template", "spec", "automountServiceAccountToken"), "high"),
        ("Deployment", IMAGE, "high"),
        ("Role", ("rules", 0, "verbs"), "high"),
        ("ClusterRole", ("rules",), "high"),
        ("ClusterRole", ("aggregationRule", "clusterRoleSelectors"), "high"),
        ("RoleBinding", ("subjects", 0, "name"), "high"),
        ("ClusterRoleBinding", ("roleRef", "name"), "high"),
        (
            "Deployment",
            ("spec", "template", "spec", "containers", WEB, "resources", "limits", "cpu"),
            "medium",
        ),
        (
            "Deployment",
            ("spec", "template", "spec", "containers", WEB, "livenessProbe", "periodSeconds"),
            "medium",
        ),
        ("Deployment", ("spec", "template", "spec", "containers", WEB, "readinessProbe"), "medium"),
        ("Deployment", ("spec", "template", "spec", "containers", WEB, "startupProbe"), "medium"),
        (
            "Deployment",
            (
                "spec",
                "template",
                "spec",
                "containers",
                WEB,
                "env",
                ListKey((("name", "A"),)),
                "value",
            ),
            "medium",
        ),
        ("Deployment", ("spec", "template", "spec", "containers", WEB, "envFrom"), "medium"),
        ("Deployment", ("spec", "replicas"), "low"),
        ("Deployment", ("metadata", "labels", "team"), "low"),
        ("Deployment", ("metadata", "annotations", "note"), "low"),
        ("Deployment", ("spec", "template", "metadata", "labels", "app"), "low"),
        ("Service", ("spec", "ports", HTTP, "targetPort"), "medium"),
        ("ConfigMap", ("data", "image"), "medium"),  # a user's key, not the image field
        ("Deployment", ("metadata", "labels", "image"), "low"),
        ("ClusterRole", ("rules", 0, "resources"), "high"),  # several defaults: the highest
    ],
)
def test_builtin_severity(kind: str, path: Path, level: str) -> None:
    group = "rbac.authorization.k8s.io" if "Role" in kind else ""
    key = ResourceKey(group, kind, "ns", "x")
    assert severity_of((), key, change(path)) is Severity(level)


def test_rbac_defaults_need_the_rbac_group() -> None:
    custom = ResourceKey("example.com", "Role", "ns", "x")
    assert severity_of((), custom, change(("rules", 0))) is Severity.MEDIUM


def test_user_rules_win_in_order() -> None:
    rules = (
        SeverityRule(ResourceMatch(kind="ConfigMap"), (), Severity.HIGH),
        SeverityRule(
            ResourceMatch(), (parse_path("spec.template.spec.containers[*].image"),), Severity.LOW
        ),
        SeverityRule(ResourceMatch(), (parse_path("spec.template"),), Severity.MEDIUM),
    )
    assert severity_of(rules, DEPLOY, change(IMAGE)) is Severity.LOW
    assert (
        severity_of(rules, DEPLOY, change(("spec", "template", "spec", "hostPID")))
        is Severity.MEDIUM
    )
    assert severity_of(rules, DEPLOY, change(("spec", "replicas"))) is Severity.LOW  # the default
    config_map = ResourceKey("", "ConfigMap", "ns", "x")
    assert severity_of(rules, config_map, change(("data", "a"))) is Severity.HIGH


def test_pattern_text_is_kept_for_reports() -> None:
    assert str(PathPattern(("a",), "a")) == "a"
    assert str(parse_pointer(" /spec/replicas ")) == "/spec/replicas"
