"""End to end: the config file's ignore and severity rules, through the installed command.

Each test writes manifests, a live snapshot and a config into its own directory and runs
`drift-action` there as a subprocess, the way a user or a CI job does.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli

DEPLOYMENT = "spec.template.spec.containers[name=web]"
RESTARTED_AT = 'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]'


def drift_action(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("--manifests", "git.yaml", "--live-snapshot", "live.yaml", *args, cwd=cwd)


def json_report(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = drift_action(cwd, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def write_case(root: Path, desired: list[dict[str, Any]], live: list[dict[str, Any]]) -> Path:
    (root / "git.yaml").write_text(yaml.safe_dump_all(desired, sort_keys=False), "utf-8")
    snapshot = {"apiVersion": "v1", "kind": "List", "items": live}
    (root / "live.yaml").write_text(yaml.safe_dump(snapshot, sort_keys=False), "utf-8")
    return root


def deployment(
    *,
    replicas: int = 3,
    image: str = "ghcr.io/example/web:1.4.2",
    cpu: str = "500m",
    restarted_by: str | None = None,
) -> dict[str, Any]:
    template: dict[str, Any] = {
        "spec": {
            "containers": [{"name": "web", "image": image, "resources": {"requests": {"cpu": cpu}}}]
        }
    }
    body: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": replicas, "template": template},
    }
    if restarted_by is not None:
        # `kubectl rollout restart` stamps the pod template, outside Git.
        template["metadata"] = {
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z"}
        }
        body["metadata"]["managedFields"] = [
            {
                "manager": restarted_by,
                "operation": "Update",
                "apiVersion": "apps/v1",
                "time": "2024-05-01T10:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:spec": {
                        "f:template": {
                            "f:metadata": {
                                "f:annotations": {
                                    ".": {},
                                    "f:kubectl.kubernetes.io/restartedAt": {},
                                }
                            }
                        }
                    }
                },
            }
        ]
    return body


def configmap(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "shop"},
        "data": data,
    }


# --- ignore rules ------------------------------------------------------------------------------

IGNORE_RULES = {
    "jsonPointer": ("jsonPointers: [/spec/replicas]", {"replicas": 5}, "spec.replicas"),
    "path-selector": (
        f'paths: ["{DEPLOYMENT}.image"]',
        {"image": "ghcr.io/example/web:1.4.3-hotfix"},
        f"{DEPLOYMENT}.image",
    ),
    "managedFieldsManagers": (
        "managedFieldsManagers: [kubectl-rollout]",
        {"restarted_by": "kubectl-rollout"},
        RESTARTED_AT,
    ),
}


@pytest.mark.parametrize("rule", list(IGNORE_RULES))
def test_each_ignore_rule_turns_its_drift_into_in_sync(tmp_path: Path, rule: str) -> None:
    pattern, live_fields, path = IGNORE_RULES[rule]
    write_case(tmp_path, [deployment()], [deployment(**live_fields)])

    code, report = json_report(tmp_path)
    assert code == 1
    assert [c["path"] for c in report["resources"][0]["changes"]] == [path]

    (tmp_path / ".drift.yaml").write_text(f"ignore:\n  - kind: Deployment\n    {pattern}\n")
    code, report = json_report(tmp_path)
    assert code == 0
    (resource,) = report["resources"]
    assert resource["status"] == "in_sync"
    assert resource["changes"] == []
    assert [(c["path"], c["ignored_by"]) for c in resource["ignored"]] == [
        (path, ".drift.yaml ignore[0]")
    ]
    assert report["ignored_changes"] == 1


ALL_IGNORED = """\
ignore:
  - kind: Deployment
    jsonPointers: [/spec/replicas]
  - kind: Deployment
    name: web
    paths: ["spec.template.spec.containers[name=web].image"]
  - managedFieldsManagers: ["kubectl-roll*"]
"""


@pytest.fixture
def all_ignored(tmp_path: Path) -> Path:
    live = deployment(
        replicas=5, image="ghcr.io/example/web:1.4.3-hotfix", restarted_by="kubectl-rollout"
    )
    write_case(tmp_path, [deployment()], [live])
    (tmp_path / ".drift.yaml").write_text(ALL_IGNORED)
    return tmp_path


def test_ignored_changes_are_listed_with_their_rule_in_json(all_ignored: Path) -> None:
    code, report = json_report(all_ignored)
    assert code == 0
    assert report["summary"]["in_sync"] == 1 and report["summary"]["drifted"] == 0
    (resource,) = report["resources"]
    ignored = {c["path"]: c for c in resource["ignored"]}
    assert {path: c["ignored_by"] for path, c in ignored.items()} == {
        "spec.replicas": ".drift.yaml ignore[0]",
        f"{DEPLOYMENT}.image": ".drift.yaml ignore[1]",
        RESTARTED_AT: ".drift.yaml ignore[2]",
    }
    assert ignored["spec.replicas"]["desired"] == 3 and ignored["spec.replicas"]["live"] == 5
    assert ignored[RESTARTED_AT]["type"] == "added"
    assert ignored[RESTARTED_AT]["attribution"]["manager"] == "kubectl-rollout"
    assert report["ignored_changes"] == 3


def test_text_report_counts_ignored_changes_on_its_last_line(all_ignored: Path) -> None:
    result = drift_action(all_ignored)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No drift: 1 in sync (1 resource)")
    assert result.stdout.splitlines()[-1] == "ignored: 3 changes (config rules)"
    assert "ignored by .drift.yaml ignore[0]: spec.replicas" in result.stdout


def test_without_a_config_the_same_changes_are_drift(all_ignored: Path) -> None:
    (all_ignored / ".drift.yaml").unlink()
    code, report = json_report(all_ignored)
    assert code == 1
    assert report["ignored_changes"] == 0
    assert len(report["resources"][0]["changes"]) == 3


# --- which config file -------------------------------------------------------------------------


@pytest.fixture
def two_configs(tmp_path: Path) -> Path:
    write_case(
        tmp_path,
        [deployment()],
        [deployment(replicas=5, image="ghcr.io/example/web:1.4.3-hotfix")],
    )
    (tmp_path / ".drift.yaml").write_text("ignore:\n  - jsonPointers: [/spec/replicas]\n")
    (tmp_path / "other.yaml").write_text(f'ignore:\n  - paths: ["{DEPLOYMENT}.image"]\n')
    return tmp_path


def test_drift_yaml_in_the_working_directory_is_used_by_default(two_configs: Path) -> None:
    code, report = json_report(two_configs)
    assert code == 1
    (resource,) = report["resources"]
    assert [c["path"] for c in resource["changes"]] == [f"{DEPLOYMENT}.image"]
    assert [c["ignored_by"] for c in resource["ignored"]] == [".drift.yaml ignore[0]"]


def test_config_option_picks_another_file_instead(two_configs: Path) -> None:
    code, report = json_report(two_configs, "--config", "other.yaml")
    assert code == 1
    (resource,) = report["resources"]
    assert [c["path"] for c in resource["changes"]] == ["spec.replicas"]
    assert [c["ignored_by"] for c in resource["ignored"]] == ["other.yaml ignore[0]"]


# --- severity rules ----------------------------------------------------------------------------

SEVERITY = """\
severity:
  - kind: ConfigMap
    name: web-config
    paths: [data.LOG_LEVEL]
    level: high
"""


@pytest.fixture
def two_configmaps(tmp_path: Path) -> Path:
    return write_case(
        tmp_path,
        [
            configmap("a-config", {"MODE": "fast"}),
            configmap("web-config", {"A_FIRST": "1", "LOG_LEVEL": "info"}),
        ],
        [
            configmap("a-config", {"MODE": "slow"}),
            configmap("web-config", {"A_FIRST": "2", "LOG_LEVEL": "debug"}),
        ],
    )


def ordering(report: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (r["name"], [(c["path"], c["severity"]) for c in r["changes"]]) for r in report["resources"]
    ]


def test_severity_rule_raises_a_change_and_sorts_it_first(two_configmaps: Path) -> None:
    _, before = json_report(two_configmaps)
    assert ordering(before) == [
        ("a-config", [("data.MODE", "medium")]),
        ("web-config", [("data.A_FIRST", "medium"), ("data.LOG_LEVEL", "medium")]),
    ]

    (two_configmaps / ".drift.yaml").write_text(SEVERITY)
    code, after = json_report(two_configmaps)
    assert code == 1
    assert ordering(after) == [
        ("web-config", [("data.LOG_LEVEL", "high"), ("data.A_FIRST", "medium")]),
        ("a-config", [("data.MODE", "medium")]),
    ]

    text = drift_action(two_configmaps).stdout
    assert text.index("ConfigMap shop/web-config") < text.index("ConfigMap shop/a-config")
    assert text.index('[high] data.LOG_LEVEL: "info" -> "debug"') < text.index(
        '[medium] data.A_FIRST: "1" -> "2"'
    )


# --- --explain ---------------------------------------------------------------------------------

CPU_PATH = f"{DEPLOYMENT}.resources.requests.cpu"


@pytest.fixture
def normalized(tmp_path: Path) -> Path:
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop"},
        "spec": {"resources": {"requests": {"storage": "1Gi"}}},
    }
    live_pvc = json.loads(json.dumps(pvc))
    live_pvc["spec"]["resources"]["requests"]["storage"] = "1024Mi"
    return write_case(
        tmp_path,
        [deployment(cpu="0.5"), pvc],
        [deployment(cpu="500m", replicas=5), live_pvc],
    )


def test_explain_adds_not_drift_lines_to_the_text_report(normalized: Path) -> None:
    plain = drift_action(normalized)
    assert plain.returncode == 1, plain.stderr
    assert "not drift" not in plain.stdout

    explained = drift_action(normalized, "--explain")
    assert explained.returncode == 1, explained.stderr
    lines = explained.stdout.splitlines()
    assert f"    not drift (quantity): {CPU_PATH}: 0.5 and 500m are the same quantity" in lines
    assert any(
        line.startswith("= PersistentVolumeClaim shop/data  [in sync]  git.yaml:") for line in lines
    )
    assert (
        "    not drift (quantity): spec.resources.requests.storage: "
        "1Gi and 1024Mi are the same quantity" in lines
    )
    assert "    [low] spec.replicas: 3 -> 5" in lines


def test_explain_adds_a_not_drift_list_to_the_markdown_report(normalized: Path) -> None:
    plain = drift_action(normalized, "--format", "markdown")
    assert "Not drift:" not in plain.stdout

    explained = drift_action(normalized, "--format", "markdown", "--explain")
    assert explained.returncode == 1, explained.stderr
    text = explained.stdout
    assert text.count("Not drift:") == 2  # the drifted Deployment and the in-sync PVC
    assert f"- `{CPU_PATH}`: 0.5 and 500m are the same quantity (quantity)" in text
    assert (
        "- `spec.resources.requests.storage`: 1Gi and 1024Mi are the same quantity (quantity)"
        in text
    )
    assert "<b>PersistentVolumeClaim shop/data</b>: in sync, with notes" in text


# --- config errors -----------------------------------------------------------------------------

BAD_CONFIG = """\
# rules for the shop
ignore:
  - kind: Deployment
    jsonPointer: [/spec/replicas]
"""


@pytest.mark.parametrize("name", [".drift.yaml", "conf/drift.yaml"])
def test_a_config_error_is_one_line_naming_file_and_line(tmp_path: Path, name: str) -> None:
    write_case(tmp_path, [deployment()], [deployment(replicas=5)])
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(BAD_CONFIG)
    args = ("--config", name) if name != ".drift.yaml" else ()

    result = drift_action(tmp_path, *args, "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"drift-action: error: {name}:4: ignore[0]: unknown key 'jsonPointer' "
        "(did you mean 'jsonPointers'?)"
    ]

    result = drift_action(tmp_path, *args, "--output-file", "report.md")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "report.md").exists()
