"""Desired/live pairs from real projects' test data, with the verdicts those projects assert.

The data and its provenance are in tests/data/realworld (see README.md there); pairs.json says
what each pair must report. Entries with `pending` need an engine feature that is not there yet:
they are strict xfails, so they fail loudly once the feature lands and the mark can go.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
import yaml
from support import DATA as TEST_DATA
from support.kube_emulator import KubeEmulator

from drift_action.compare.dry_run import CompareMode
from drift_action.config.file import Config, load_config
from drift_action.core.model import Report, Status
from drift_action.live.kube_client import ClusterSpec
from drift_action.pipeline import RunOptions, run
from drift_action.report import render
from drift_action.sources.manifests import ManifestsSpec

DATA = TEST_DATA / "realworld"
PAIRS: list[dict[str, Any]] = json.loads((DATA / "pairs.json").read_text(encoding="utf-8"))


def _params(*, with_pending: bool) -> list[Any]:
    params = []
    for entry in PAIRS:
        marks = []
        if with_pending and entry["pending"]:
            marks.append(pytest.mark.xfail(strict=True, reason=entry["pending"]))
        params.append(pytest.param(entry, id=entry["id"], marks=marks))
    return params


def _run(entry: Mapping[str, Any], compare: str | None = None) -> Report:
    """The pair compared from its snapshot, or (with `compare`) from the emulator serving it."""
    compare = compare or entry.get("compare")
    spec = ManifestsSpec(paths=(str(DATA / entry["desired"]),), namespace=entry["namespace"])
    options = entry.get("settings") or {}
    base = load_config(str(DATA / entry["config"])) if entry.get("config") else Config()
    config = replace(
        base,
        aggregated_cluster_roles=options.get("aggregatedClusterRoles", True),
        injected_ca_bundles=options.get("injectedCaBundles", True),
    )
    if compare is None:
        return run(
            RunOptions(sources=(spec,), live_snapshots=(str(DATA / entry["live"]),), config=config)
        )
    predicted = json.loads((DATA / entry["predicted_live"]).read_text(encoding="utf-8"))
    with KubeEmulator(_objects(DATA / entry["live"])) as emu, TemporaryDirectory() as tmp:
        # As upstream's test does, the mocked server answers the dry run with its recorded result.
        emu.on_apply(lambda _applied: copy.deepcopy(predicted))
        cluster = ClusterSpec(kubeconfig=str(emu.write_kubeconfig(Path(tmp) / "config")))
        return run(
            RunOptions(
                sources=(spec,), config=config, cluster=cluster, compare=CompareMode(compare)
            )
        )


def _objects(path: Path) -> Iterator[Mapping[str, Any]]:
    for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if not isinstance(doc, Mapping):
            continue
        items = doc.get("items")
        if str(doc.get("kind", "")).endswith("List") and isinstance(items, list):
            yield from (item for item in items if isinstance(item, Mapping))
        else:
            yield doc


def _secret_values(*paths: Path) -> set[str]:
    """Every non-empty Secret `data` value in the files, base64 and (when text) decoded."""
    values: set[str] = set()
    for path in paths:
        for obj in _objects(path):
            if obj.get("kind") != "Secret" or not isinstance(obj.get("data"), Mapping):
                continue
            for value in obj["data"].values():
                if not isinstance(value, str) or not value:
                    continue
                values.add(value)
                try:
                    decoded = base64.b64decode(value, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    continue
                if len(decoded) >= 8:
                    values.add(decoded)
    return values


def test_pairs_file_is_consistent() -> None:
    ids = [entry["id"] for entry in PAIRS]
    assert len(ids) == len(set(ids)) == 47
    for entry in PAIRS:
        assert (DATA / entry["desired"]).is_file(), entry["id"]
        assert (DATA / entry["live"]).is_file(), entry["id"]
        assert entry["expected_status"] in ("in_sync", "drifted"), entry["id"]
        if entry["expected_status"] == "in_sync":
            assert entry["expected_paths"] == [], entry["id"]


@pytest.mark.parametrize("entry", _params(with_pending=True))
def test_verdict(entry: dict[str, Any]) -> None:
    _check_verdict(entry, _run(entry))


SERVER_SIDE_PAIRS = [
    pytest.param(entry, mode, id=f"{entry['id']}-{mode.value}")
    for entry in PAIRS
    if entry.get("predicted_live")
    for mode in (CompareMode.SERVER_SIDE, CompareMode.SERVER_SIDE_ALL)
]


@pytest.mark.parametrize(("entry", "mode"), SERVER_SIDE_PAIRS)
def test_server_side_verdict(entry: dict[str, Any], mode: CompareMode) -> None:
    """With the server's dry-run answer the verdict is the one upstream asserts.

    One exception, by design: `server-side` only asks about objects that still differ, so the
    webhook pair (in sync client-side) stays in sync; `server-side-all` asks about every object.
    """
    report = _run(entry, mode.value)
    if entry["id"] == "ge-ssd-service-webhook" and mode is CompareMode.SERVER_SIDE:
        assert [r.status for r in report.resources] == [Status.IN_SYNC]
        return
    _check_verdict(entry, report)


def _check_verdict(entry: Mapping[str, Any], report: Report) -> None:
    assert report.resources, "no desired object was compared"
    expected = Status(entry["expected_status"])
    statuses = {str(r.key): r.status for r in report.resources}
    if entry.get("others") == "missing":
        # Flux pairs render a whole kustomization against one applied object: the rest are
        # reported as missing, as flux's goldens show them "created".
        compared = {k: s for k, s in statuses.items() if s is not Status.MISSING}
        assert len(compared) == 1, statuses
        statuses = compared
    assert all(status is expected for status in statuses.values()), statuses
    reported = {change.path_text for r in report.resources for change in r.changes}
    if expected is Status.IN_SYNC:
        assert reported == set()
    missing = [
        path
        for path in entry["expected_paths"]
        if not any(r == path or r.startswith((f"{path}.", f"{path}[")) for r in reported)
    ]
    assert not missing, f"not reported: {missing}; reported: {sorted(reported)}"
    unexpected = [
        r
        for r in reported
        if not any(
            r == path or r.startswith((f"{path}.", f"{path}[")) or path.startswith(f"{r}.")
            for path in entry["expected_paths"] + entry.get("also_reported", [])
        )
    ]
    assert not unexpected, f"reported beyond the source's verdict: {sorted(unexpected)}"


@pytest.mark.parametrize("entry", _params(with_pending=False))
def test_secret_values_stay_out_of_reports(entry: dict[str, Any]) -> None:
    report = _run(entry)
    secrets = _secret_values(DATA / entry["desired"], DATA / entry["live"])

    for fmt in ("json", "text", "markdown"):
        rendered = render(report, fmt)
        leaked = sorted(value for value in secrets if value in rendered)
        assert not leaked, f"{fmt} report shows Secret data"
