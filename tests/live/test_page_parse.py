"""The page parse keeps live objects small: managedFields' empty leaves become one object.

Real managedFields from kubectl-blame's test data (tests/data/realworld/knight42__kubectl-blame,
see the README there).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from support import DATA

from drift_action.live.fetch import share_empty_leaves

DEPLOY = DATA / "realworld/knight42__kubectl-blame/cmd/testdata/deploy.json"


def _empty_leaves(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for child in node.values():
            if isinstance(child, dict) and not child:
                yield child
            else:
                yield from _empty_leaves(child)
    elif isinstance(node, list):
        for child in node:
            yield from _empty_leaves(child)


def test_empty_leaves_are_one_object_and_the_object_is_unchanged() -> None:
    item = json.loads(DEPLOY.read_text(encoding="utf-8"))
    before = copy.deepcopy(item)
    share_empty_leaves(item)
    assert item == before
    leaves = list(_empty_leaves(item["metadata"]["managedFields"]))
    assert len(leaves) > 20
    assert len({id(leaf) for leaf in leaves}) == 1
    # Outside managedFields nothing is shared.
    other = [id(leaf) for leaf in _empty_leaves(item["spec"])]
    assert not set(other) & {id(leaves[0])}


def test_malformed_managed_fields_are_left_as_they_are() -> None:
    for managed in (None, "text", [None, "x", {"fieldsV1": "y"}, {"manager": "m"}]):
        item: dict[str, Any] = {"metadata": {"managedFields": copy.deepcopy(managed)}}
        share_empty_leaves(item)
        assert item == {"metadata": {"managedFields": managed}}
    share_empty_leaves({"metadata": None})
    share_empty_leaves({})
