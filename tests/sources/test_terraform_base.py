"""A Terraform plan's prior state as the base of a three-way comparison (issue 16): what the
base holds. test_terraform_base_edges.py has Helm releases, plans that record no prior state,
and bad input.

tests/data/terraform/plan-base.json is a pull request's plan: it bumps the image of
`kubernetes_deployment_v1.web` (which somebody also scaled by hand, seen in resource_drift),
leaves `kubernetes_manifest.worker` as it is (scaled by hand too), creates
`kubernetes_config_map_v1.flags`, deletes `kubernetes_config_map_v1.legacy`, changes the
sensitive password of `kubernetes_secret_v1.credentials`, and keeps a `kubectl_manifest` and a
`helm_release` with a local chart. tests/data/terraform/live-base.yaml is the cluster then.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from support import ROOT
from support.leaks import b64
from support.terraform_plans import addresses, one_document, plan_change

from drift_action.compare.verdicts import compare
from drift_action.core.model import Document, ResourceResult, SourceLocation, Status
from drift_action.core.objects import collect, desired_objects, learn_scopes, live_objects
from drift_action.core.scope import ScopeResolver
from drift_action.live.snapshot import read_snapshots
from drift_action.sources.base import Rendered
from drift_action.sources.terraform.source import TerraformRenderer, TerraformSpec

DATA = ROOT / "tests" / "data" / "terraform"
PLAN = DATA / "plan-base.json"
LIVE = DATA / "live-base.yaml"
SEED = ROOT / "examples" / "terraform" / "plan.json"
SHOWN = os.path.relpath(PLAN)
OLD_IMAGE, NEW_IMAGE = "ghcr.io/example/shop-web:1.4.2", "ghcr.io/example/shop-web:1.4.3"
TOKEN = "tok-Pr10r-S3ns1tive"
OLD_PASSWORD, NEW_PASSWORD = "0ld-Pa55word-41", "N3w-Pa55word-42"


def _plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN.read_text())
    return data


def _render(path: Path) -> Rendered:
    return TerraformRenderer().render(TerraformSpec(str(path)))


def _container(document: Document) -> dict[str, Any]:
    container: dict[str, Any] = document.data["spec"]["template"]["spec"]["containers"][0]
    return container


# -- what the base holds --------------------------------------------------------------------------


def test_an_update_has_the_prior_state_as_base_and_the_planned_values_as_head() -> None:
    rendered = _render(PLAN)
    base = one_document(rendered.base, "kubernetes_deployment_v1.web")
    head = one_document(rendered.documents, "kubernetes_deployment_v1.web")
    assert _container(base)["image"] == OLD_IMAGE
    assert _container(head)["image"] == NEW_IMAGE
    # Scaled by hand from 3 to 5: resource_changes' before holds the refreshed 5, resource_drift's
    # before what Terraform last applied. The base is the latter, as the head: drift, not a plan.
    assert (
        plan_change(_plan(), "kubernetes_deployment_v1.web")["before"]["spec"][0]["replicas"] == "5"
    )
    assert base.data["spec"]["replicas"] == head.data["spec"]["replicas"] == 3
    # Apart from the image, the base is the head: read by the same code from the same shapes.
    unbumped = copy.deepcopy(head.data)
    unbumped["spec"]["template"]["spec"]["containers"][0]["image"] = OLD_IMAGE
    assert base.data == unbumped
    assert base.source == head.source == SourceLocation(SHOWN, None, "kubernetes_deployment_v1.web")
    assert base.marks is not None and head.marks is not None
    assert base.marks.hint == head.marks.hint and "terraform apply" in base.marks.hint
    assert base.marks.defaults == head.marks.defaults  # the provider's defaults, read alike
    assert base.marks.unknown == frozenset()


def test_a_hand_edit_seen_by_the_refresh_leaves_base_and_head_alike() -> None:
    rendered = _render(PLAN)
    base = one_document(rendered.base, "kubernetes_manifest.worker")
    head = one_document(rendered.documents, "kubernetes_manifest.worker")
    assert base.data == head.data
    assert base.data["spec"]["replicas"] == 2  # the live 5 is drift
    assert base.source == head.source == SourceLocation(SHOWN, None, "kubernetes_manifest.worker")


def test_a_created_object_has_no_base_and_a_deleted_one_no_head() -> None:
    rendered = _render(PLAN)
    assert "kubernetes_config_map_v1.flags" in addresses(rendered.documents)
    assert "kubernetes_config_map_v1.flags" not in addresses(rendered.base)
    assert "kubernetes_config_map_v1.legacy" not in addresses(rendered.documents)
    legacy = one_document(rendered.base, "kubernetes_config_map_v1.legacy")
    assert legacy.data == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "legacy", "namespace": "shop"},
        "data": {"MODE": "manual"},
        "immutable": False,  # the provider's default, marked so
    }
    assert legacy.marks is not None and legacy.marks.defaults == {("immutable",)}
    assert legacy.source == SourceLocation(SHOWN, None, "kubernetes_config_map_v1.legacy")


def test_every_kept_object_has_one_base_document_at_the_same_source() -> None:
    rendered = _render(PLAN)
    assert rendered.base is not None
    heads = {(d.source, d.data["kind"], d.data["metadata"]["name"]) for d in rendered.documents}
    bases = {(d.source, d.data["kind"], d.data["metadata"]["name"]) for d in rendered.base}
    assert len(bases) == len(rendered.base)
    assert heads - bases == {
        (SourceLocation(SHOWN, None, "kubernetes_config_map_v1.flags"), "ConfigMap", "flags")
    }
    assert bases - heads == {
        (SourceLocation(SHOWN, None, "kubernetes_config_map_v1.legacy"), "ConfigMap", "legacy")
    }
    assert all(not d.warnings for d in rendered.base)  # every prior state was read
    assert rendered.warnings == ()


def test_what_either_side_marks_sensitive_is_hidden_on_both() -> None:
    rendered = _render(PLAN)
    base = one_document(rendered.base, "kubernetes_secret_v1.credentials")
    assert base.data["data"]["password"] == b64(OLD_PASSWORD)
    assert base.marks is not None and ("data",) in base.marks.sensitive
    assert b64(OLD_PASSWORD) in base.marks.secrets
    head = one_document(rendered.documents, "kubernetes_secret_v1.credentials")
    assert head.marks is not None and b64(OLD_PASSWORD) in head.marks.secrets
    assert b64(NEW_PASSWORD) in base.marks.secrets  # and the head's, on both sides
    # The token was sensitive when last applied (before_sensitive) and is no longer: both sides
    # still hide it.
    token = ("spec", "template", "spec", "containers", 0, "env", 2, "value")
    web = _plan()["resource_changes"][0]["change"]
    assert web["after_sensitive"] != web["before_sensitive"]
    for documents in (rendered.base, rendered.documents):
        document = one_document(documents, "kubernetes_deployment_v1.web")
        assert _container(document)["env"][2] == {"name": "API_TOKEN", "value": TOKEN}
        assert document.marks is not None and token in document.marks.sensitive
        assert TOKEN in document.marks.secrets


def test_a_kubectl_manifest_base_is_read_from_its_yaml_body_with_its_marks() -> None:
    rendered = _render(PLAN)
    base = one_document(rendered.base, "kubectl_manifest.secret")
    head = one_document(rendered.documents, "kubectl_manifest.secret")
    assert base.data == head.data and base.data["kind"] == "Secret"
    assert base.marks is not None and head.marks is not None
    assert base.marks.sensitive == head.marks.sensitive != frozenset()


def test_the_seed_example_is_drift_with_a_base() -> None:
    """`kubectl scale --replicas=5` under `replicas = 3`: base and head say 3."""
    rendered = _render(SEED)
    (base,) = rendered.base or ()
    (head,) = rendered.documents
    assert base.data == head.data and base.data["spec"]["replicas"] == 3
    assert base.source == head.source


# -- the three states compared ---------------------------------------------------------------------


def _objects(documents: tuple[Document, ...] | None) -> Any:
    raw, _ = collect(documents or (), strict=False)
    scopes = ScopeResolver()
    learn_scopes(scopes, raw, ())
    objects, _ = desired_objects([(obj, "default") for obj in raw], scopes)
    return objects


def _changes(results: tuple[ResourceResult, ...], name: str) -> dict[str, Any]:
    (result,) = [r for r in results if r.key.name == name]
    return {change.path_text: (change.desired, change.live) for change in result.changes}


def test_base_head_and_live_compared_pairwise_give_each_class_its_fields() -> None:
    """What the three-way classification reads: base against live, head against base."""
    rendered = _render(PLAN)
    live, _ = live_objects(read_snapshots((str(LIVE),))[0])
    base, head = _objects(rendered.base), _objects(rendered.documents)
    base_live = compare([b for b in base if b.key.name != "cache"], live).resources
    image = "spec.template.spec.containers[name=web].image"
    # web: the image is planned (base == live), the replicas drift (base == head != live).
    assert _changes(base_live, "web") == {"spec.replicas": (3, 5)}
    assert _changes(compare(head, live).resources, "web") == {
        image: (NEW_IMAGE, OLD_IMAGE),
        "spec.replicas": (3, 5),
    }
    head_base = compare(head, base).resources
    assert _changes(head_base, "web") == {image: (NEW_IMAGE, OLD_IMAGE)}
    assert _changes(base_live, "worker") == {"spec.replicas": (2, 5)}
    assert _changes(head_base, "worker") == {}
    # The password is planned: the base holds the live one.
    assert _changes(base_live, "credentials") == {}
    assert set(_changes(head_base, "credentials")) == {"data.password"}
    statuses = {r.key.name: r.status for r in base_live}
    assert statuses["legacy"] is Status.IN_SYNC  # a planned deletion of what is live
    assert "flags" not in statuses  # a planned creation: no base
