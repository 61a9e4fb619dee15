from __future__ import annotations

import pytest

from drift_action.errors import InputError
from drift_action.yaml_docs import parse_documents


def test_documents_remember_their_start_line() -> None:
    text = "# header\napiVersion: v1\nkind: A\n---\n\n---\n# note\napiVersion: v1\nkind: B\n"
    docs = parse_documents(text, "m.yaml")
    assert [(d.data and d.data["kind"], d.source.line) for d in docs if d.data] == [
        ("A", 2),
        ("B", 8),
    ]
    assert all(d.source.file == "m.yaml" for d in docs)


def test_empty_documents_come_back_as_none() -> None:
    docs = parse_documents("---\n---\n# only a comment\n", "m.yaml")
    assert [d.data for d in docs] == [None, None]


def test_list_items_get_their_own_lines() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n- kind: A\n  apiVersion: v1\n- kind: B\n  apiVersion: v1\n"
    (doc,) = parse_documents(text, "l.yaml")
    assert doc.item_lines == (4, 6)


def test_json_list_items_get_their_own_lines() -> None:
    text = '{\n  "kind": "List",\n  "apiVersion": "v1",\n  "items": [\n    {"kind": "A"},\n    {"kind": "B"}\n  ]\n}\n'
    (doc,) = parse_documents(text, "l.json", is_json=True)
    assert doc.data["items"] == [{"kind": "A"}, {"kind": "B"}]
    assert doc.item_lines == (5, 6)


def test_malformed_yaml_names_file_and_line() -> None:
    with pytest.raises(InputError) as err:
        parse_documents("apiVersion: v1\nkind: A\nmetadata:\n  name: [x\n  other: y\n", "bad.yaml")
    message = str(err.value)
    assert message.startswith("bad.yaml:")
    assert err.value.line is not None and 4 <= err.value.line <= 6
    assert "invalid YAML" in message
    assert "\n" not in message


def test_malformed_json_names_file_and_line() -> None:
    with pytest.raises(InputError) as err:
        parse_documents('{\n  "kind": "A",\n  "x": \n}\n', "bad.json", is_json=True)
    assert str(err.value).startswith("bad.json:4: invalid JSON")


def test_python_tags_are_refused_not_executed() -> None:
    with pytest.raises(InputError) as err:
        parse_documents("a: !!python/object/apply:os.system ['true']\n", "evil.yaml")
    assert "evil.yaml:1" in str(err.value)


def test_deep_nesting_is_an_input_error() -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError) as err:
        parse_documents(text, "deep.json", is_json=True)
    assert "deep.json" in str(err.value)
