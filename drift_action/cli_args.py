"""The `drift-action` command's flags: the argument parser, its groups, defaults and help text.

`drift_action.cli` turns what it parses into a run; keeping the long flag table here leaves that
module to the run itself.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import NoReturn

from drift_action import __version__
from drift_action.compare.modes import CompareMode
from drift_action.core.bounds import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, MIB
from drift_action.core.errors import UsageError
from drift_action.core.model import FailOn
from drift_action.report import FORMATS

PROG = "drift-action"
TOKEN_ENV = "DRIFT_ACTION_TOKEN"  # noqa: S105 (the variable's name, not a token)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line and exit 2 through our own error path, rather than argparse's usage dump.
        raise UsageError(f"{message} (see {PROG} --help)")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        parsed, unknown = self.parse_known_args(args, namespace)
        if unknown:
            self.error(self._unknown(unknown))
        return parsed

    def _unknown(self, unknown: list[str]) -> str:
        """The first unknown option, with the nearest real one: `--manifest` is not taken as
        an abbreviation of `--manifests` (allow_abbrev=False), but the typo is named."""
        option = next((arg for arg in unknown if arg.startswith("-")), None)
        if option is None:
            return f"unexpected argument {unknown[0]!r}: options take their values after a flag"
        name = option.split("=", 1)[0]
        known = [flag for action in self._actions for flag in action.option_strings]
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f"unknown option {name}" + (f": did you mean {near[0]}?" if near else "")


def _format(value: str) -> str:
    """`-o` names a format, as kubectl's does; a file name there would be written as a file
    called `json`, so it is refused with the flag that writes a file."""
    if value not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a format ({', '.join(sorted(FORMATS))}); "
            "to write the report to a file, use --output-file FILE"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,
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
        "-n",
        default="default",
        help="namespace for namespaced objects that set none, and Helm's release namespace "
        "(default: %(default)s)",
    )
    desired.add_argument(
        "--kustomize",
        "-k",
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
    base = parser.add_argument_group(
        "pull requests: the desired state before the change (base), to tell the PR's own "
        "changes apart from drift"
    )
    where = base.add_mutually_exclusive_group()
    where.add_argument(
        "--base",
        metavar="DIR",
        help="a checkout of the base commit (e.g. from git worktree add): the same sources "
        "are rendered with their paths under DIR too; Terraform plans use their prior state",
    )
    where.add_argument(
        "--base-ref",
        metavar="REF",
        help="the base commit or branch: checked out in a temporary git worktree, removed after",
    )
    live = parser.add_argument_group("live state (from the cluster)")
    live.add_argument(
        "--live-snapshot",
        action="append",
        default=[],
        metavar="FILE",
        help="output of `kubectl get ... -o yaml --show-managed-fields` (or -o json; "
        "'-' for stdin); repeatable",
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
    desired.add_argument(
        "--allow-empty",
        action="store_true",
        help="a source that gives no Kubernetes object is a warning, not an error",
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
        "--no-remote-bases",
        action="store_true",
        help="refuse kustomizations that fetch remote bases or files (URLs, git repositories); "
        "the action refuses them unless its allow_remote_bases input is true",
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
    _reconcile_flags(parser)
    out = parser.add_argument_group("report")
    out.add_argument(
        "--output", "-o", "--format", dest="format", type=_format, default="text",
        metavar="FORMAT", help=f"report format: {', '.join(sorted(FORMATS))} (default: text)",
    )  # fmt: skip
    out.add_argument(
        "--output-file", metavar="FILE",
        help="write the report to FILE (whole or not at all), not to stdout",
    )  # fmt: skip
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
    _adopt_flags(parser)
    out.add_argument(
        "--fail-on",
        choices=[choice.value for choice in FailOn],
        default=FailOn.DRIFT.value,
        help="what exits 1: drift (drift and conflicts; planned changes of a PR do not), any "
        "(planned and adopted changes too) or none (default: %(default)s)",
    )
    out.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when drift is found (--fail-on none)"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="show progress on stderr")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _adopt_flags(parser: argparse.ArgumentParser) -> None:
    adopt = parser.add_argument_group(
        "adopting live values into Git (raw YAML and Kustomize resource files)"
    )
    adopt.add_argument(
        "--write-adopt-patch", metavar="FILE",
        help="write a unified diff (for git apply) that makes the manifests equal the live "
        "values of the drifted fields; Secret values and controllers' values are left out",
    )  # fmt: skip
    adopt.add_argument(
        "--adopt", action="append", default=[], metavar="FIELD_GLOB",
        help="adopt only fields whose path matches, e.g. spec.replicas or '*.image'; repeatable",
    )  # fmt: skip
    adopt.add_argument(
        "--adopt-controllers", action="store_true",
        help="also adopt values a controller wrote (by default only people's edits)",
    )  # fmt: skip


def _reconcile_flags(parser: argparse.ArgumentParser) -> None:
    fix = parser.add_argument_group(
        "reconcile: put drifted and missing objects back with a server-side apply (needs "
        "'patch'; dry runs of every object first)"
    )
    fix.add_argument(
        "--reconcile", action="store_true",
        help="apply Git's object over each drifted or missing one, as the deployer's field "
        "manager; never deletes; exit 0 when everything was put back and re-read in sync",
    )  # fmt: skip
    fix.add_argument(
        "--force-conflicts", action="store_true",
        help="with --reconcile: take fields other managers own (kubectl edit/scale), as "
        "kubectl apply --server-side --force-conflicts",
    )  # fmt: skip
    fix.add_argument(
        "--reconcile-helm", action="store_true",
        help="with --reconcile: also apply Helm-rendered objects (helm upgrade is the usual way)",
    )  # fmt: skip
    fix.add_argument(
        "--reconcile-high", action="store_true",
        help="with --reconcile: go ahead when the drift includes a high-severity change",
    )  # fmt: skip
    fix.add_argument(
        "--prune", action="store_true", help="with --reconcile: delete extras (not supported yet)"
    )
