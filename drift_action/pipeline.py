"""The pipeline: sources -> live -> normalize/diff -> report. I/O stays in the stages it names."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from drift_action.compare.dry_run import CompareMode
from drift_action.compare.managers import ManagerClasses
from drift_action.compare.observations import merge, terraform_report, terraform_view
from drift_action.compare.three_way import against_base
from drift_action.compare.verdicts import Settings, compare
from drift_action.config.file import Config
from drift_action.core import list_schema
from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import DriftActionError, InputError, UsageError
from drift_action.core.model import KubeObject, Observer, Report, Unreadable
from drift_action.core.objects import RawObject, desired_objects, learn_scopes, live_objects
from drift_action.core.reconcile import ReconcileOptions
from drift_action.core.scope import ScopeResolver
from drift_action.core.selector import Selector
from drift_action.core.wording import CLI, Wording
from drift_action.desired import BaseOptions, Objects, render_base, render_head
from drift_action.live.apply import reconcile
from drift_action.live.cluster import ClusterReader
from drift_action.live.crd_schemas import read_crd_lists
from drift_action.live.kube_client import ClusterSpec, KubeClient, NoKubeconfig
from drift_action.live.prefetch import Prefetch
from drift_action.live.quantity import parse_quantity
from drift_action.live.server_side import confirm_server_side
from drift_action.live.snapshot import read_snapshots
from drift_action.remediation import remediate
from drift_action.sources import (
    HelmSpec,
    KustomizeSpec,
    ManifestsSpec,
    SourceSpec,
    TerraformSpec,
)
from drift_action.sources.manifests import ParseCache
from drift_action.sources.reroot import moved

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
    base: BaseOptions | None = None  # also compare the desired state at the PR's base
    sources_file: str | None = None  # the config file `sources` came from, if they did
    wording: Wording = CLI  # how messages name options: flags, or the action's inputs
    reconcile: ReconcileOptions | None = None  # apply Git over the drift (live/apply.py)
    # Not a user option: False reads the cluster only after Git is parsed, as before the
    # prefetch (bench/overlap_bench.py compares the two).
    overlap: bool = True


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
        with list_schema.learning():  # the CRDs' list semantics, for this run only
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
    for path in options.live_snapshots:
        options.policy.check(path, "live snapshot")
    if options.reconcile is not None:
        _check_reconcile(options)
    reads_cluster = not options.live_snapshots and not options.live_from_terraform
    if not (reads_cluster and options.overlap):
        return _render_and_compare(options, None)
    # The cluster's first requests go out while Git is parsed (live/prefetch.py).
    prefetch = Prefetch(lambda: _client(options))
    try:
        return _render_and_compare(options, prefetch)
    finally:
        prefetch.close()


def _render_and_compare(options: RunOptions, prefetch: Prefetch | None) -> Report:
    # Files a pull request leaves alone are parsed once, for the head and the base.
    parsed = ParseCache() if options.base is not None else None
    head, carried = render_head(
        options.sources,
        lambda spec: _prepare(spec, options, parsed, prefetch),
        None if prefetch is None else _noted_by(prefetch),
    )
    warnings = head.warnings
    base_raw: Objects | None = None
    if options.base is not None:
        policy = options.policy
        if options.base.root is not None and options.policy.root is not None:
            # The same confinement, at the base: the workspace's place in the checkout.
            here = os.path.realpath(os.getcwd())
            root = moved(options.policy.root, options.base.root, here)
            policy = PathPolicy.inside(root, "the base checkout")
        base_options = replace(options, policy=policy)
        base_raw, more = render_base(
            options.base,
            options.sources,
            carried,
            lambda spec: _prepare(spec, base_options, parsed),
        )
        warnings.extend(more)
    # Read before an empty source is refused: a broken input names its file and line first.
    snapshots = read_snapshots(options.live_snapshots) if options.live_snapshots else None
    warnings.extend(_nothing_from(spec, options) for spec in head.empty)
    settings = settings_from(options.config)
    desired_raw, observations = head.objects, head.observations
    run = _Run(options, desired_raw, base_raw, warnings, head.tools)
    if options.live_from_terraform:  # no snapshot, no cluster: nothing else is contacted
        viewed = {o.address for o in observations}
        unseen = {o.source.address for o, _ in desired_raw if o.source.address not in viewed}
        warnings.extend(
            f"{address}: the plan holds no view of the cluster for it (Terraform keeps none "
            "of a Helm release's objects, nor does a plan without resource_changes): not "
            "compared without a live snapshot or a cluster"
            for address in sorted(a for a in unseen if a)
        )
        if base_raw is not None:  # Terraform's refreshed view is the live state, where it has one
            run.desired_raw = [(o, ns) for o, ns in desired_raw if o.source.address in viewed]
            run.base_raw = [(o, ns) for o, ns in base_raw if o.source.address in viewed]
            return run.fixed(
                _seen_by_terraform(run.with_snapshots((terraform_view(observations), [])))
            )
        report = terraform_report(observations, settings, drift_only=False)
        return run.fixed(Report(report.resources, (*warnings, *report.warnings)))
    if snapshots is not None:
        report = run.with_snapshots(snapshots)
    else:
        client, discovery = prefetch.handoff() if prefetch is not None else (None, None)
        with client or _client(options) as client:
            lists = prefetch if discovery is not None else None  # None: the client came late
            reader = ClusterReader(client, discovery=discovery, lists=lists)
            report = run.with_cluster(reader)
    if not any(o.drift for o in observations):
        return run.fixed(report)
    return run.fixed(merge(report, terraform_report(observations, settings, drift_only=True)))


def _prepare(
    spec: SourceSpec,
    options: RunOptions,
    parsed: ParseCache | None,
    prefetch: Prefetch | None = None,
) -> SourceSpec:
    """The run's path policy and render limits, given to the source that applies them."""
    policy, limits = options.policy, options.limits
    if isinstance(spec, ManifestsSpec):
        seen = None if prefetch is None else prefetch.documents  # told file by file
        return replace(spec, policy=policy, wording=options.wording, parsed=parsed, seen=seen)
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


def _noted_by(prefetch: Prefetch) -> Callable[[SourceSpec, list[RawObject]], None]:
    """Each rendered source's objects, for the prefetch (manifests told it file by file)."""

    def noted(spec: SourceSpec, found: list[RawObject]) -> None:
        if not isinstance(spec, ManifestsSpec):
            for obj in found:
                prefetch.saw(obj.body, spec.namespace)

    return noted


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


def _check_reconcile(options: RunOptions) -> None:
    """A reconcile writes to the cluster it read: no snapshot, no plan's view, no base."""
    say = options.wording
    flag = say.option("reconcile")
    if options.live_snapshots or options.live_from_terraform:
        given = "live_snapshot" if options.live_snapshots else "live_from_terraform"
        raise UsageError(f"{flag} applies to a cluster: leave out {say.option(given)}")
    if options.base is not None:
        raise UsageError(f"{flag} reports drift alone: it cannot compare with a base")


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


@dataclass
class _Run:
    """One comparison: the head's (and the base's) desired objects with the one live state."""

    options: RunOptions
    desired_raw: Objects
    base_raw: Objects | None
    warnings: list[str]
    tools: dict[int, str] = field(default_factory=dict)  # desired bodies' kinds of source
    # What was compared, for the fix under each drifted object (its origin, how it was applied).
    compared: tuple[list[KubeObject], list[KubeObject]] = ([], [])

    def fixed(self, report: Report) -> Report:
        desired, live = self.compared
        return remediate(report, desired, live, settings_from(self.options.config).managers)

    def with_snapshots(self, snapshots: tuple[list[RawObject], list[str]]) -> Report:
        live_raw, more = snapshots
        self.warnings.extend(more)
        scopes = ScopeResolver()
        learn_scopes(scopes, self._all_desired(), live_raw)
        desired, base = self._desired(scopes)
        live, more = live_objects(live_raw)
        self.warnings.extend(more)
        return self._compare(desired, base, live, Unreadable(), None)

    def with_cluster(self, reader: ClusterReader) -> Report:
        scopes = ScopeResolver()
        learn_scopes(scopes, self._all_desired(), ())
        reader.learn_scopes(self._all_desired(), scopes)
        desired, base = self._desired(scopes)
        self.warnings.extend(read_crd_lists(reader.client, reader.discovery, desired))
        # One read for both: the base's objects the PR deletes are read with the head's.
        wanted = desired if base is None else _union(desired, base)
        read = reader.read(wanted, self.options.selector)
        self.warnings.extend(reader.warnings)
        live, more = live_objects(read.objects)
        self.warnings.extend(more)
        report = self._compare(desired, base, live, read.unreadable, reader)
        options = self.options
        if options.reconcile is None:
            return report
        settings = settings_from(options.config)
        return reconcile(
            report, desired, live, reader, tools=self.tools, options=options.reconcile,
            settings=settings,
        )  # fmt: skip

    def _all_desired(self) -> list[RawObject]:
        both = self.desired_raw + (self.base_raw or [])
        return [obj for obj, _ in both]

    def _desired(self, scopes: ScopeResolver) -> tuple[list[KubeObject], list[KubeObject] | None]:
        desired, more = desired_objects(self.desired_raw, scopes)
        self.warnings.extend(more)
        if self.base_raw is None:
            return desired, None
        try:
            base, _ = desired_objects(self.base_raw, scopes)
        except DriftActionError as exc:  # two objects of one identity at the base
            self.warnings.append(f"the base could not be compared: {exc}")
            return desired, None
        return desired, base

    def _compare(
        self,
        desired: list[KubeObject],
        base: list[KubeObject] | None,
        live: list[KubeObject],
        unreadable: Unreadable,
        reader: ClusterReader | None,
    ) -> Report:
        options = self.options
        settings = settings_from(options.config)
        self.compared = (desired, live)
        self.warnings.extend(list_schema.drain_warnings())
        if not desired:
            self.warnings.append("no desired objects were found: nothing to compare")
        log.info("comparing %d desired objects with %d live objects", len(desired), len(live))
        report = compare(
            desired,
            live,
            selector=options.selector,
            warnings=self.warnings,
            settings=settings,
            unreadable=unreadable,
        )
        if reader is not None and options.compare is not CompareMode.CLIENT_SIDE:
            report = confirm_server_side(report, desired, live, reader, options.compare, settings)
        if base is None or options.base is None:
            return report
        # Most objects are the same at base and head: their comparison with the live state is
        # the head's. Only those the PR touches, or removes, are compared again.
        at_head = {obj.key: obj.body for obj in desired}
        same = {obj.key for obj in base if at_head.get(obj.key) == obj.body}
        touched = [obj for obj in base if obj.key not in same]
        log.info("comparing %d base objects the PR changes with the live objects", len(touched))
        at_base = compare(touched, live, settings=settings, unreadable=unreadable)
        reused = tuple(r for r in report.resources if r.key in same)
        at_base = replace(at_base, resources=(*at_base.resources, *reused))
        return against_base(
            report, at_base, desired, base, description=options.base.description, settings=settings
        )


def _union(desired: list[KubeObject], base: list[KubeObject]) -> list[KubeObject]:
    keys = {obj.key for obj in desired}
    return desired + [obj for obj in base if obj.key not in keys]


def _seen_by_terraform(report: Report) -> Report:
    """A report whose live state is Terraform's refreshed view, said so on every result."""
    resources = tuple(replace(r, seen_by=(Observer.TERRAFORM,)) for r in report.resources)
    return replace(report, resources=resources)
