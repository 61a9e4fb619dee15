"""The JSON report's encoder writes exactly what `json.dumps(indent=2, ensure_ascii=False)` does."""

from __future__ import annotations

import json
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drift_action.report.json_text import dumps


def reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


keys = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**80)
    | st.floats()  # NaN, infinities, 1e-05, -0.0
    | st.text()  # control characters, non-ASCII, lone surrogates
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(keys, inner, max_size=4)
    ),
    max_leaves=30,
)


@given(values)
@settings(max_examples=500)
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert dumps(value) == reference(value)


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


def test_subclasses_of_str_and_int_as_json_dumps_writes_them() -> None:
    value = {"c": Colour.RED, "l": Level.HIGH, Level.HIGH: [Colour.RED]}
    assert dumps(value) == reference(value)


@pytest.mark.parametrize("value", [{"a": {1, 2}}, [object()], {(1, 2): "tuple key"}])
def test_what_json_dumps_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        reference(value)
    with pytest.raises(TypeError):
        dumps(value)
