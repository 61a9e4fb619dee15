from __future__ import annotations

from typing import Any

import yaml

from drift_action.sources.string_fields import non_strings


def fields(text: str) -> dict[str, Any]:
    body = yaml.safe_load(text)
    return dict(non_strings(body["kind"], body))


def test_labels_annotations_and_data() -> None:
    found = fields(
        """
kind: ConfigMap
metadata:
  name: c
  labels: {enabled: yes, tier: web, version: 1.10}
  annotations: {count: 010}
data: {debug: off, name: x, port: 8080}
"""
    )
    assert found == {
        "metadata.labels.enabled": True,
        "metadata.labels.version": 1.1,
        "metadata.annotations.count": 8,
        "data.debug": False,
        "data.port": 8080,
    }


def test_pod_templates_in_every_workload() -> None:
    template = """
      metadata: {labels: {canary: on}}
      spec:
        nodeSelector: {gpu: true}
        containers:
        - name: app
          args: ["--port", 8080]
          env: [{name: A, value: "1"}, {name: B, value: 2}, {name: C, valueFrom: {}}]
        initContainers:
        - {name: init, command: [sh, -c, 1]}
"""
    deployment = fields(
        "kind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {on: x}}\n"
        "  template:" + template
    )
    assert deployment == {
        "spec.template.metadata.labels.canary": True,
        "spec.template.spec.nodeSelector.gpu": True,
        "spec.template.spec.containers[0].args[1]": 8080,
        "spec.template.spec.containers[0].env[1].value": 2,
        "spec.template.spec.initContainers[0].command[2]": 1,
    }
    cron = fields(
        "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n"
        "      template:" + template.replace("\n      ", "\n          ")
    )
    assert "spec.jobTemplate.spec.template.spec.containers[0].env[1].value" in cron


def test_strings_nulls_and_other_kinds_pass() -> None:
    assert fields("kind: ConfigMap\nmetadata: {name: c, labels: {a: 'on'}}\ndata: {x: null}") == {}
    assert fields("kind: Widget\nmetadata: {name: w}\nspec: {data: {enabled: true}}") == {}
