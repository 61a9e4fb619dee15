"""The pipeline: sources -> live -> normalize/diff -> report. I/O stays in the stages it names."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field, replace

from drift_action import sources
from drift_action.compare.dry_run import CompareMode
from drift_action.compare.managers import ManagerClasses
from drift_action.compare.observations import merge, terraform_report
from drift_action.compare.verdicts import Settings, compare
from drift_action.config.file import Config
from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import InputError, UsageError
from drift_action.core.model import KubeObject, Observation, Report, Unreadable
from drift_action.core.objects import (
    RawObject,
    collect,
    desired_objects,
    learn_scopes,
    live_objects,
)
from drift_action.core.scope import ScopeResolver
from drift_action.core.selector import Selector
from drift_action.core.wording import CLI, Wording
from drift_action.live.cluster import ClusterReader
from drift_action.live.kube_client import ClusterSpec, KubeClient, NoKubeconfig
from drift_action.live.quantity import parse_quantity
from drift_action.live.server_side import confirm_server_side
from drift_action.live.snapshot import read_snapshots
from drift_action.sources import (
    HelmSpec,
    KustomizeSpec,
    ManifestsSpec,
    SourceSpec,
    TerraformSpec,
    string_fields,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    sources: tuple[SourceSpec, ...]
    live_snapshots: tuple[str, ...] = ()  # none: read the cluster
    selector: Selector | None = None
    config: Config = field(default_factory=Config)
    cluster: ClusterSpec | None = None  # None: KUBECONFIG, ~/.kube/config, or in-cluster
    compare: CompareMode = CompareMode.CLIENT_SIDE
    live_from_terraform: bool = False  # Terraform's view in the plans is the live state
    policy: PathPolicy = field(default_factory=PathPolicy)  # where input files may be
    limits: RenderLimits = field(default_factory=RenderLimits)  # for helm and kustomize
    allow_empty: bool = False  # a source that gives no object is a warning, not an error
    allow_remote_bases: bool = True  # kustomize may fetch remote bases (the action: opt-in)
    wording: Wording = CLI  # how messages name options: flags, or the action's inputs


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
    say = options.wording
    if not options.sources:
        raise UsageError(
            "no desired state: "
            + say.choices("manifests", "helm_chart", "kustomize", "terraform_plan")
            + ", or list sources in the config file"
        )
    if options.live_from_terraform:
        _check_terraform_only(options)
    if options.live_snapshots and options.compare is not CompareMode.CLIENT_SIDE:
        raise UsageError(
            f"{say.option('compare')} {options.compare.value} needs a cluster, not "
            f"{say.option('live_snapshot')}"
        )
    warnings: list[str] = []
    desired_raw: list[tuple[RawObject, str]] = []
    observations: list[Observation] = []
    empty: list[SourceSpec] = []  # sources that gave no object
    for path in options.live_snapshots:
        options.policy.check(path, "live snapshot")
    for spec in (_prepare(spec, options) for spec in options.sources):
        rendered = sources.render(spec)
        warnings.extend(rendered.warnings)
        observations.extend(rendered.observations)
        found, more = collect(rendered.documents, strict=False)
        warnings.extend(more)
        if not found and not rendered.observations:
            empty.append(spec)
        warnings.extend(string_fields.check(found))
        desired_raw.extend((obj, spec.namespace) for obj in found)
    # Read before an empty source is refused: a broken input names its file and line first.
    snapshots = read_snapshots(options.live_snapshots) if options.live_snapshots else None
    warnings.extend(_nothing_from(spec, options) for spec in empty)
    settings = settings_from(options.config)
    if options.live_from_terraform:  # no snapshot, no cluster: nothing else is contacted
        viewed = {o.address for o in observations}
        unseen = {o.source.address for o, _ in desired_raw if o.source.address not in viewed}
        warnings.extend(
            f"{address}: the plan holds no view of the cluster for it (Terraform keeps none "
            "of a Helm release's objects, nor does a plan without resource_changes): not "
            "compared without a live snapshot or a cluster"
            for address in sorted(a for a in unseen if a)
        )
        report = terraform_report(observations, settings, drift_only=False)
        return Report(report.resources, (*warnings, *report.warnings))
    if snapshots is not None:
        report = _compare_with_snapshots(options, desired_raw, snapshots, warnings)
    else:
        with _client(options) as client:
            report = _compare_with_cluster(options, desired_raw, warnings, ClusterReader(client))
    if not any(o.drift for o in observations):
        return report
    return merge(report, terraform_report(observations, settings, drift_only=True))


def _prepare(spec: SourceSpec, options: RunOptions) -> SourceSpec:
    """The run's path policy and render limits, given to the source that applies them."""
    policy, limits = options.policy, options.limits
    if isinstance(spec, ManifestsSpec):
        return replace(spec, policy=policy, wording=options.wording)
    if isinstance(spec, KustomizeSpec):
        return replace(
            spec,
            policy=policy,
            limits=limits,
            allow_remote=options.allow_remote_bases,
            wording=options.wording,
        )
    if isinstance(spec, HelmSpec):
        return replace(spec, policy=policy, limits=limits)
    if isinstance(spec, TerraformSpec):
        policy.check(spec.plan, "Terraform plan")
        return replace(spec, policy=policy, limits=limits)
    return spec


def _nothing_from(spec: SourceSpec, options: RunOptions) -> str:
    """A source that gives no Kubernetes object: most often a wrong path, so an error unless
    the user allowed it; the warning it becomes then."""
    message = f"{spec.label}: no Kubernetes objects (documents with apiVersion and kind)"
    if not options.allow_empty:
        raise InputError(
            f"{message}; check the path, or {options.wording.enable('allow_empty')} to let a "
            "source give none"
        )
    return message


def _check_terraform_only(options: RunOptions) -> None:
    say = options.wording
    flag = say.option("live_from_terraform")
    others = [spec.label for spec in options.sources if not isinstance(spec, TerraformSpec)]
    if others:
        raise UsageError(f"{flag} compares Terraform plans only, not {others[0]}")
    if options.live_snapshots:
        raise UsageError(f"{flag} reads no live state: leave out {say.option('live_snapshot')}")
    if options.compare is not CompareMode.CLIENT_SIDE:
        raise UsageError(
            f"{say.option('compare')} {options.compare.value} needs a cluster, not {flag}"
        )


def _client(options: RunOptions) -> KubeClient:
    say = options.wording
    try:
        return KubeClient(options.cluster or ClusterSpec())
    except NoKubeconfig as exc:
        hint = say.choices("kubeconfig", "server", "live_snapshot")
        if any(isinstance(spec, TerraformSpec) for spec in options.sources):
            hint += (
                f", or {say.option('live_from_terraform')} to compare with Terraform's own "
                "view of the cluster in the plan"
            )
        raise UsageError(f"{exc.detail}; {hint}") from exc


def _compare_with_snapshots(
    options: RunOptions,
    desired_raw: list[tuple[RawObject, str]],
    snapshots: tuple[list[RawObject], list[str]],
    warnings: list[str],
) -> Report:
    live_raw, more = snapshots
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
