"""Desired/live pairs from seven other projects' test suites, with the verdicts those tests
assert (tests/data/peers: copied from shared/realworld/peers, with sources, commits and
licenses in its README.md and LICENSES/).

Each verdict runs through the installed command, as a user would. `optional` verdicts rest on a
peer's own rule that this product does not claim: they are skipped with the peer's reason.
`PENDING` ones need a feature not built yet: strict xfails, so they fail loudly once it lands.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support import DATA, run_cli

PEERS = DATA / "peers"
PENDING: dict[str, str] = {}


def cases() -> list[Any]:
    found = []
    for folder in sorted(p for p in PEERS.iterdir() if (p / "expect.json").is_file()):
        expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
        for verdict in expect["verdicts"]:
            marks = []
            optional = verdict.get("optional_reason") or expect.get("optional_reason")
            if verdict.get("optional") or expect.get("optional"):
                marks.append(pytest.mark.skip(reason=f"optional: {optional}"))
            elif folder.name in PENDING:
                marks.append(pytest.mark.xfail(reason=PENDING[folder.name], strict=True))
            name = f"{folder.name}:{verdict['kind']}/{verdict['name']}"
            found.append(pytest.param(folder, expect, verdict, id=name, marks=marks))
    return found


_SEGMENT = re.compile(r"\[([^\]]*)\]|\.?([^.\[]+)")


def segments(path: str) -> list[str | dict[str, str]]:
    """`a.b[k=v,p=q].c` as ["a", "b", {"k": "v", "p": "q"}, "c"]."""
    out: list[str | dict[str, str]] = []
    for keyed, plain in _SEGMENT.findall(path):
        if plain:
            out.append(plain)
        elif "=" in keyed:
            out.append(dict(pair.split("=", 1) for pair in keyed.split(",")))
        else:
            out.append(keyed)
    return out


def names_the_same_field(expected: str, reported: str) -> bool:
    """Peers name a list item by one key (`ports[containerPort=5001]`) where the API's list map
    has two (`[containerPort=5001,protocol=TCP]`): the same item, named more fully."""
    want, got = segments(expected), segments(reported)
    if len(want) != len(got):
        return False
    for a, b in zip(want, got, strict=True):
        if isinstance(a, dict) and isinstance(b, dict):
            if any(b.get(k) != v for k, v in a.items()):
                return False
        elif a != b:
            return False
    return True


@pytest.mark.parametrize(("folder", "expect", "verdict"), cases())
def test_the_peer_s_verdict(folder: Path, expect: dict[str, Any], verdict: dict[str, Any]) -> None:
    args = [
        "--manifests",
        str(folder / "desired.yaml"),
        "--live-snapshot",
        str(folder / "live.yaml"),
    ]
    if expect.get("namespace"):
        args += ["--namespace", expect["namespace"]]
    result = run_cli(*args, "-o", "json")
    assert result.returncode in (0, 1), result.stderr
    resources = {
        (r["kind"], r["namespace"], r["name"]): r for r in json.loads(result.stdout)["resources"]
    }
    found = resources.get((verdict["kind"], verdict["namespace"], verdict["name"]))
    assert found is not None, sorted(resources)
    reported = [c["path"] for c in found["changes"]]
    assert found["status"] == verdict["status"], (expect["why"], reported)
    for path in verdict.get("paths", []):
        assert any(names_the_same_field(path, r) for r in reported), (path, reported)
    for path in verdict.get("absent_paths", []):
        assert not any(names_the_same_field(path, r) for r in reported), (path, reported)


def test_the_path_matching_is_strict() -> None:
    assert names_the_same_field("spec.ports[port=80]", "spec.ports[port=80,protocol=TCP]")
    assert not names_the_same_field("spec.ports[port=80]", "spec.ports[port=81,protocol=TCP]")
    assert not names_the_same_field("spec.replicas", "spec")
    assert not names_the_same_field("spec.a", "spec.a.b")
    assert names_the_same_field('metadata.labels["a.b/c"]', 'metadata.labels["a.b/c"]')
