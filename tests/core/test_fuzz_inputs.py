"""Fuzzing the readers of untrusted text: YAML and JSON documents, live snapshots, and a whole
run on broken live data.

The only outcomes allowed are a result, or a `DriftActionError` whose message is one line (the
CLI: exit status 0, 1 or 2 with one error line); never another exception, never a hang. Inputs
are random text and bytes, and structure-aware: lines of the real manifests in tests/data cut,
re-indented and spliced with YAML's syntax, their JSON cut and spliced, and real live objects
(managedFields, last-applied annotations and all) with subtrees replaced by values of the wrong
type.

    DRIFT_FUZZ_EXAMPLES=20000 python -m pytest tests/core/test_fuzz_inputs.py   # a long search

The default (100 examples per test) is CI's short budget. docs/reliability.md records the long
runs and what they found.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DATA
from support.fuzzing import fuzz_settings, no_hang, result_or_one_line

from drift_action import cli
from drift_action.core.errors import DriftActionError
from drift_action.core.files import read_text
from drift_action.core.model import Document, SourceLocation
from drift_action.core.objects import collect, live_objects
from drift_action.core.yaml_docs import parse_documents
from drift_action.live.snapshot import read_snapshots

FUZZ = fuzz_settings(50)
HANDEDITS = DATA / "handedits"
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


def _fixture_texts() -> list[str]:
    texts = []
    for path in sorted(DATA.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "{{" not in text and len(text) < 20_000:
            texts.append(text)
    return texts


FIXTURES = _fixture_texts()
LINES = sorted({line for text in FIXTURES for line in text.splitlines() if line.strip()})
# YAML's syntax, and what unsafe loaders, aliases, tags and directives look like.
TOKENS = [
    "---", "...", "- ", "? ", ": ", "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a", "!!str ",
    "!!binary ", "!!python/object/apply:os.system ['true']", "!!map", "!custom ", "%YAML 1.1",
    "%TAG ! tag:x,2000:", "|", "|-", ">", ">+", '"', "'", "#", "\t", "\\", "\ufeff", "\x00",
    "\x85", "\u2028", "on", "no", "1e3", "010", "0x1F", "~", ".inf", "2024-01-02", "=",
    "2024-13-45", "2024-02-30T25:61:00Z", "!!int x", "!!timestamp [1]", "!!bool maybe",
    "1:20", "-" * 3 + " |", "\r\n", "\r",
]  # fmt: skip


@st.composite
def manifest_like_text(draw: st.DrawFn) -> str:
    """Windows of real manifests (a few lines in a row), their lines re-indented, cut, spliced
    with YAML's syntax or with lines of other manifests, the windows joined by `---`."""
    windows = []
    for _ in range(draw(st.integers(1, 3))):
        lines = draw(st.sampled_from(FIXTURES)).splitlines()
        start = draw(st.one_of(st.just(0), st.integers(0, max(0, len(lines) - 1))))
        window = lines[start : start + draw(st.one_of(st.just(len(lines)), st.integers(1, 40)))]
        for _ in range(draw(st.integers(0, 3))):
            at = draw(st.integers(0, len(window)))
            kind = draw(st.integers(0, 5))
            if kind == 0 or not window[at:]:
                window.insert(at, draw(st.sampled_from(LINES)))
            elif kind == 1:
                window[at] = " " * draw(st.sampled_from([0, 1, 2, 3, 4, 7])) + window[at].lstrip()
            elif kind == 2:
                window[at] = window[at][: draw(st.integers(0, len(window[at])))]
            elif kind == 3 and ": " in window[at]:  # a value replaced
                window[at] = window[at].split(": ", 1)[0] + ": " + draw(st.sampled_from(TOKENS))
            elif kind in (3, 4):
                column = draw(st.integers(0, len(window[at])))
                token = draw(st.sampled_from(TOKENS))
                window[at] = window[at][:column] + token + window[at][column:]
            else:
                window[at] = draw(st.text(max_size=8))
        windows.append("\n".join(window) + "\n")
    return "---\n".join(windows)


@st.composite
def cut_fixture(draw: st.DrawFn) -> str:
    """A whole real manifest, cut short or with a few characters changed."""
    text = draw(st.sampled_from(FIXTURES))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + draw(st.integers(0, 3)) :]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


@st.composite
def json_like_text(draw: st.DrawFn) -> str:
    """A real manifest as JSON (or a kubectl List of them), cut or spliced."""
    documents = [d for d in yaml.load_all(draw(st.sampled_from(FIXTURES)), Loader=_Loader) if d]
    value: Any = (
        {"apiVersion": "v1", "kind": "List", "items": documents}
        if len(documents) != 1 or draw(st.booleans())
        else documents[0]
    )
    text = json.dumps(value, default=str, indent=draw(st.sampled_from([None, 2])))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        splice = draw(
            st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "\\", "\\ud800", "null", "1e999"])
        )
        text = text[:at] + splice + text[at + draw(st.integers(0, 2)) :]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


any_text = st.text(st.characters(exclude_categories=()), max_size=300)  # surrogates too

# JSON values with the keys Kubernetes objects have, for subtrees of the wrong type.
KEYS = [
    "apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec",
    "data", "stringData", "binaryData", "status", "managedFields", "items", "containers",
    "image", "ports", "containerPort", "port", "protocol", "replicas", "resources", "limits",
    "cpu", "memory", "fieldsV1", "f:spec", "f:data", "k:{\"name\":\"web\"}", "v:\"a\"", ".",
    "manager", "operation", "time", "subresource", "uid", "resourceVersion", "selector",
    "kubectl.kubernetes.io/last-applied-configuration", "template", "env", "value",
    "volumeMounts", "mountPath", "subsets", "rules", "aggregationRule", "caBundle", "webhooks",
    "type", "ownerReferences", "finalizers", "helm.sh/hook", "meta.helm.sh/release-name",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", "1Gi", "500m", "0.5", "ENC[AES256_GCM,data:x]", "{}", "[", '{"a":']),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _handedit_objects(name: str) -> list[dict[str, Any]]:
    found = []
    for folder in sorted(HANDEDITS.iterdir()):
        path = folder / name
        if path.is_file():
            found += [d for d in yaml.load_all(path.read_text(), Loader=_Loader) if d]
    return found


LIVE_OBJECTS = _handedit_objects("live.yaml")
DESIRED_OBJECTS = _handedit_objects("desired.yaml")


@st.composite
def mutated(
    draw: st.DrawFn, objects: list[dict[str, Any]], *, keep_identity: bool = False
) -> dict[str, Any]:
    """A real object with a few subtrees replaced by other values, removed or added; with
    `keep_identity`, its kind, name and namespace survive, so it is compared."""
    original = draw(st.sampled_from(objects))
    obj: Any = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        parent: Any = None
        key: Any = None
        node = obj
        for _ in range(draw(st.integers(0, 7))):
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node, key=str)))
            elif isinstance(node, list) and node:
                key = draw(st.integers(0, len(node) - 1))
            else:
                break
            parent, node = node, node[key]
        if parent is None:
            continue
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(json_values)
        else:
            parent.append(draw(json_values))
    if keep_identity:
        obj = obj if isinstance(obj, dict) else {}
        obj.update(apiVersion=original["apiVersion"], kind=original["kind"])
        if not isinstance(obj.get("metadata"), dict):
            obj["metadata"] = {}
        for key in ("name", "namespace"):
            if key in original["metadata"]:
                obj["metadata"][key] = original["metadata"][key]
    return obj  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# The YAML and JSON reader
# ---------------------------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(any_text, manifest_like_text(), cut_fixture()))
def test_yaml_reader_on_random_and_broken_text(text: str) -> None:
    outcome = result_or_one_line(lambda: parse_documents(text, "fuzz.yaml"))
    if isinstance(outcome, DriftActionError):
        assert str(outcome).startswith("fuzz.yaml"), outcome
    else:
        for document in outcome:
            assert document.source.file == "fuzz.yaml"
            assert all("\n" not in warning for warning in document.warnings)


@FUZZ
@given(text=st.one_of(any_text, json_like_text()))
def test_json_reader_on_random_and_broken_text(text: str) -> None:
    outcome = result_or_one_line(lambda: parse_documents(text, "fuzz.json", is_json=True))
    if not isinstance(outcome, DriftActionError):
        json.dumps([d.data for d in outcome], ensure_ascii=False).encode()  # writable text


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), manifest_like_text().map(str.encode)))
def test_files_of_random_bytes(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".yaml") as handle:
        handle.write(data)
        handle.flush()
        result_or_one_line(lambda: parse_documents(read_text(handle.name), handle.name))


def test_the_structure_aware_strategies_make_real_documents() -> None:
    """The fragments are real: a good share of what they make parses and holds objects."""
    from hypothesis import find

    find(manifest_like_text(), lambda t: _objects_in(t) >= 1, settings=settings(database=None))
    find(manifest_like_text(), lambda t: _objects_in(t) == -1, settings=settings(database=None))
    find(cut_fixture(), lambda t: _objects_in(t) >= 1, settings=settings(database=None))


def _objects_in(text: str) -> int:
    try:
        documents = parse_documents(text, "x.yaml")
    except DriftActionError:
        return -1
    return sum(isinstance(d.data, dict) and "kind" in d.data for d in documents)


# ---------------------------------------------------------------------------------------------
# The snapshot reader
# ---------------------------------------------------------------------------------------------


@FUZZ
@given(
    text=st.one_of(manifest_like_text(), cut_fixture(), json_like_text(), any_text),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_snapshot_reader_on_broken_files(text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"live{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        outcome = result_or_one_line(lambda: read_snapshots((str(path),)))
        if not isinstance(outcome, DriftActionError):
            objects, warnings = outcome
            assert all(isinstance(w, str) and "\n" not in w for w in warnings)
            result_or_one_line(lambda: live_objects(objects))


@FUZZ
@given(
    values=st.lists(
        st.one_of(json_values, mutated(LIVE_OBJECTS), mutated(DESIRED_OBJECTS)), max_size=5
    ),
    as_list=st.booleans(),
)
def test_collecting_live_objects_of_any_shape(values: list[Any], as_list: bool) -> None:
    """What a snapshot holds, whatever its types: kubectl's List, or documents one by one."""
    if as_list:
        values = [{"apiVersion": "v1", "kind": "List", "items": values}]
    documents = [
        Document(value, SourceLocation("live.yaml", i + 1)) for i, value in enumerate(values)
    ]
    outcome = result_or_one_line(lambda: collect(documents, strict=True))
    if not isinstance(outcome, DriftActionError):
        objects, _warnings = outcome
        result_or_one_line(lambda: live_objects(objects))


# ---------------------------------------------------------------------------------------------
# A whole run on broken manifests and broken live data
# ---------------------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with no_hang(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_report_or_one_line(code: int, out: str, errors: str, fmt: str) -> None:
    assert "internal error" not in errors, errors
    assert code in (0, 1, 2), code
    if code == 2 and not out:
        lines = [line for line in errors.splitlines() if line.startswith("drift-action: error:")]
        assert len(lines) == 1, errors
    if fmt == "json" and out:
        json.loads(out)


@FUZZ
@given(
    manifests=st.one_of(manifest_like_text(), cut_fixture()),
    live=st.lists(mutated(LIVE_OBJECTS, keep_identity=True), max_size=3),
    fmt=st.sampled_from(["text", "markdown", "json"]),
)
def test_a_whole_run_on_broken_manifests_ends_in_a_report_or_one_line(
    manifests: str, live: list[Any], fmt: str
) -> None:
    """Manifests as Git may hold them: YAML of every kind, values YAML reads as dates, numbers
    or booleans included, through comparison and every report format."""
    with tempfile.TemporaryDirectory() as folder:
        desired = Path(folder) / "desired.yaml"
        desired.write_text(manifests, encoding="utf-8", errors="surrogatepass")
        snapshot = Path(folder) / "live.json"
        snapshot.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": live}))
        argv = ["--manifests", str(desired), "--live-snapshot", str(snapshot), "--format", fmt]
        assert_report_or_one_line(*run_cli(argv), fmt)


@FUZZ
@given(
    desired=st.lists(
        st.one_of(mutated(DESIRED_OBJECTS, keep_identity=True), mutated(DESIRED_OBJECTS)),
        min_size=1,
        max_size=3,
    ),
    live=st.lists(
        st.one_of(mutated(LIVE_OBJECTS, keep_identity=True), mutated(LIVE_OBJECTS), json_values),
        max_size=4,
    ),
    fmt=st.sampled_from(["text", "markdown", "json"]),
    explain=st.booleans(),
)
def test_a_whole_run_on_broken_objects_ends_in_a_report_or_one_line(
    desired: list[Any], live: list[Any], fmt: str, explain: bool
) -> None:
    """Desired objects of odd shapes (as Git might hold), live objects of odd shapes (as no API
    server sends, but a snapshot may hold): the command reports, or says in one line why not."""
    with tempfile.TemporaryDirectory() as folder:
        manifests = Path(folder) / "desired.json"
        manifests.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": desired}))
        snapshot = Path(folder) / "live.json"
        snapshot.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": live}))
        argv = ["--manifests", str(manifests), "--live-snapshot", str(snapshot), "--format", fmt]
        argv += ["--explain"] * explain
        assert_report_or_one_line(*run_cli(argv), fmt)
