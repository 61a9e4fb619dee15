from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from drift_action.compare.verdicts import compare
from drift_action.core.model import KubeObject, ResourceKey, SourceLocation, Status
from drift_action.core.selector import parse_selector


def cm(name: str, data: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> KubeObject:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "n", "labels": dict(labels or {})},
        "data": dict(data),
    }
    return KubeObject(
        ResourceKey("", "ConfigMap", "n", name), "v1", body, SourceLocation("f.yaml", 1)
    )


def statuses(report: Any) -> dict[str, Status]:
    return {r.key.name: r.status for r in report.resources}


def test_each_desired_object_gets_a_verdict() -> None:
    desired = [cm("same", {"a": "1"}), cm("changed", {"a": "1"}), cm("gone", {"a": "1"})]
    live = [cm("same", {"a": "1"}), cm("changed", {"a": "2"}), cm("unrelated", {}, {"app": "x"})]
    report = compare(desired, live)
    assert statuses(report) == {
        "same": Status.IN_SYNC,
        "changed": Status.DRIFTED,
        "gone": Status.MISSING,
    }
    assert report.drift_count == 2 and report.has_drift and not report.has_errors


def test_extras_only_when_a_selector_asks_for_them() -> None:
    desired = [cm("a", {})]
    live = [
        cm("a", {}, {"app": "shop"}),
        cm("b", {}, {"app": "shop"}),
        cm("c", {}, {"app": "other"}),
    ]
    assert statuses(compare(desired, live)) == {"a": Status.IN_SYNC}
    report = compare(desired, live, selector=parse_selector("app=shop"))
    assert statuses(report) == {"a": Status.IN_SYNC, "b": Status.EXTRA}


class _Unreadable(Mapping[str, Any]):
    """Live data that breaks on reading, standing in for an object no code path expected."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("corrupt")

    def __len__(self) -> int:
        return 1


def test_one_unreadable_object_does_not_lose_the_others() -> None:
    broken = KubeObject(cm("broken", {}).key, "v1", _Unreadable(), SourceLocation("live", 1))
    report = compare([cm("broken", {}), cm("fine", {"a": "1"})], [broken, cm("fine", {"a": "2"})])
    assert statuses(report) == {"broken": Status.ERROR, "fine": Status.DRIFTED}
    (error,) = [r for r in report.resources if r.status is Status.ERROR]
    assert error.message == "cannot compare: internal error RuntimeError"
