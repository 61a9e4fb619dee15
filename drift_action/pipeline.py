"""The pipeline: sources -> live -> normalize/diff -> report. I/O stays in the stages it names."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field

from drift_action import sources, string_fields
from drift_action.compare import Settings, compare
from drift_action.config import Config
from drift_action.errors import UsageError
from drift_action.live.cluster import ClusterReader
from drift_action.live.kube_client import ClusterSpec, KubeClient
from drift_action.live.server_side import confirm_server_side
from drift_action.live.snapshot import read_snapshots
from drift_action.managers import ManagerClasses
from drift_action.model import KubeObject, Report, Unreadable
from drift_action.objects import RawObject, collect, desired_objects, learn_scopes, live_objects
from drift_action.quantity import parse_quantity
from drift_action.scope import ScopeResolver
from drift_action.selector import Selector
from drift_action.server_side import CompareMode
from drift_action.sources import SourceSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    sources: tuple[SourceSpec, ...]
    live_snapshots: tuple[str, ...] = ()  # none: read the cluster
    selector: Selector | None = None
    config: Config = field(default_factory=Config)
    cluster: ClusterSpec | None = None  # None: KUBECONFIG, ~/.kube/config, or in-cluster
    compare: CompareMode = CompareMode.CLIENT_SIDE


def settings_from(config: Config) -> Settings:
    return Settings(
        parse_quantity=parse_quantity,
        managers=ManagerClasses.with_additions(config.deployers, config.humans, config.controllers),
        aggregated_cluster_roles=config.aggregated_cluster_roles,
        injected_ca_bundles=config.injected_ca_bundles,
        ignore=config.ignore,
        severity=config.severity,
    )


def run(options: RunOptions) -> Report:
    # The objects are acyclic JSON, freed by reference counting; the cyclic collector would only
    # walk tens of thousands of them again and again while pages arrive (a quarter of the run).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(options)
    finally:
        if enabled:
            gc.enable()


def _run(options: RunOptions) -> Report:
    if not options.sources:
        raise UsageError(
            "no desired state: give --manifests, --helm-chart or --kustomize, "
            "or list sources in the config file"
        )
    if options.live_snapshots and options.compare is not CompareMode.CLIENT_SIDE:
        raise UsageError(f"--compare {options.compare.value} needs a cluster, not --live-snapshot")
    warnings: list[str] = []
    desired_raw: list[tuple[RawObject, str]] = []
    for spec in options.sources:
        rendered = sources.render(spec)
        warnings.extend(rendered.warnings)
        found, more = collect(rendered.documents, strict=False)
        warnings.extend(more)
        warnings.extend(string_fields.check(found))
        desired_raw.extend((obj, spec.namespace) for obj in found)
    if options.live_snapshots:
        return _compare_with_snapshots(options, desired_raw, warnings)
    with KubeClient(options.cluster or ClusterSpec()) as client:
        return _compare_with_cluster(options, desired_raw, warnings, ClusterReader(client))


def _compare_with_snapshots(
    options: RunOptions, desired_raw: list[tuple[RawObject, str]], warnings: list[str]
) -> Report:
    live_raw, more = read_snapshots(options.live_snapshots)
    warnings.extend(more)
    scopes = ScopeResolver()
    learn_scopes(scopes, (obj for obj, _ in desired_raw), live_raw)
    desired, more = desired_objects(desired_raw, scopes)
    warnings.extend(more)
    live, more = live_objects(live_raw)
    warnings.extend(more)
    return _compare(options, desired, live, warnings, Unreadable())


def _compare_with_cluster(
    options: RunOptions,
    desired_raw: list[tuple[RawObject, str]],
    warnings: list[str],
    reader: ClusterReader,
) -> Report:
    scopes = ScopeResolver()
    learn_scopes(scopes, (obj for obj, _ in desired_raw), ())
    reader.learn_scopes((obj for obj, _ in desired_raw), scopes)
    desired, more = desired_objects(desired_raw, scopes)
    warnings.extend(more)
    read = reader.read(desired, options.selector)
    live, more = live_objects(read.objects)
    warnings.extend(more)
    report = _compare(options, desired, live, warnings, read.unreadable)
    if options.compare is CompareMode.CLIENT_SIDE:
        return report
    settings = settings_from(options.config)
    return confirm_server_side(report, desired, live, reader, options.compare, settings)


def _compare(
    options: RunOptions,
    desired: list[KubeObject],
    live: list[KubeObject],
    warnings: list[str],
    unreadable: Unreadable,
) -> Report:
    if not desired:
        warnings.append("no desired objects were found: nothing to compare")
    log.info("comparing %d desired objects with %d live objects", len(desired), len(live))
    return compare(
        desired,
        live,
        selector=options.selector,
        warnings=warnings,
        settings=settings_from(options.config),
        unreadable=unreadable,
    )
