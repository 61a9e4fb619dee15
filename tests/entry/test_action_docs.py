"""The README's tables of inputs and outputs, and its example workflows, in step with
action.yml and examples/workflows/."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from support import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
WORKFLOWS = sorted((EXAMPLES / "workflows").glob("*.yml"))
_CODE = re.compile(r"`([^`]+)`")


def table(header: str) -> list[list[str]]:
    """The rows of the README table whose header row starts with `header`."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def documented_inputs() -> dict[str, str]:
    """input name -> its default cell, for every name in the first column."""
    found: dict[str, str] = {}
    for names, default, _meaning in table("input"):
        for name in _CODE.findall(names):
            assert name not in found, f"{name} is documented twice"
            found[name] = default
    return found


def test_every_input_is_documented_and_nothing_else() -> None:
    assert set(documented_inputs()) == set(ACTION["inputs"])


@pytest.mark.parametrize("name", sorted(ACTION["inputs"]))
def test_documented_default_matches_action_yml(name: str) -> None:
    default = str(ACTION["inputs"][name].get("default", ""))
    documented = documented_inputs()
    assert name in documented, f"input {name} is not in the README's table of inputs"
    cell = documented[name]
    if default:
        assert cell == f"`{default}`", f"{name}: README says {cell!r}, action.yml {default!r}"
    else:
        # Empty in action.yml: the README may explain what happens, but names no literal.
        assert not re.fullmatch(r"`[^`]*`", cell), f"{name}: action.yml has no default"


def test_every_output_is_documented_and_nothing_else() -> None:
    names = {_CODE.findall(row[0])[0] for row in table("output")}
    assert names == set(ACTION["outputs"])


def test_the_workflow_examples_are_in_the_readme_verbatim() -> None:
    assert {path.name for path in WORKFLOWS} >= {
        "drift-pr.yml",
        "drift-nightly.yml",
        "drift-matrix.yml",
        "drift-fork-collect.yml",
        "drift-fork-report.yml",
    }
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8").rstrip("\n")
        assert f"```yaml\n{text}\n```" in README, f"{path.name} differs from the README"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_examples_ask_for_what_they_publish(path: Any) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    permissions = workflow["permissions"]
    assert permissions["contents"] == "read"
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    ours = [s.get("with", {}) for s in steps if str(s.get("uses", "")).startswith("drift-action/")]
    events = set(workflow[True]) if True in workflow else set(workflow["on"])  # YAML 1.1 "on"
    for inputs in ours:
        assert set(inputs) <= set(ACTION["inputs"]), set(inputs) - set(ACTION["inputs"])
        if inputs.get("check_run") is True:
            assert permissions.get("checks") == "write"
        comments = inputs.get("comment_mode", "always") != "off"
        if comments and events & {"pull_request", "workflow_run"}:
            assert permissions.get("pull-requests") == "write"
        if events & {"schedule", "workflow_dispatch"}:
            assert permissions.get("issues") == "write"
