"""The `drift-action` command: flags in, a report out, and an exit code like `kubectl diff`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn, TextIO

from drift_action import ISSUES_URL, __version__
from drift_action.bounds import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    MIB,
    RenderLimits,
    parse_seconds,
    parse_size,
)
from drift_action.config import DEFAULT_FILE, load_config
from drift_action.confine import PathPolicy
from drift_action.errors import DriftActionError, UsageError
from drift_action.files import write_atomic
from drift_action.live.kube_client import ClusterSpec
from drift_action.model import Report
from drift_action.pipeline import RunOptions, run
from drift_action.report import FORMATS, RenderOptions, render
from drift_action.selector import parse_selector
from drift_action.server_side import CompareMode
from drift_action.sources import HelmSpec, KustomizeSpec, ManifestsSpec, SourceSpec, TerraformSpec

EXIT_IN_SYNC, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
PROG = "drift-action"
log = logging.getLogger(PROG)
TOKEN_ENV = "DRIFT_ACTION_TOKEN"  # noqa: S105 (the variable's name, not a token)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line and exit 2 through our own error path, rather than argparse's usage dump.
        raise UsageError(f"{message} (see {PROG} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Compare Kubernetes objects declared in Git with the live cluster.",
        epilog="Exit status: 0 in sync, 1 drift found, 2 error.",
    )
    desired = parser.add_argument_group("desired state (from Git)")
    desired.add_argument(
        "--manifests",
        action="append",
        default=[],
        metavar="PATH",
        help="YAML/JSON manifest file, directory (recursive) or glob; repeatable",
    )
    desired.add_argument(
        "--namespace",
        default="default",
        help="namespace for namespaced objects that set none, and Helm's release namespace "
        "(default: %(default)s)",
    )
    desired.add_argument(
        "--kustomize",
        action="append",
        default=[],
        metavar="DIR",
        help="kustomization folder, built with `kustomize build` or `kubectl kustomize`; "
        "repeatable",
    )
    desired.add_argument(
        "--terraform-plan",
        action="append",
        default=[],
        metavar="FILE",
        help="Terraform plan: the JSON of `terraform show -json PLANFILE`, or the plan file "
        "(turned into JSON with terraform, when on PATH); repeatable",
    )
    helm = parser.add_argument_group("Helm (rendered with Helm's own engine)")
    helm.add_argument("--helm-chart", metavar="PATH", help="chart folder or packaged .tgz")
    helm.add_argument(
        "--values", "-f", action="append", default=[], metavar="FILE",
        help="values file; repeatable, later files win (as helm -f)",
    )  # fmt: skip
    helm.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="as helm --set (lists {a,b}, a[0].b=c, escaped dots a\\.b=c); repeatable",
    )  # fmt: skip
    helm.add_argument(
        "--set-string", action="append", default=[], metavar="KEY=VALUE",
        help="as helm --set-string; repeatable",
    )  # fmt: skip
    helm.add_argument(
        "--release", default="release-name", help="release name (default: %(default)s)"
    )
    helm.add_argument(
        "--kube-version",
        metavar="VERSION",
        help="Kubernetes version templates see in .Capabilities (default: Helm's own)",
    )
    helm.add_argument(
        "--api-versions", action="append", default=[], metavar="GROUP/VERSION",
        help="API versions added to .Capabilities.APIVersions; repeatable",
    )  # fmt: skip
    helm.add_argument(
        "--include-hooks", action="store_true",
        help="also compare hook objects (helm.sh/hook, including tests)",
    )  # fmt: skip
    helm.add_argument("--helm-binary", metavar="PATH", help="render with this helm program instead")
    live = parser.add_argument_group("live state (from the cluster)")
    live.add_argument(
        "--live-snapshot",
        action="append",
        default=[],
        metavar="FILE",
        help="output of `kubectl get ... -o yaml` or `-o json` ('-' for stdin); repeatable",
    )
    live.add_argument(
        "--live-from-terraform",
        action="store_true",
        help="read no snapshot and no cluster: compare with what Terraform's refresh recorded "
        "in the --terraform-plan (its refreshed state and resource_drift)",
    )
    live.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig to read the cluster with (default: $KUBECONFIG, which may list "
        "several files, then ~/.kube/config, then the in-cluster service account)",
    )
    live.add_argument("--context", help="kubeconfig context (default: its current context)")
    live.add_argument(
        "--server",
        metavar="URL",
        help="API server URL, instead of a kubeconfig; the bearer token is read from the "
        f"{TOKEN_ENV} environment variable",
    )
    live.add_argument(
        "--certificate-authority", metavar="FILE", help="CA bundle (PEM) for --server"
    )
    live.add_argument(
        "--compare",
        choices=[mode.value for mode in CompareMode],
        default=CompareMode.CLIENT_SIDE.value,
        help="server-side: confirm objects that differ with a server-side apply dry run "
        "(needs 'patch'); server-side-all: dry-run every object, as Argo CD does "
        "(default: %(default)s)",
    )
    live.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="per-request timeout for the API server (default: %(default)s)",
    )
    live.add_argument(
        "--selector",
        "-l",
        help="label selector for live objects that should be in Git; those that are not "
        "are reported as extra (e.g. app.kubernetes.io/instance=shop)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="ignore rules, severity rules and field managers (default: .drift.yaml if present)",
    )
    untrusted = parser.add_argument_group("untrusted input")
    untrusted.add_argument(
        "--confine-to",
        metavar="DIR",
        help="refuse input files (manifests, charts, values, kustomizations, snapshots, plans, "
        "the config file, and every file found in their folders) that resolve, symlinks "
        "followed, outside DIR; the action always confines them to its workspace",
    )
    untrusted.add_argument(
        "--render-timeout",
        default=f"{DEFAULT_TIMEOUT:g}",
        metavar="SECONDS",
        help="stop a Helm or Kustomize render that runs longer (default: %(default)s)",
    )
    untrusted.add_argument(
        "--render-max-bytes",
        default=f"{DEFAULT_MAX_BYTES // MIB}M",
        metavar="SIZE",
        help="stop a Helm or Kustomize render that prints more, e.g. 64M or 1G "
        "(default: %(default)s)",
    )
    out = parser.add_argument_group("report")
    out.add_argument("--format", choices=sorted(FORMATS), default="text", help="default: text")
    out.add_argument("--output", "-o", metavar="FILE", help="write the report here, not stdout")
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (default: auto, when stdout is a terminal)",
    )
    out.add_argument(
        "--explain",
        action="store_true",
        help="also list the differences that are not drift, and why (text and markdown)",
    )
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when drift is found")
    parser.add_argument("--verbose", "-v", action="store_true", help="show progress on stderr")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def sources_from(args: argparse.Namespace) -> tuple[SourceSpec, ...]:
    """The sources the flags name: a shorthand for a one-source config."""
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
    policy = (
        PathPolicy()
        if args.confine_to is None
        else PathPolicy.inside(args.confine_to, f"--confine-to {args.confine_to}")
    )
    limits = RenderLimits(
        timeout=parse_seconds(args.render_timeout, "--render-timeout"),
        max_bytes=parse_size(args.render_max_bytes, "--render-max-bytes"),
    )
    config = load_config(config_file(args.config, policy))
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
    )


def config_file(given: str | None, policy: PathPolicy) -> str | None:
    """The config file to read (the one given, else `.drift.yaml` when there is one), checked
    against the path policy; None: no config file."""
    path = given if given is not None else DEFAULT_FILE if os.path.exists(DEFAULT_FILE) else None
    if path is not None:
        policy.check(path, "config file")
    return path


def exit_code(report: Report, *, fail_on_drift: bool) -> int:
    if report.has_errors:
        return EXIT_ERROR
    if report.has_drift and fail_on_drift:
        return EXIT_DRIFT
    return EXIT_IN_SYNC


def _use_color(choice: str, output: str | None, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return output is None and stream.isatty() and "NO_COLOR" not in os.environ


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
        report = run(options_from(args, os.environ))
        for warning in report.warnings:
            # One line each, whatever line breaks the input put in a name or an address.
            print(f"{PROG}: warning: {' '.join(warning.split())}", file=sys.stderr)
        color = _use_color(args.color, args.output, sys.stdout)
        text = render(report, args.format, RenderOptions(color=color, explain=args.explain))
        if args.output:
            write_atomic(args.output, text)
            print(f"{PROG}: report written to {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return exit_code(report, fail_on_drift=not args.exit_zero)
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
