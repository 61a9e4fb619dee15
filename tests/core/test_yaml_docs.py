from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import DATA
from support.yaml_bombs import LAUGHS

from drift_action import cli
from drift_action.core import yaml_docs
from drift_action.core.bounds import MAX_NESTING
from drift_action.core.errors import InputError
from drift_action.core.yaml_docs import parse_documents


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


# The fast event-built path must give exactly what PyYAML's safe loader gives.

import datetime  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from drift_action.core.yaml_build import Unsupported, build_documents  # noqa: E402
from drift_action.core.yaml_docs import DataLoader  # noqa: E402


def safe_loaded(text: str) -> list[object]:
    # PyYAML's safe loader, with dates and times kept as the strings they are written as.
    return list(yaml.load_all(text, Loader=DataLoader))


@pytest.mark.parametrize(
    "text",
    [
        "on: yes\noff: No\nx: ~\ny: null\nz:\n",
        "octal: 010\nhex: 0x1F\nsexagesimal: 1:20\nfloat: 1e3\ninf: .inf\nunderscore: 1_000\n",
        "date: 2024-01-02\nstamp: 2024-01-02T03:04:05Z\n",
        "quoted: 'yes'\ndouble: \"010\"\nblock: |\n  a\n  b\nfolded: >\n  c\n  d\n",
        "flow: {a: [1, 2, {b: c}], d: []}\nempty: {}\n",
        "- 1\n- two\n- [3]\n",
        "plain scalar document\n",
        "---\n---\na: 1\n...\n---\n- x\n",
        'nonspecific: ! 12\nkey with spaces: "v"\n"quoted key": 1\n',
        "1: int key\ntrue: bool key\n3.5: float key\n",
        "dup: 1\ndup: 2\n",
    ],
)
def test_the_fast_path_agrees_with_the_safe_loader(text: str) -> None:
    assert [doc.data for doc in build_documents(text)] == safe_loaded(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",
        "a: !!str 12\n",
        "a: !!binary aGVsbG8=\n",
        "? [1, 2]\n: list key\n",
        "a: =\n",
    ],
)
def test_features_beyond_plain_manifests_take_the_full_loader(text: str) -> None:
    with pytest.raises(Unsupported):
        build_documents(text)


def test_anchors_and_merge_keys_still_load() -> None:
    (doc,) = parse_documents("base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n", "m.yaml")
    assert doc.data == {"base": {"x": 1}, "merged": {"x": 1, "y": 2}}


def test_unknown_tags_are_still_refused_with_a_line() -> None:
    with pytest.raises(InputError) as err:
        parse_documents("a: 1\nb: !Ref thing\n", "cfn.yaml")
    assert str(err.value).startswith("cfn.yaml:2:")


def test_list_item_lines_on_the_full_loader_path_too() -> None:
    text = "apiVersion: v1\nkind: List\nx: &a 1\nitems:\n- kind: A\n- kind: B\n  n: *a\n"
    (doc,) = parse_documents(text, "l.yaml")
    assert doc.item_lines == (5, 6)
    assert doc.data["items"][1]["n"] == 1


def test_every_yaml_fixture_parses_alike_both_ways() -> None:
    files = [p for p in DATA.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")]
    assert len(files) > 50
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            expected = safe_loaded(text)
        except yaml.YAMLError:
            continue  # Helm templates and deliberately broken files
        try:
            fast = [doc.data for doc in build_documents(text)]
        except Unsupported:
            continue
        assert fast == expected, path
        checked += 1
    assert checked > 50


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.sampled_from(["yes", "no", "on", "off", "010", "0x1F", "1:20", "~", "", "2024-01-02"]),
    st.dates(min_value=datetime.date(1900, 1, 1)),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([None, False, True]))
def test_any_dumped_data_reads_back_alike(data: object, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert [doc.data for doc in build_documents(text)] == safe_loaded(text)


def test_json_list_item_lines_with_awkward_spacing() -> None:
    text = '\n{"items" :\n[\n{"a": 1} ,\n\n {"b": [1,\n2]}],"kind":"List"}  \n'
    (doc,) = parse_documents(text, "l.json", is_json=True)
    assert doc.data == {"items": [{"a": 1}, {"b": [1, 2]}], "kind": "List"}
    assert doc.item_lines == (4, 6)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1,}', '{"a" 1}', '{"a": 1} x', "{'a': 1}", '{"items": [1 2]}', "[1, 2]x", "{"],
)
def test_json_errors_match_the_standard_decoder(text: str) -> None:
    import json

    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(InputError) as err:
        parse_documents(text, "bad.json", is_json=True)
    assert str(err.value).startswith("bad.json:1: invalid JSON")


def test_an_alias_bomb_is_refused_quickly_with_its_line() -> None:
    with pytest.raises(InputError) as err:
        parse_documents(LAUGHS, "bomb.yaml")
    message = str(err.value)
    assert message.startswith("bomb.yaml:")
    assert "alias bomb" in message


def test_a_few_reused_anchors_are_fine() -> None:
    text = "d: &d {cpu: 1, memory: 1Gi}\n" + "".join(f"c{i}: *d\n" for i in range(50))
    (doc,) = parse_documents(text, "ok.yaml")
    assert doc.data["c49"] == {"cpu": 1, "memory": "1Gi"}


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(InputError) as err:
        parse_documents("spec:\n  x: &loop\n    - *loop\n", "loop.yaml")
    assert str(err.value).startswith("loop.yaml:")
    assert "contains it" in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "metadata:\n  name: a\n  labels: {x: 1}\n  name: b\n",  # the fast path
        "metadata: &m\n  name: a\n  name: b\nother: *m\n",  # the safe loader's path
    ],
)
def test_duplicate_keys_warn_with_their_line_and_the_last_wins(text: str) -> None:
    (doc,) = parse_documents(text, "dup.yaml")
    assert doc.data["metadata"]["name"] == "b"
    assert doc.warnings == (
        "dup.yaml:4: duplicate key 'name' in a mapping: the last value is used "
        "(kubectl apply refuses such a manifest)"
        if "labels" in text
        else "dup.yaml:3: duplicate key 'name' in a mapping: the last value is used "
        "(kubectl apply refuses such a manifest)",
    )


def test_repeated_merge_keys_are_not_duplicates() -> None:
    text = "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n"
    (doc,) = parse_documents(text, "merge.yaml")
    assert doc.warnings == ()


# Deep nesting: our limit (MAX_NESTING levels of lists and mappings), whichever reader counts
# it first. libyaml stops at 1,000 levels of its own, and looks up to 1,024 characters ahead of
# the events within a line, so on `[[[[...` its limit trips first; without libyaml, Python's
# recursion limit does. Either way the message is ours, at the line where level 201 opens.
TOO_DEEP = f"invalid YAML: nesting is too deep (more than {MAX_NESTING} levels)"


def _block(levels: int, top: str = "") -> str:
    """`levels` mappings nested by indentation, one a line, below `top`'s lines."""
    return top + "".join("  " * i + "k:\n" for i in range(levels)) + "  " * levels + "v\n"


def _error(text: str, file: str = "deep.yaml") -> InputError:
    with pytest.raises(InputError) as err:
        parse_documents(text, file)
    return err.value


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("a: " + "[" * 100_000 + "]" * 100_000, 1, id="flow, libyaml's limit first"),
        pytest.param("a: " + "{b: " * 100_000, 1, id="flow mappings"),
        pytest.param("x: 1\na: " + "[" * 150 + "\n" + "[" * 2000, 3, id="past the limit on line 3"),
        pytest.param(_block(1500, "x: 1\n"), 2 + MAX_NESTING, id="block, one level a line"),
        pytest.param("- " * 5000 + "x\n", 1, id="block sequences on one line"),
        # An anchor sends the text to the safe loader, which composes a document before its
        # nesting is counted: libyaml's limit, or ours after composing, trips.
        pytest.param(_block(1500, "x: &x 1\n"), 2 + MAX_NESTING, id="safe loader, libyaml first"),
        pytest.param("x: &x 1\na: " + "[" * 500 + "]" * 500, 2, id="safe loader, ours first"),
        pytest.param(
            "a: &a " + "[" * 150 + "]" * 150 + "\nb:\n  " + "[" * 100 + "*a" + "]" * 100,
            3,
            id="an alias nested deep",
        ),
    ],
)
def test_deeply_nested_yaml_is_an_input_error(text: str, line: int) -> None:
    error = _error(text)
    assert str(error) == f"deep.yaml:{line}: {TOO_DEEP}"
    assert error.line == line


def test_the_line_is_ours_without_libyaml_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's own loader has no limit: Python's recursion limit stops it."""
    monkeypatch.setattr(yaml_docs, "_Loader", yaml.SafeLoader)
    for text, line in (
        (_block(1500, "x: &x 1\n"), 2 + MAX_NESTING),
        ("x: &x 1\na: " + "[" * 1500 + "]" * 1500, 2),
        ("x: &x 1\na: " + "[" * 500 + "]" * 500, 2),
    ):
        assert str(_error(text)) == f"deep.yaml:{line}: {TOO_DEEP}"


def test_nesting_up_to_the_limit_is_read() -> None:
    lists = MAX_NESTING - 1  # inside the document's mapping
    for top in ("", "x: &x 1\n"):  # the builder, and the safe loader
        (doc,) = parse_documents(f"{top}a: {'[' * lists}{']' * lists}", "ok.yaml")
        value, levels = doc.data["a"], 1
        while value:
            value, levels = value[0], levels + 1
        assert levels == lists
        too_deep = f"{top}a: {'[' * (lists + 1)}{']' * (lists + 1)}"
        assert str(_error(too_deep)).endswith(TOO_DEEP)


def test_brackets_in_strings_and_comments_are_not_nesting() -> None:
    deep = "[" * 2000
    text = f"a: [\"{deep}\", '{deep}', # {deep}\n  b, c]\n"
    (doc,) = parse_documents(text, "ok.yaml")
    assert doc.data["a"] == [deep, deep, "b", "c"]
    # A syntax error after brackets in a string is that error, not nesting.
    error = _error(f'a: ["{deep}"\n')
    assert error.line is not None and TOO_DEEP not in str(error)


def test_deeply_nested_json_is_one_line_at_its_line() -> None:
    with pytest.raises(InputError) as err:
        parse_documents('{"a":\n' + "[" * 5000 + "]" * 5000 + "}", "deep.json", is_json=True)
    too_deep = f"invalid JSON: nesting is too deep (more than {MAX_NESTING} levels)"
    assert str(err.value) == f"deep.json:2: {too_deep}"


@pytest.mark.parametrize("reader", ["manifests", "snapshot", "config"])
def test_deep_nesting_through_the_cli_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reader: str
) -> None:
    deep = "data:\n  x: " + "[" * 100_000 + "]" * 100_000 + "\n"
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n"
    files = {"m.yaml": manifest, "live.yaml": manifest, "config.yaml": "ignore: []\n"}
    name = {"manifests": "m.yaml", "snapshot": "live.yaml", "config": "config.yaml"}[reader]
    files[name] = "# deep\n" + files[name] + ("" if reader == "config" else deep)
    if reader == "config":
        files[name] += "severity:\n  rules: " + "[" * 100_000 + "]" * 100_000 + "\n"
    for file, text in files.items():
        (tmp_path / file).write_text(text)
    argv = ["--manifests", str(tmp_path / "m.yaml"), "--live-snapshot", str(tmp_path / "live.yaml")]
    code = cli.main([*argv, "--config", str(tmp_path / "config.yaml")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    line = 4 if reader == "config" else 6
    assert err.splitlines() == [f"drift-action: error: {tmp_path / name}:{line}: {TOO_DEEP}"], err
