"""The round-trip editor: only the adopted fields' lines change; comments, key order, quoting,
indentation, flow style and the other documents of a file stay byte for byte."""

from __future__ import annotations

import difflib
import os

import pytest
import yaml
from support import GOLDEN

from drift_action.adopt.file_edit import edit_file
from drift_action.adopt.model import Action, Edit, Target
from drift_action.core.model import ResourceKey
from drift_action.core.paths import ListKey, Path

SOURCE = """\
# Front end. Keep the comments!
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: "front"}  # flow style
spec:
  replicas: 2   # by hand during incidents
  template:
    spec:
      containers:
      - name: side
        image: 'busybox:1.36'
      - name: web
        image: "nginx:1.25"  # pinned
        ports:
        - containerPort: 80
        env:
        - {name: MODE, value: blue}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg   # untouched document below
data:
  keep: "as is"
  zebra: 'z'
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
data:
  key: 'value'
  stale: x
"""

WEB = ResourceKey("apps", "Deployment", "default", "web")
OTHER = ResourceKey("", "ConfigMap", "default", "other")
CONTAINERS: Path = ("spec", "template", "spec", "containers")
WEB_C = (*CONTAINERS, ListKey((("name", "web"),)))
SIDE_C = (*CONTAINERS, ListKey((("name", "side"),)))


def _set(path: Path, live: object, git: object = None) -> Edit:
    return Edit(path, Action.SET, live, git, git is not None)


EDITS = [
    Target(
        "app.yaml",
        WEB,
        "apps/v1",
        2,
        (
            _set(("spec", "replicas"), 5, 2),  # changed: a number, its comment kept
            _set((*WEB_C, "image"), "nginx:1.27", "nginx:1.25"),  # double quotes kept
            _set((*SIDE_C, "image"), "busybox:1.37", "busybox:1.36"),  # single quotes kept
            _set(("metadata", "labels", "tier"), "back", "front"),  # inside a flow mapping
            _set(("metadata", "annotations"), {"owner": "ops"}),  # a missing key, indented
            _set((*SIDE_C, "resources", "limits", "cpu"), "100m"),  # missing parents created
            _set(
                (*WEB_C, "ports", ListKey((("containerPort", "80"), ("protocol", "TCP"))), "name"),
                "http",
            ),
        ),
    ),
    Target(
        "app.yaml",
        OTHER,
        "v1",
        29,
        (
            _set(("data", "key"), "new", "value"),
            Edit(("data", "stale"), Action.DELETE, None, "x", True),  # missing live: removed
            _set(("data", "added"), "30s"),  # added by hand: appended after the last key
        ),
    ),
]


def _diff(before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), "a/app.yaml",
            "b/app.yaml",
        )
    )  # fmt: skip


def test_edits_change_only_their_lines_as_the_golden_diff_shows() -> None:
    """Regenerate with: UPDATE_GOLDEN=1 python -m pytest tests/adopt/test_yaml_edit.py"""
    after, notes = edit_file(SOURCE, EDITS)
    assert notes == []
    diff = _diff(SOURCE, after)
    golden = GOLDEN / "adopt.diff"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(diff, encoding="utf-8")
    assert diff == golden.read_text(encoding="utf-8")
    # The result reads as Git with the live values, and nothing else moved.
    web, cfg, other = yaml.safe_load_all(after)
    assert web["spec"]["replicas"] == 5
    assert web["metadata"]["labels"] == {"app": "web", "tier": "back"}
    assert web["metadata"]["annotations"] == {"owner": "ops"}
    side, main = web["spec"]["template"]["spec"]["containers"]
    assert side == {
        "name": "side",
        "image": "busybox:1.37",
        "resources": {"limits": {"cpu": "100m"}},
    }
    assert main["image"] == "nginx:1.27"
    assert main["ports"] == [{"containerPort": 80, "name": "http"}]
    assert cfg["data"] == {"keep": "as is", "zebra": "z"}
    assert other["data"] == {"key": "new", "added": "30s"}
    untouched = SOURCE.split("---\n")[1]
    assert untouched in after


def test_a_value_the_file_does_not_hold_is_not_edited() -> None:
    """Git renders 3 replicas but the file says 2: a patch or a generator made it; this file
    is not where it comes from."""
    target = Target("app.yaml", WEB, "apps/v1", 2, (_set(("spec", "replicas"), 5, 3),))
    after, notes = edit_file(SOURCE, [target])
    assert after == SOURCE
    assert len(notes) == 1
    assert "spec.replicas" in notes[0]


def test_an_unknown_object_leaves_the_file_alone() -> None:
    target = Target("app.yaml", ResourceKey("", "Service", "default", "nope"), "v1", None, ())
    after, notes = edit_file(SOURCE, [target])
    assert after == SOURCE
    assert "Service default/nope" in notes[0]


def test_a_carried_line_that_would_misplace_an_item_is_refused() -> None:
    """Two sequence styles in one document: an item appended to the other style's list would
    land at the wrong depth, so that edit is refused and the others still made."""
    text = (
        "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n"
        "    spec:\n      containers:\n      - name: web\n        env:\n"
        "          - name: A\n            value: '1'\n"
    )
    env = (*WEB_C, "env", ListKey((("name", "B"),)))
    target = Target(
        "x.yaml", WEB, "apps/v1", 1,
        (_set(env, {"name": "B", "value": "2"}), _set(("spec", "replicas"), 3, 1)),
    )  # fmt: skip
    after, notes = edit_file(text, [target])
    assert yaml.safe_load(after)["spec"]["replicas"] == 3
    assert after.replace("replicas: 3", "replicas: 1") == text
    assert len(notes) == 1


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_ends_are_kept(newline: str) -> None:
    text = "kind: ConfigMap\nmetadata:\n  name: other\ndata:\n  key: 'value'\n".replace(
        "\n", newline
    )
    target = Target("c.yaml", OTHER, "v1", 1, (_set(("data", "key"), "new", "value"),))
    after, _ = edit_file(text, [target])
    assert after == text.replace("'value'", "'new'")


def test_a_document_with_anchors_is_not_edited() -> None:
    text = "kind: ConfigMap\nmetadata:\n  name: other\ndata:\n  key: &v 'value'\n  copy: *v\n"
    target = Target("c.yaml", OTHER, "v1", 1, (_set(("data", "key"), "new", "value"),))
    after, notes = edit_file(text, [target])
    assert after == text
    assert len(notes) == 1 and "c.yaml" in notes[0]
