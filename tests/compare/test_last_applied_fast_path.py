"""kubectl's last-applied record taken as the Git object without walking it, on real records.

`kubectl apply` records `"annotations": {}` when the manifest has none and the namespace it
applied in; so real records rarely equal the Git object. The fast path forgives exactly these
two, and nothing that could hide a field Git dropped. The real pairs are gitops-engine's and
Argo CD's (tests/data/realworld, see README.md there).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA

from drift_action.compare.normalize import LAST_APPLIED, comparable
from drift_action.compare.ownership import applied_not_in_desired
from drift_action.compare.verdicts import applied_as_is, compare
from drift_action.core.identity import canonical_group
from drift_action.core.model import ChangeType, KubeObject, ResourceKey, SourceLocation, Status

REALWORLD = DATA / "realworld"
GE = "argoproj__gitops-engine/pkg/diff/testdata"
AC = "argoproj__argo-cd/util/argo/testdata"
# Desired and live files whose record differs from Git only as kubectl writes it.
KUBECTL_RECORDS = [
    (f"{GE}/elasticsearch-config.json", f"{GE}/elasticsearch-live.json"),
    (f"{GE}/grafana-clusterrole-config.json", f"{GE}/grafana-clusterrole-live.json"),
    (f"{GE}/sealedsecret-config.json", f"{GE}/sealedsecret-live.json"),
    (f"{GE}/spinnaker-sa-config.json", f"{GE}/spinnaker-sa-live.json"),
    (f"{AC}/desired_validating_webhook.yaml", f"{AC}/live_validating_webhook.yaml"),
]


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _key(body: dict[str, Any]) -> ResourceKey:
    metadata = body["metadata"]
    group = canonical_group(body["apiVersion"], body["kind"])
    return ResourceKey(group, body["kind"], metadata.get("namespace") or "", metadata["name"])


def _record(live: dict[str, Any]) -> dict[str, Any]:
    record = json.loads(live["metadata"]["annotations"][LAST_APPLIED])
    assert isinstance(record, dict)
    return record


@pytest.mark.parametrize(("desired_file", "live_file"), KUBECTL_RECORDS)
def test_real_records_are_the_git_object(desired_file: str, live_file: str) -> None:
    desired, live = _load(REALWORLD / desired_file), _load(REALWORLD / live_file)
    key, record = _key(live), _record(live)
    assert record != desired  # what kubectl added: the old fast path walked these
    assert applied_as_is(record, desired, key)
    # And the walk it saves finds nothing on them.
    walked = applied_not_in_desired(
        key.kind,
        comparable(key, record, desired=True),
        comparable(key, live, desired=False),
        comparable(key, desired, desired=True),
    )
    assert walked == []


def _pair() -> tuple[dict[str, Any], dict[str, Any], ResourceKey]:
    desired, live = (_load(REALWORLD / name) for name in KUBECTL_RECORDS[0])
    return desired, live, _key(live)


def _with_record(live: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    live = copy.deepcopy(live)
    live["metadata"]["annotations"][LAST_APPLIED] = json.dumps(record)
    return live


def _verdict(desired: dict[str, Any], live: dict[str, Any], key: ResourceKey) -> Any:
    where = SourceLocation("test")
    want = KubeObject(key, desired["apiVersion"], desired, where)
    have = KubeObject(key, live["apiVersion"], live, where)
    [result] = compare([want], [have]).resources
    return result


def test_a_dropped_label_beside_kubectls_additions_is_still_found() -> None:
    desired, live, key = _pair()
    git = copy.deepcopy(desired)
    dropped = next(iter(git["metadata"]["labels"]))
    del git["metadata"]["labels"][dropped]
    record = _record(live)
    assert record["metadata"]["annotations"] == {} and "namespace" in record["metadata"]
    assert not applied_as_is(record, git, key)
    result = _verdict(git, live, key)
    assert result.status is Status.DRIFTED
    assert {(c.path_text, c.type) for c in result.changes} == {
        (f"metadata.labels.{dropped}", ChangeType.REMOVED)
    }


def test_only_kubectls_own_additions_are_forgiven() -> None:
    desired, live, key = _pair()
    record = _record(live)
    elsewhere = copy.deepcopy(record)
    elsewhere["metadata"]["namespace"] = "another"  # not where the object lives
    assert not applied_as_is(elsewhere, desired, key)
    annotated = copy.deepcopy(desired)
    annotated["metadata"]["annotations"] = {"team": "search"}  # Git added it since the apply
    assert not applied_as_is(record, annotated, key)
    non_empty = copy.deepcopy(record)
    non_empty["metadata"]["annotations"] = {"team": "search"}  # Git dropped it since
    assert not applied_as_is(non_empty, desired, key)
    result = _verdict(desired, _with_record(live, non_empty), key)
    assert result.status is Status.IN_SYNC  # not live: nothing to report


def test_a_record_without_metadata_is_walked() -> None:
    desired, _, key = _pair()
    assert not applied_as_is({"kind": desired["kind"]}, desired, key)
