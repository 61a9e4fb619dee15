"""Reports built from records, for the report tests: a pull request compared with its base
(every class), and a stress report (long paths, long and multi-line values, many resources)."""

from __future__ import annotations

import os
from pathlib import Path

from drift_action.core.model import (
    Actor,
    Attribution,
    Change,
    ChangeClass,
    ChangeType,
    Report,
    ResourceKey,
    ResourceResult,
    Severity,
    SourceLocation,
    Status,
)
from drift_action.core.paths import ListKey
from drift_action.core.selector import parse_selector
from drift_action.pipeline import RunOptions, run
from drift_action.sources import ManifestsSpec
from support import EXAMPLES, ROOT

HIDDEN = "(hidden)"


def bundled_example() -> Report:
    """The README's example (no base), with the selector, so the extra Deployment shows."""
    cwd = Path.cwd()
    os.chdir(ROOT)  # source paths in the report are relative to the working directory
    try:
        return run(
            RunOptions(
                (ManifestsSpec((str(EXAMPLES.relative_to(ROOT) / "manifests"),)),),
                (str(EXAMPLES.relative_to(ROOT) / "live" / "drifted.yaml"),),
                parse_selector("app.kubernetes.io/part-of=shop"),
            )
        )
    finally:
        os.chdir(cwd)


WEB = ListKey((("name", "web"),))
CONTAINERS = ("spec", "template", "spec", "containers")


def human(manager: str, at: str, subresource: str | None = None) -> Attribution:
    return Attribution(manager, "Update", at, Actor.HUMAN, subresource)


def deployment(name: str, line: int = 1) -> tuple[ResourceKey, str, SourceLocation]:
    return (
        ResourceKey("apps", "Deployment", "shop", name),
        "apps/v1",
        SourceLocation(f"deploy/{name}.yaml", line),
    )


PROPERTIES_BASE = "\n".join(
    [
        "server.port=8080",
        "server.shutdown=graceful",
        "cache.ttl=300",
        "cache.size=1024",
        "log.level=info",
        "log.format=json",
        "feature.checkout=v1",
        "feature.search=on",
        "",
    ]
)
PROPERTIES_HEAD = PROPERTIES_BASE.replace("cache.ttl=300", "cache.ttl=600").replace(
    "feature.checkout=v1", "feature.checkout=v2"
)


def pr_report() -> Report:
    """A pull request on the shop: an image bump (planned) while replicas were scaled by hand
    (drift), a worker whose hotfix image the PR writes into Git (adopted), an API image both
    the PR and a person changed (conflict), a new and a deleted object, a rotated password."""
    key, version, source = deployment("web", 2)
    web = ResourceResult(
        key,
        version,
        Status.DRIFTED,
        source,
        (
            Change(
                (*CONTAINERS, WEB, "image"),
                ChangeType.CHANGED,
                "ghcr.io/example/shop-web:1.4.3",
                "ghcr.io/example/shop-web:1.4.2",
                severity=Severity.HIGH,
                attribution=Attribution("argocd-controller", "Apply", None, Actor.DEPLOYER),
                change_class=ChangeClass.PLANNED,
                base="ghcr.io/example/shop-web:1.4.2",
            ),
            Change(
                ("spec", "replicas"),
                ChangeType.CHANGED,
                3,
                5,
                severity=Severity.LOW,
                attribution=human("kubectl-scale", "2026-11-20T10:02:31Z", "scale"),
                base=3,
            ),
        ),
    )
    key, version, source = deployment("worker")
    worker = ResourceResult(
        key,
        version,
        Status.IN_SYNC,
        source,
        (
            Change(
                (*CONTAINERS, ListKey((("name", "worker"),)), "image"),
                ChangeType.CHANGED,
                "ghcr.io/example/shop-worker:2.0.1-hotfix",
                "ghcr.io/example/shop-worker:2.0.1-hotfix",
                severity=Severity.HIGH,
                attribution=human("kubectl-set", "2026-11-20T10:05:12Z"),
                change_class=ChangeClass.ADOPTED,
                base="ghcr.io/example/shop-worker:2.0.1",
            ),
        ),
    )
    key, version, source = deployment("api")
    api = ResourceResult(
        key,
        version,
        Status.DRIFTED,
        source,
        (
            Change(
                (*CONTAINERS, ListKey((("name", "api"),)), "image"),
                ChangeType.CHANGED,
                "ghcr.io/example/shop-api:3.2.0",
                "ghcr.io/example/shop-api:3.1.1-hotfix",
                severity=Severity.HIGH,
                attribution=human("kubectl-set", "2026-11-20T10:09:40Z"),
                change_class=ChangeClass.CONFLICT,
                base="ghcr.io/example/shop-api:3.1.0",
            ),
        ),
    )
    config = ResourceResult(
        ResourceKey("", "ConfigMap", "shop", "web-config"),
        "v1",
        Status.DRIFTED,
        SourceLocation("deploy/config.yaml", 1),
        (
            Change(
                ("data", "app.properties"),
                ChangeType.CHANGED,
                PROPERTIES_HEAD,
                PROPERTIES_BASE,
                severity=Severity.MEDIUM,
                change_class=ChangeClass.PLANNED,
                base=PROPERTIES_BASE,
            ),
            Change(
                ("data", "LOG_LEVEL"),
                ChangeType.CHANGED,
                "info",
                "debug",
                severity=Severity.MEDIUM,
                attribution=human("kubectl-edit", "2026-11-20T10:07:03Z"),
                base="info",
            ),
        ),
    )
    secret = ResourceResult(
        ResourceKey("", "Secret", "shop", "web-credentials"),
        "v1",
        Status.DRIFTED,
        SourceLocation("deploy/config.yaml", 20),
        (
            Change(
                ("data", "password"),
                ChangeType.CHANGED,
                HIDDEN,
                HIDDEN,
                redacted=True,
                change_class=ChangeClass.PLANNED,
            ),
        ),
    )
    created = ResourceResult(
        ResourceKey("", "ConfigMap", "shop", "feature-flags"),
        "v1",
        Status.MISSING,
        SourceLocation("deploy/flags.yaml", 1),
        object_class=ChangeClass.PLANNED,
    )
    deleted = ResourceResult(
        ResourceKey("batch", "CronJob", "shop", "cleanup"),
        "batch/v1",
        Status.EXTRA,
        SourceLocation("live/shop.yaml", 212),
        object_class=ChangeClass.PLANNED,
    )
    in_sync = (
        ResourceResult(ResourceKey("", "Namespace", "", "shop"), "v1", Status.IN_SYNC, None),
        ResourceResult(
            ResourceKey("", "ServiceAccount", "shop", "web"),
            "v1",
            Status.IN_SYNC,
            SourceLocation("deploy/web.yaml", 60),
        ),
        ResourceResult(
            ResourceKey("", "Service", "shop", "web"),
            "v1",
            Status.IN_SYNC,
            SourceLocation("deploy/web.yaml", 48),
        ),
    )
    return Report(
        (web, worker, api, config, secret, created, deleted, *in_sync),
        base="base commit 1a2b3c4",
        extras_checked=True,
    )


LONG_KEY = "example.com/" + "x" * 180  # no break opportunity in 180 characters
LONG_VALUE = "".join(f"{i:04d}" for i in range(1500))  # 6,000 characters in one line
MANY_LINES = "\n".join(f"setting.{i:03d}=value-{i}" for i in range(200))


def stress_report(*, base: bool) -> Report:
    """Hundreds of resources over many namespaces; long unbreakable paths, long values, a
    multi-line value changed far down, wide characters; 287 in sync."""
    results: list[ResourceResult] = []
    classes = list(ChangeClass) if base else [ChangeClass.DRIFT]
    for i in range(120):
        namespace = f"team-{i % 7}"
        change_class = classes[i % len(classes)]
        long_path = ("metadata", "annotations", LONG_KEY + str(i))
        changes = (
            Change(
                long_path,
                ChangeType.CHANGED,
                LONG_VALUE,
                LONG_VALUE[:-1] + "!",
                severity=list(Severity)[i % 3],
                attribution=human("kubectl-annotate-" + "y" * 60, "2026-11-20T10:11:00Z"),
                change_class=change_class,
                base=LONG_VALUE[:-2] + "??",
            ),
            Change(
                ("data", "settings.properties"),
                ChangeType.CHANGED,
                MANY_LINES,
                MANY_LINES.replace("setting.150=value-150", "setting.150=value-150-by-hand"),
                change_class=change_class,
                base=MANY_LINES,
            ),
            Change(
                ("data", "greeting"),
                ChangeType.ADDED,
                None,
                "こんばんは、世界" * 30 + "😀" * 40,
                severity=Severity.LOW,
                change_class=change_class,
            ),
        )
        results.append(
            ResourceResult(
                ResourceKey("", "ConfigMap", namespace, f"settings-{i:03d}-" + "z" * 50),
                "v1",
                Status.DRIFTED,
                SourceLocation(f"deploy/{namespace}/" + "nested/" * 12 + f"settings-{i}.yaml", 1),
                changes,
            )
        )
    results += [
        ResourceResult(
            ResourceKey("", "ConfigMap", f"team-{i % 7}", f"ok-{i}"), "v1", Status.IN_SYNC, None
        )
        for i in range(287)
    ]
    return Report(tuple(results), base="base commit 1a2b3c4" if base else None)
