"""The realistic Terraform plan (tests/data/terraform/plan-modules.json) and its live snapshot,
with their sensitive values replaced: the Terraform leak test and the every-route secrets test
put random values everywhere a plan holds sensitive ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from drift_action.core.model import Document
from support import DATA as TEST_DATA
from support.leaks import b64

DATA = TEST_DATA / "terraform"

# The fixture's own sensitive values, replaced in each example.
TOKEN_GIT, TOKEN_LIVE = "tok-Q7f9Zr2LmX", "tok-LIVE-8Hw3Kd1"
SECRET_GIT, SECRET_HAND = "Sup3r-S3cret-Pa55", "Changed-By-Hand-77"
HELM_PASSWORD, HELM_LIVE = "R3dis-Pa55-9ZxQ", "0ld-Pa55-Live"
KUBECTL_PASSWORD = "K8s-Kubectl-Pa55"
ANNOTATION = "example.com/webhook-token"
ANNOTATION_GIT, ANNOTATION_LIVE = "Ann0tation-Secret-1", "Ann0tation-Live-2"


@dataclass(frozen=True)
class Values:
    token_git: str
    token_live: str
    secret_git: str
    secret_hand: str
    helm_password: str
    helm_live: str
    kubectl_password: str
    annotation_git: str
    annotation_live: str

    def all(self) -> list[str]:
        return list(vars(self).values())


def _replace(text: str, old: str, new: str) -> str:
    return text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])


def plan_with(values: Values) -> dict[str, Any]:
    text = (DATA / "plan-modules.json").read_text()
    for old, new in (
        (TOKEN_GIT, values.token_git),
        (TOKEN_LIVE, values.token_live),
        (SECRET_GIT, values.secret_git),
        (SECRET_HAND, values.secret_hand),
        (HELM_PASSWORD, values.helm_password),
        (b64(KUBECTL_PASSWORD), b64(values.kubectl_password)),
    ):
        text = _replace(text, old, new)
    plan: dict[str, Any] = json.loads(text)
    for section in ("resource_changes", "resource_drift"):
        for entry in plan[section]:
            if entry["address"] != "kubectl_manifest.certificate[0]":
                continue
            for side in ("before", "after"):
                attributes = entry["change"][side]
                attributes["sensitive_fields"] = [f"metadata.annotations.{ANNOTATION}"]
                for key, value in (
                    ("yaml_body", values.annotation_git),
                    ("yaml_body_parsed", "(sensitive value)"),
                ):
                    body = yaml.safe_load(attributes[key])
                    body["metadata"]["annotations"] = {ANNOTATION: value}
                    attributes[key] = yaml.safe_dump(body)
    return plan


def live_with(values: Values) -> dict[str, Any]:
    snapshot: dict[str, Any] = yaml.safe_load((DATA / "live-modules.yaml").read_text())
    for item in snapshot["items"]:
        kind, name = item["kind"], item["metadata"]["name"]
        if (kind, name) == ("Deployment", "web"):
            env = item["spec"]["template"]["spec"]["containers"][0]["env"]
            env[1]["value"] = values.token_live
        elif (kind, name) == ("Secret", "credentials"):
            item["data"]["password"] = b64(values.secret_hand)
        elif (kind, name) == ("Secret", "kubectl-secret"):
            item["data"]["password"] = b64(values.kubectl_password)
        elif (kind, name) == ("Secret", "cache-auth"):
            item["data"]["password"] = b64(values.helm_password)
        elif (kind, name) == ("ConfigMap", "cache-clients"):
            item["data"]["REDIS_URL"] = f"redis://:{values.helm_live}@cache:6379/0"
        elif (kind, name) == ("Certificate", "shop-tls"):
            item["metadata"]["annotations"] = {ANNOTATION: values.annotation_live}
    return snapshot


def plan_change(plan: dict[str, Any], address: str, section: str = "resource_changes") -> Any:
    """The `change` of the entry at `address` in a plan's `section`."""
    return next(e for e in plan[section] if e["address"] == address)["change"]


def one_document(documents: tuple[Document, ...] | None, address: str, name: str = "") -> Document:
    """The one document from the resource at `address` (and named `name`, when given)."""
    assert documents is not None
    (found,) = [
        d
        for d in documents
        if d.source.address == address and (not name or d.data["metadata"]["name"] == name)
    ]
    return found


def addresses(documents: tuple[Document, ...] | None) -> set[str]:
    assert documents is not None
    return {str(d.source.address) for d in documents}
