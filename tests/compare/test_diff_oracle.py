"""The desired-driven diff walk gives exactly what the former dictdiffer-based diff gave."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from support.reference_diff import FieldDiff as ReferenceDiff

from drift_action.compare.diff import UNORDERED, FieldDiff
from drift_action.compare.merge_keys import HAND_TABLE, SCHEMA_MAP, SCHEMA_SET
from drift_action.live.quantity import parse_quantity

names = st.sampled_from(["a", "b", "web", "side"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from(["", "x", "100m", "0.1", "1Gi", "1024Mi", float("nan"), 1.0]),
)


def leaf_maps(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(["name", "image", "value", "port", "cpu", "memory", "x", "y"])
    return st.dictionaries(keys, values, max_size=4)


values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | leaf_maps(inner)
        | st.fixed_dictionaries({"limits": leaf_maps(scalars)})
    ),
    max_leaves=12,
)
containers = st.lists(
    st.fixed_dictionaries(
        {"name": names},
        optional={
            "image": st.sampled_from(["nginx", "nginx:1.2", None]),
            "env": st.lists(st.fixed_dictionaries({"name": names}, optional={"value": scalars})),
            "ports": st.lists(
                st.fixed_dictionaries(
                    {"containerPort": st.sampled_from([80, 443])},
                    optional={"protocol": st.sampled_from(["TCP", "UDP"])},
                ),
                max_size=2,
            ),
            "resources": st.fixed_dictionaries({}, optional={"limits": leaf_maps(scalars)}),
            "args": st.lists(st.sampled_from(["-v", "--x"]), max_size=2),
            "extra": values,
        },
    ),
    max_size=3,
)
deployments = st.fixed_dictionaries(
    {},
    optional={
        "metadata": st.fixed_dictionaries({}, optional={"labels": leaf_maps(scalars)}),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "replicas": scalars,
                "template": st.fixed_dictionaries(
                    {"spec": st.fixed_dictionaries({}, optional={"containers": containers})}
                ),
                "other": values,
            },
        ),
        "data": leaf_maps(values),
    },
)


def both(kind: str, want: Any, have: Any) -> None:
    new, old = FieldDiff(kind, parse_quantity), ReferenceDiff(kind, parse_quantity)
    assert new.changes(want, have) == old.changes(want, have)
    # The former diff knew no schema: the notes saying a list matched by its schema's keys are new.
    notes = [n for n in new.notes if n.rule not in (SCHEMA_MAP, SCHEMA_SET, HAND_TABLE)]
    assert sorted(map(repr, notes)) == sorted(map(repr, old.notes))
    assert new.warnings == old.warnings


@settings(max_examples=400, deadline=None)
@given(deployments, deployments)
def test_random_deployments(want: dict[str, Any], have: dict[str, Any]) -> None:
    both("Deployment", want, have)


@settings(max_examples=200, deadline=None)
@given(deployments)
def test_live_with_defaults_added(want: dict[str, Any]) -> None:
    have: dict[str, Any] = {**want, "status": {"replicas": 1}}
    spec = have.get("spec")
    if isinstance(spec, dict):
        have["spec"] = {**spec, "revisionHistoryLimit": 10, "replicas": 5}
    both("Deployment", want, have)


addresses = st.lists(
    st.fixed_dictionaries({"ip": st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"])}),
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(addresses, addresses)
def test_unordered_lists(want: list[Any], have: list[Any]) -> None:
    new = FieldDiff("Endpoints", parse_quantity)
    old = ReferenceDiff("Endpoints", parse_quantity)
    wanted = {"subsets": [{"addresses": want}]}
    live = {"subsets": [{"addresses": have}]}
    assert new.changes(wanted, live) == old.changes(wanted, live)
    # Identical lists are settled by equality before any reordering is tried: no note needed.
    expected = [n for n in old.notes if not (n.rule == UNORDERED and want == have)]
    assert sorted(map(repr, new.notes)) == sorted(map(repr, expected))
