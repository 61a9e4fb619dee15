"""The `drift-action` command: flags in, a report out, and an exit code like `kubectl diff`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from drift_action import ISSUES_URL
from drift_action.cli_args import PROG, TOKEN_ENV, build_parser
from drift_action.compare.modes import CompareMode
from drift_action.core.bounds import RenderLimits, parse_seconds, parse_size
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import DriftActionError, UsageError
from drift_action.core.files import write_atomic
from drift_action.core.model import FailOn, Report
from drift_action.core.reconcile import ReconcileOptions
from drift_action.core.selector import parse_selector
from drift_action.report import RenderOptions, render

if TYPE_CHECKING:
    from drift_action.pipeline import RunOptions
    from drift_action.sources import SourceSpec

# The run's modules (the pipeline, the sources, the config file's reader, the cluster client)
# are imported by the functions that use them, after the flags are parsed: --version and
# --help answer without loading them (bench/startup.py measures the difference).

# Re-exports PROG, TOKEN_ENV and build_parser from cli_args: callers and tests import them here.
__all__ = [
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_IN_SYNC",
    "PROG",
    "TOKEN_ENV",
    "build_parser",
    "config_file",
    "exit_code",
    "main",
    "options_from",
    "reconcile_options",
    "sources_from",
]

EXIT_IN_SYNC, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
log = logging.getLogger(PROG)


def sources_from(args: argparse.Namespace) -> tuple[SourceSpec, ...]:
    """The sources the flags name: a shorthand for a one-source config."""
    from drift_action.sources import (  # noqa: PLC0415 (see the imports above)
        HelmSpec,
        KustomizeSpec,
        ManifestsSpec,
        TerraformSpec,
    )

    helm_only = [
        flag
        for flag, given in (
            ("--values", args.values),
            ("--set", args.set),
            ("--set-string", args.set_string),
            ("--kube-version", args.kube_version),
            ("--api-versions", args.api_versions),
            ("--include-hooks", args.include_hooks),
            ("--helm-binary", args.helm_binary),
        )
        if given
    ]
    if helm_only and not args.helm_chart:
        raise UsageError(f"{helm_only[0]} needs --helm-chart")
    specs: list[SourceSpec] = []
    if args.manifests:
        specs.append(ManifestsSpec(tuple(args.manifests), args.namespace))
    if args.helm_chart:
        specs.append(
            HelmSpec(
                chart=args.helm_chart,
                values=tuple(args.values),
                set=tuple(args.set),
                set_string=tuple(args.set_string),
                release=args.release,
                namespace=args.namespace,
                kube_version=args.kube_version,
                api_versions=tuple(args.api_versions),
                include_hooks=args.include_hooks,
                helm_binary=args.helm_binary,
            )
        )
    specs.extend(KustomizeSpec(path, args.namespace) for path in args.kustomize)
    specs.extend(TerraformSpec(path, args.namespace) for path in args.terraform_plan)
    return tuple(specs)


def options_from(args: argparse.Namespace, env: Mapping[str, str]) -> RunOptions:
    from drift_action.config.file import load_config  # noqa: PLC0415 (see the imports above)
    from drift_action.live.kube_client import ClusterSpec  # noqa: PLC0415
    from drift_action.pipeline import RunOptions  # noqa: PLC0415

    policy = (
        PathPolicy()
        if args.confine_to is None
        else PathPolicy.inside(args.confine_to, f"--confine-to {args.confine_to}")
    )
    limits = RenderLimits(
        timeout=parse_seconds(args.render_timeout, "--render-timeout"),
        max_bytes=parse_size(args.render_max_bytes, "--render-max-bytes"),
    )
    path = config_file(args.config, policy)
    config = load_config(path, programs=policy.root is None)
    flagged = sources_from(args)
    specs = flagged or config.sources
    if flagged and config.sources:
        log.warning("the command line names sources: the config file's sources are not used")
    selector = parse_selector(args.selector) if args.selector else None
    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    cluster = ClusterSpec(
        kubeconfig=args.kubeconfig,
        context=args.context,
        server=args.server,
        token=env.get(TOKEN_ENV) or None,
        certificate_authority=args.certificate_authority,
        timeout=args.timeout,
    )
    return RunOptions(
        specs,
        tuple(args.live_snapshot),
        selector,
        config,
        cluster=cluster,
        compare=CompareMode(args.compare),
        live_from_terraform=args.live_from_terraform,
        policy=policy,
        limits=limits,
        allow_empty=args.allow_empty,
        allow_remote_bases=not args.no_remote_bases,
        sources_file=None if flagged else path,
        reconcile=reconcile_options(
            reconcile=args.reconcile,
            force_conflicts=args.force_conflicts,
            helm=args.reconcile_helm,
            high=args.reconcile_high,
            prune=args.prune,
        ),
    )


def reconcile_options(
    *,
    reconcile: bool,
    force_conflicts: bool,
    helm: bool,
    high: bool,
    prune: bool,
    action: bool = False,
) -> ReconcileOptions | None:
    """The reconcile settings, or None without --reconcile (the options alone are refused)."""
    name = (lambda n: f"input {n}") if action else (lambda n: "--" + n.replace("_", "-"))
    if prune:
        raise UsageError(f"{name('prune')}: pruning extras is not supported yet")
    given = [n for n, on in (("force_conflicts", force_conflicts), ("reconcile_helm", helm),
             ("reconcile_high", high)) if on]  # fmt: skip
    if not reconcile:
        if given:
            raise UsageError(f"{name(given[0])} needs {name('reconcile')}")
        return None
    return ReconcileOptions(force_conflicts=force_conflicts, helm=helm, high=high)


def config_file(given: str | None, policy: PathPolicy) -> str | None:
    """The config file to read (the one given, else `.drift.yaml` when there is one), checked
    against the path policy; None: no config file."""
    from drift_action.config.file import DEFAULT_FILE  # noqa: PLC0415 (see the imports above)

    path = given if given is not None else DEFAULT_FILE if os.path.exists(DEFAULT_FILE) else None
    if path is not None:
        policy.check(path, "config file")
    return path


def exit_code(report: Report, fail_on: FailOn) -> int:
    """2 for errors, 1 for what `fail_on` names (drift and conflicts by default), else 0.
    After a reconcile: 0 when every drifted resource was put back and re-read in sync."""
    if report.has_errors:
        return EXIT_ERROR
    if report.reconciliation is not None and fail_on is not FailOn.NONE:
        return EXIT_IN_SYNC if report.reconciliation.settled(report) else EXIT_DRIFT
    if report.fails(fail_on):
        return EXIT_DRIFT
    return EXIT_IN_SYNC


def _use_color(choice: str, output: str | None, stream: TextIO, env: Mapping[str, str]) -> bool:
    """--color, else NO_COLOR (off), else FORCE_COLOR (on), else whether stdout is a terminal;
    a non-empty value counts, as no-color.org and force-color.org say."""
    if choice != "auto":
        return choice == "always"
    if output is not None or env.get("NO_COLOR"):
        return False
    return bool(env.get("FORCE_COLOR")) or stream.isatty()


def _write_adopt_patch(args: argparse.Namespace, options: RunOptions, report: Report) -> None:
    # Imported here: only runs that adopt load the YAML editor.
    from drift_action.adopt.plan import Choice, write_patch  # noqa: PLC0415
    from drift_action.sources import HelmSpec  # noqa: PLC0415

    helm = [spec for spec in options.sources if isinstance(spec, HelmSpec)]
    values = tuple(file for spec in helm for file in spec.values)
    choice = Choice(tuple(args.adopt), args.adopt_controllers, tuple(s.chart for s in helm), values)
    for line in write_patch(report, choice, args.write_adopt_patch):
        print(f"{PROG}: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format=f"{PROG}: %(message)s",
            stream=sys.stderr,
            force=True,  # in-process callers (tests, the action) get this run's streams
        )
        if args.helm_chart and not args.helm_binary:
            from drift_action.core.helm_engine import warm_up  # noqa: PLC0415

            warm_up()  # Helm's engine loads in its own process while this one imports the run
        # Imported here, once the flags are parsed: see the imports above.
        from drift_action.base_checkout import base_checkout  # noqa: PLC0415
        from drift_action.pipeline import run  # noqa: PLC0415

        options = options_from(args, os.environ)
        with base_checkout(
            options.sources,
            folder=args.base,
            ref=args.base_ref,
            config_file=options.sources_file,
        ) as base:
            report = run(replace(options, base=base))
        for warning in report.warnings:
            # One line each, whatever line breaks the input put in a name or an address.
            print(f"{PROG}: warning: {' '.join(warning.split())}", file=sys.stderr)
        color = _use_color(args.color, args.output_file, sys.stdout, os.environ)
        text = render(report, args.format, RenderOptions(color=color, explain=args.explain))
        if args.output_file:
            write_atomic(args.output_file, text)
            print(f"{PROG}: report written to {args.output_file}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        if args.write_adopt_patch:
            _write_adopt_patch(args, options, report)
        return exit_code(report, FailOn.NONE if args.exit_zero else FailOn(args.fail_on))
    except DriftActionError as exc:
        if debug:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            raise
        print(
            f"{PROG}: internal error ({type(exc).__name__}). This is a bug: please report it at "
            f"{ISSUES_URL} with the output of --debug.",
            file=sys.stderr,
        )
        return EXIT_ERROR
