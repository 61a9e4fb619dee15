"""A Terraform plan as its own base: its prior state (resource_drift's before, else
resource_changes' before) against its planned values, with the cluster or Terraform's view."""

from __future__ import annotations

import json

import pytest
from support import DATA, run_cli
from support.pr_repo import classes

PLAN = DATA / "terraform" / "plan-base.json"  # see tests/data/terraform/README.md
LIVE = DATA / "terraform" / "live-base.yaml"


@pytest.mark.parametrize("base", [("--base", "."), ("--base-ref", "HEAD")])
def test_drift_and_planned_from_the_plan_against_the_cluster(base: tuple[str, str]) -> None:
    result = run_cli(
        "--terraform-plan", str(PLAN), "--live-snapshot", str(LIVE), *base, "-o", "json"
    )
    assert result.returncode == 1, result.stderr  # the hand-scaled replicas fail
    document = json.loads(result.stdout)
    assert document["base"] == "the plan's prior state"  # no checkout was made
    found = classes(document)
    # resource_drift: replicas scaled by hand (drift); resource_changes: the image bump.
    assert found["Deployment web"] == (
        "drifted",
        "drift",
        {"replicas": "drift", "image": "planned"},
    )
    assert found["Deployment worker"] == ("drifted", "drift", {"replicas": "drift"})
    assert found["ConfigMap flags"] == ("missing", "planned", {})  # create
    assert found["ConfigMap legacy"] == ("extra", "planned", {})  # delete
    assert found["Secret credentials"] == ("drifted", "planned", {"password": "planned"})
    assert document["summary"]["planned"] == 4


def test_drift_and_planned_from_terraform_s_own_view() -> None:
    result = run_cli("--terraform-plan", str(PLAN), "--live-from-terraform", "--base", ".",
                     "-o", "json")  # fmt: skip
    assert result.returncode == 1, result.stderr
    found = classes(json.loads(result.stdout))
    assert found["Deployment web"] == (
        "drifted",
        "drift",
        {"replicas": "drift", "image": "planned"},
    )
    assert found["ConfigMap flags"] == ("missing", "planned", {})
    # A Helm release's objects have no view in the plan: left out, as without a base.
    assert not any("cache" in name for name in found)
    assert "helm_release.cache" in result.stderr
