"""A Terraform plan's prior state as the base (issue 16): Helm releases, whose objects the plan
does not hold; plans that record no prior state; and bad input. The plan, plan-base.json, is
described in test_terraform_base.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, run_cli
from support.terraform_plans import addresses, one_document, plan_change

from drift_action.sources.base import Rendered
from drift_action.sources.helm.render import HelmRenderer
from drift_action.sources.terraform.source import TerraformRenderer, TerraformSpec

DATA = ROOT / "tests" / "data" / "terraform"
PLAN = DATA / "plan-base.json"
LIVE = DATA / "live-base.yaml"
HELM_PASSWORD = "R3dis-Pa55-9ZxQ"  # the helm_release's set_sensitive value
WITHOUT = "compared without the plan's prior state"


def _plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN.read_text())
    return data


def _render(path: Path) -> Rendered:
    return TerraformRenderer().render(TerraformSpec(str(path)))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to write plans in, the working directory (messages name `plan.json`)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _written(folder: Path, plan: dict[str, Any]) -> Path:
    """The plan written as plan.json beside a copy of the charts its helm_release renders."""
    shutil.copytree(DATA / "charts", folder / "charts", dirs_exist_ok=True)
    (folder / "plan.json").write_text(json.dumps(plan))
    return Path("plan.json")


# -- Helm releases ---------------------------------------------------------------------------------


def test_an_unchanged_helm_release_has_its_rendered_objects_as_base() -> None:
    rendered = _render(PLAN)
    assert rendered.base is not None
    heads = [d for d in rendered.documents if d.source.address == "helm_release.cache"]
    bases = [d for d in rendered.base if d.source.address == "helm_release.cache"]
    assert sorted(d.data["metadata"]["name"] for d in bases) == [
        "cache",
        "cache-auth",
        "cache-clients",
    ]
    assert bases == heads  # data, source (its template, at its address) and sensitive marks
    assert any(d.marks and d.marks.sensitive for d in bases)


def _counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = HelmRenderer.render_variants

    def counted(self: HelmRenderer, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HelmRenderer, "render_variants", counted)
    return calls


def test_a_changed_helm_release_stands_in_for_its_base_with_one_note(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _plan()
    after = plan_change(plan, "helm_release.cache")["after"]
    after["values"] = [*after["values"], "replicas: 2\n"]
    calls = _counting_renders(monkeypatch)
    rendered = _render(_written(here, plan))
    assert len(calls) == 1  # rendered once, at head
    assert rendered.base is not None
    heads = [d for d in rendered.documents if d.source.address == "helm_release.cache"]
    bases = [d for d in rendered.base if d.source.address == "helm_release.cache"]
    assert [d.data for d in bases] == [d.data for d in heads]
    assert [d.source for d in bases] == [d.source for d in heads]
    notes = [note for d in bases for note in d.warnings]
    assert notes == [
        "plan.json: helm_release.cache: the plan changes this Helm release and holds none of its "
        f"objects, so they are {WITHOUT} (what differs from the cluster reads as drift)"
    ]
    # Only a run that compares with the base says it: not among the source's warnings.
    assert not any(WITHOUT in w for w in rendered.warnings)
    assert not any(d.warnings for d in rendered.base if d.source.address != "helm_release.cache")


def test_a_created_helm_release_has_no_base(here: Path) -> None:
    plan = _plan()
    change = plan_change(plan, "helm_release.cache")
    change["actions"], change["before"], change["before_sensitive"] = ["create"], None, False
    rendered = _render(_written(here, plan))
    assert "helm_release.cache" in addresses(rendered.documents)
    assert "helm_release.cache" not in addresses(rendered.base)


def test_a_helm_release_planned_as_an_update_without_a_new_input_is_unchanged(
    here: Path,
) -> None:
    """Terraform plans an update when only an attribute that renders nothing changes."""
    plan = _plan()
    change = plan_change(plan, "helm_release.cache")
    change["actions"] = ["update"]
    change["after"]["timeout"] = 600
    rendered = _render(_written(here, plan))
    assert rendered.base is not None
    assert not any(d.warnings for d in rendered.base)


# -- what the plan does not record, and bad input --------------------------------------------------


def test_without_resource_changes_the_head_stands_in_with_one_note(here: Path) -> None:
    plan = json.loads((DATA / "plan-modules.json").read_text())
    del plan["resource_changes"], plan["resource_drift"]
    rendered = _render(_written(here, plan))
    assert rendered.base is not None
    assert [d.data for d in rendered.base] == [d.data for d in rendered.documents]
    assert [d.source for d in rendered.base] == [d.source for d in rendered.documents]
    notes = [note for d in rendered.base for note in d.warnings]
    assert notes == [
        f"plan.json: the plan has no resource_changes, so its objects are {WITHOUT}"
        " (what differs from the cluster reads as drift)"
    ]


def test_a_removed_block_that_forgets_an_object_gives_no_base(here: Path) -> None:
    plan = _plan()
    change = plan_change(plan, "kubernetes_manifest.worker")
    change["actions"], change["after"] = ["forget"], None
    plan["resource_drift"] = [e for e in plan["resource_drift"] if "worker" not in e["address"]]
    rendered = _render(_written(here, plan))
    assert "kubernetes_manifest.worker" not in addresses(rendered.base)
    assert "kubernetes_manifest.worker" not in addresses(rendered.documents)


def test_a_renamed_object_is_a_planned_deletion_and_a_planned_creation(here: Path) -> None:
    plan = _plan()
    change = plan_change(plan, "kubernetes_manifest.worker")
    change["actions"] = ["delete", "create"]
    change["after"]["manifest"]["metadata"]["name"] = "worker-v2"
    plan["resource_drift"] = []
    rendered = _render(_written(here, plan))
    assert (
        one_document(rendered.base, "kubernetes_manifest.worker").data["metadata"]["name"]
        == "worker"
    )
    head = one_document(rendered.documents, "kubernetes_manifest.worker")
    assert head.data["metadata"]["name"] == "worker-v2"


@pytest.mark.parametrize("section", ["resource_changes", "resource_drift"])
@pytest.mark.parametrize("value", ["x", 7, [1]], ids=["string", "number", "list"])
def test_an_unreadable_prior_state_leaves_the_head_standing_in_with_a_note(
    section: str, value: Any, here: Path
) -> None:
    plan = _plan()
    plan_change(plan, "kubernetes_deployment_v1.web", section)["before"] = value
    if section == "resource_changes":  # else the drift entry's prior state is the base
        plan["resource_drift"] = [e for e in plan["resource_drift"] if "web" not in e["address"]]
    rendered = _render(_written(here, plan))
    head = one_document(rendered.documents, "kubernetes_deployment_v1.web")
    base = one_document(rendered.base, "kubernetes_deployment_v1.web")
    # Never resource_changes' refreshed state in place of a drifted one: that would hide drift.
    assert base.data == head.data and base.source == head.source
    assert base.warnings == (
        "plan.json: kubernetes_deployment_v1.web: its prior state is not an object, so it is "
        f"{WITHOUT} (what differs from the cluster reads as drift)",
    )


def test_a_prior_state_that_names_no_object_says_so_without_a_value(here: Path) -> None:
    plan = _plan()
    before = plan_change(plan, "kubectl_manifest.secret")["before"]
    before["yaml_body"] = f"password: [{HELM_PASSWORD}\n"  # not YAML, and sensitive
    before["yaml_body_parsed"] = None
    rendered = _render(_written(here, plan))
    (note,) = one_document(rendered.base, "kubectl_manifest.secret").warnings
    assert note.startswith("plan.json: kubectl_manifest.secret: its yaml_body is not valid YAML")
    assert "in its prior state" in note and HELM_PASSWORD not in note


def test_a_sensitive_identity_in_the_prior_state_is_not_named(here: Path) -> None:
    plan = _plan()
    change = plan_change(plan, "kubernetes_secret_v1.credentials")
    change["before_sensitive"]["metadata"] = [{"name": True}]
    rendered = _render(_written(here, plan))
    (note,) = one_document(rendered.base, "kubernetes_secret_v1.credentials").warnings
    assert note == (
        "plan.json: kubernetes_secret_v1.credentials: its identity is sensitive in the plan, and a "
        f"report would have to name it in its prior state, so it is {WITHOUT} (what differs from "
        "the cluster reads as drift)"
    )


def test_a_deletion_whose_prior_state_is_unreadable_is_a_warning(here: Path) -> None:
    plan = _plan()
    plan_change(plan, "kubernetes_config_map_v1.legacy")["before"] = ["x"]
    rendered = _render(_written(here, plan))
    assert "kubernetes_config_map_v1.legacy" not in addresses(rendered.base)
    assert rendered.warnings == (
        "plan.json: kubernetes_config_map_v1.legacy: its prior state is not an object: its "
        "deletion is not compared",
    )


def test_the_cli_reports_as_before_and_keeps_the_base_notes_to_itself(here: Path) -> None:
    plan = _plan()
    plan_change(plan, "kubernetes_deployment_v1.web", "resource_drift")["before"] = "x"
    after = plan_change(plan, "helm_release.cache")["after"]
    after["values"] = [*after["values"], "replicas: 2\n"]
    _written(here, plan)
    result = run_cli("--terraform-plan", "plan.json", "--live-snapshot", str(LIVE), cwd=here)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert WITHOUT not in result.stderr + result.stdout
    assert "Deployment shop/web" in result.stdout
