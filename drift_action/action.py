"""The container action's entry point: INPUT_* variables in, report, outputs and exit code out."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from drift_action import ISSUES_URL
from drift_action.adopt.present import Suggestion
from drift_action.base_checkout import base_checkout
from drift_action.cli import EXIT_ERROR, config_file, exit_code, reconcile_options
from drift_action.compare.dry_run import CompareMode
from drift_action.config.file import load_config
from drift_action.core.bounds import RenderLimits, parse_seconds, parse_size
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import DriftActionError, UsageError
from drift_action.core.files import write_atomic
from drift_action.core.model import ChangeClass, FailOn, Report
from drift_action.core.reconcile import ReconcileOptions
from drift_action.core.selector import parse_selector
from drift_action.core.tools import which
from drift_action.core.wording import ACTION
from drift_action.github import publish
from drift_action.github.api import GitHubApi
from drift_action.github.context import (
    NIGHTLY_EVENTS,
    PULL_REQUEST_EVENTS,
    GitHubContext,
    pull_request_base,
    reconcile_refusal,
)
from drift_action.github.inputs import bool_input as _bool_input
from drift_action.github.inputs import input_value as _input
from drift_action.github.inputs import list_input as _list_input
from drift_action.github.settings import PublishSettings, publish_settings
from drift_action.github.workflow_commands import append_summary, command, write_outputs
from drift_action.live.kube_client import ClusterSpec, kubeconfig_credentials
from drift_action.pipeline import RunOptions, run
from drift_action.report import FORMATS, RenderOptions, markdown, render
from drift_action.sources import HelmSpec, KustomizeSpec, ManifestsSpec, SourceSpec, TerraformSpec

MARKDOWN_REPORT = "drift-report.md"
JSON_REPORT = "drift-report.json"
SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024  # GitHub's 1 MiB per step, less room for warnings
FETCH_HINT = (
    "add `fetch-depth: 0` to the actions/checkout step (or fetch the base commit before this "
    "one), or set compare_base: false"
)
NO_GIT_HINT = "use an image with git, or set compare_base: false"


@dataclass(frozen=True)
class ActionConfig:
    manifests: tuple[str, ...]
    namespace: str
    live_snapshots: tuple[str, ...]
    selector: str | None
    format: str
    fail_on_drift: bool
    summary_path: str | None
    output_path: str | None
    config: str | None = None
    explain: bool = False
    cluster: ClusterSpec = field(default_factory=ClusterSpec)
    helm: HelmSpec | None = None
    kustomize: tuple[str, ...] = ()
    terraform_plans: tuple[str, ...] = ()
    live_from_terraform: bool = False
    ca_pem: str = field(default="", repr=False)
    compare: CompareMode = CompareMode.CLIENT_SIDE
    github: PublishSettings | None = None  # None: no github_token, nothing goes to GitHub
    github_context: GitHubContext | None = None  # None: not a GitHub Actions run
    # Input files must resolve inside the workspace: a repository is untrusted data.
    policy: PathPolicy = field(default_factory=PathPolicy)
    limits: RenderLimits = field(default_factory=RenderLimits)
    allow_empty: bool = False
    allow_remote_bases: bool = False  # a pull request must not make the runner fetch URLs
    fail_on: FailOn = FailOn.DRIFT
    base_ref: str | None = None  # compare with this commit too (a pull request's base)
    reconcile: ReconcileOptions | None = None  # apply Git over the drift (reconcile: true)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionConfig:
        fmt = _input(env, "format") or "text"
        if fmt not in FORMATS:
            raise UsageError(f"input format: {fmt!r} is not one of {', '.join(sorted(FORMATS))}")
        compare = _input(env, "compare") or CompareMode.CLIENT_SIDE.value
        modes = [mode.value for mode in CompareMode]
        if compare not in modes:
            raise UsageError(f"input compare: {compare!r} is not one of {', '.join(modes)}")
        github = publish_settings(env)
        policy = PathPolicy.inside(env.get("GITHUB_WORKSPACE") or os.getcwd(), "the workspace")
        return cls(
            manifests=_list_input(env, "manifests"),
            namespace=_input(env, "namespace") or "default",
            live_snapshots=_list_input(env, "live_snapshot"),
            selector=_input(env, "selector") or None,
            format=fmt,
            fail_on_drift=_bool_input(env, "fail_on_drift", default=True),
            fail_on=_fail_on(env),
            base_ref=_base_ref(env),
            summary_path=env.get("GITHUB_STEP_SUMMARY") or None,
            output_path=env.get("GITHUB_OUTPUT") or None,
            config=_input(env, "config") or None,
            explain=_bool_input(env, "explain", default=False),
            cluster=ClusterSpec(
                kubeconfig=_input(env, "kubeconfig") or None,
                context=_input(env, "context") or None,
                server=_input(env, "server") or None,
                token=_input(env, "token") or None,
                timeout=_timeout(_input(env, "timeout")),
                # A kubeconfig in the workspace may be the pull request's own: it runs no
                # command and reads no file outside the workspace unless the workflow says so.
                untrusted_root=policy.root,
                allow_exec=_bool_input(env, "kubeconfig_exec", default=False),
            ),
            compare=CompareMode(compare),
            ca_pem=_input(env, "certificate_authority"),
            helm=_helm_input(env, policy),
            kustomize=_list_input(env, "kustomize"),
            terraform_plans=_list_input(env, "terraform_plan"),
            live_from_terraform=_bool_input(env, "live_from_terraform", default=False),
            github=github,
            github_context=publish.load_context(env, github) if github else None,
            policy=policy,
            limits=_render_limits(env),
            allow_empty=_bool_input(env, "allow_empty", default=False),
            allow_remote_bases=_bool_input(env, "allow_remote_bases", default=False),
            reconcile=_reconcile(env),
        )

    @property
    def sources_file(self) -> str | None:
        """The config file the sources come from, when no source input is set."""
        if self.manifests or self.helm or self.kustomize or self.terraform_plans:
            return None
        return config_file(self.config, self.policy)

    def run_options(self) -> RunOptions:
        specs: list[SourceSpec] = []
        if self.manifests:
            specs.append(ManifestsSpec(self.manifests, self.namespace))
        if self.helm is not None:
            specs.append(self.helm)
        specs.extend(KustomizeSpec(path, self.namespace) for path in self.kustomize)
        specs.extend(TerraformSpec(path, self.namespace) for path in self.terraform_plans)
        selector = parse_selector(self.selector) if self.selector else None
        config = load_config(config_file(self.config, self.policy), programs=False)
        return RunOptions(
            tuple(specs) or config.sources,
            self.live_snapshots,
            selector,
            config,
            cluster=self.cluster,
            compare=self.compare,
            live_from_terraform=self.live_from_terraform,
            policy=self.policy,
            limits=self.limits,
            allow_empty=self.allow_empty,
            allow_remote_bases=self.allow_remote_bases,
            wording=ACTION,
            sources_file=self.sources_file,
            reconcile=self.reconcile,
        )


@contextmanager
def certificate_file(pem: str) -> Iterator[str | None]:
    """The `certificate_authority` input (PEM text) as a file for the client, removed after."""
    if not pem:
        yield None
        return
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise UsageError(
            "input certificate_authority: expected PEM text (-----BEGIN CERTIFICATE-----)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".pem", encoding="utf-8") as handle:
        handle.write(pem if pem.endswith("\n") else pem + "\n")
        handle.flush()
        yield handle.name


def _helm_input(env: Mapping[str, str], policy: PathPolicy) -> HelmSpec | None:
    chart = _input(env, "helm_chart")
    helm_only = ("values", "set", "set_string", "kube_version", "api_versions", "helm_binary")
    if not chart:
        given = [name for name in helm_only if _input(env, name)]
        if given:
            raise UsageError(f"input {given[0]} needs helm_chart")
        return None
    return HelmSpec(
        chart=chart,
        values=_list_input(env, "values"),
        # Commas belong to Helm's own --set syntax (a=1,b=2 and {x,y}): one per line.
        set=_lines_input(env, "set"),
        set_string=_lines_input(env, "set_string"),
        release=_input(env, "release") or "release-name",
        namespace=_input(env, "namespace") or "default",
        kube_version=_input(env, "kube_version") or None,
        api_versions=_list_input(env, "api_versions"),
        include_hooks=_bool_input(env, "include_hooks", default=False),
        helm_binary=_helm_binary(_input(env, "helm_binary"), policy),
    )


def _helm_binary(given: str, policy: PathPolicy) -> str | None:
    """The helm_binary input, which must not be a program in the workspace: a pull request
    could replace it, and it runs with the job's tokens in its environment."""
    if not given:
        return None
    found = given if os.sep in given else which(given)
    if found is not None and policy.allows(found):
        raise UsageError(
            f"input helm_binary: {given} is in the workspace, which a pull request can change; "
            "install helm outside it (e.g. in the image, or a tool cache) and give that path"
        )
    return given


def _render_limits(env: Mapping[str, str]) -> RenderLimits:
    default = RenderLimits()
    timeout, size = _input(env, "render_timeout"), _input(env, "render_max_bytes")
    return RenderLimits(
        timeout=parse_seconds(timeout, "input render_timeout") if timeout else default.timeout,
        max_bytes=parse_size(size, "input render_max_bytes") if size else default.max_bytes,
    )


def _fail_on(env: Mapping[str, str]) -> FailOn:
    """fail_on; without it, fail_on_drift: false (the older input) means none."""
    given = _input(env, "fail_on")
    if not given:
        return FailOn.DRIFT if _bool_input(env, "fail_on_drift", default=True) else FailOn.NONE
    choices = [choice.value for choice in FailOn]
    if given not in choices:
        raise UsageError(f"input fail_on: {given!r} is not one of {', '.join(choices)}")
    return FailOn(given)


def _base_ref(env: Mapping[str, str]) -> str | None:
    """The commit to compare with besides the head: base_ref, else a pull request's base; none
    for nightly runs (their issue is about drift alone) or with compare_base: false."""
    mode = _input(env, "compare_base") or "auto"
    if mode not in ("auto", "true", "false"):
        raise UsageError(f"input compare_base: {mode!r} is not one of auto, true, false")
    if mode == "false":
        return None
    event = env.get("GITHUB_EVENT_NAME", "")
    if event in NIGHTLY_EVENTS:
        if mode == "true":
            raise UsageError(
                f"input compare_base: a {event} run reports drift alone, with no base; "
                "set compare_base: auto or false"
            )
        return None
    given = _input(env, "base_ref") or (
        pull_request_base(event, publish.load_event(env)) if event in PULL_REQUEST_EVENTS else ""
    )
    if not given and mode == "true":
        raise UsageError(
            "input compare_base: true, and there is no base: set base_ref, or run on "
            "pull_request events"
        )
    return given or None


def _reconcile(env: Mapping[str, str]) -> ReconcileOptions | None:
    """reconcile: true, refused unless the run is on the default branch or a schedule: a pull
    request's head must never write to the cluster."""
    options = reconcile_options(
        reconcile=_bool_input(env, "reconcile", default=False),
        force_conflicts=_bool_input(env, "force_conflicts", default=False),
        helm=_bool_input(env, "reconcile_helm", default=False),
        high=_bool_input(env, "reconcile_high", default=False),
        prune=_bool_input(env, "prune", default=False),
        action=True,
    )
    if options is not None:
        why = reconcile_refusal(env.get("GITHUB_EVENT_NAME", ""), env.get("GITHUB_REF", ""),
                                publish.load_event(env))  # fmt: skip
        if why:
            raise UsageError(f"input reconcile: {why}; nothing was applied")
    return options


def _lines_input(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in _input(env, name).splitlines() if line.strip())


def _timeout(value: str) -> float:
    if not value:
        return 30.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise UsageError(f"input timeout: expected a positive number of seconds, got {value!r}")
    return seconds


def action(config: ActionConfig, github: GitHubApi | None = None) -> int:
    """Report, write the files, the job summary and the outputs, publish to GitHub (when
    `github` is given), and only then return the exit code."""
    run_options = config.run_options()
    with (
        certificate_file(config.ca_pem) as ca_file,
        base_checkout(
            run_options.sources,
            ref=config.base_ref,
            config_file=run_options.sources_file,
            fetch=True,
            hint=FETCH_HINT,
            no_git_hint=NO_GIT_HINT,
        ) as base,
    ):
        cluster = replace(config.cluster, certificate_authority=ca_file)
        report = run(replace(run_options, cluster=cluster, base=base))
    for warning in report.warnings:
        print(command("warning", warning))
    options = RenderOptions(color=config.format == "text", explain=config.explain)
    print(render(report, config.format, options), end="")
    context = config.github_context
    # Manifests linked at the run's commit, in the artifact as in the job summary and comment.
    link = publish.links(context) if context is not None else None
    write_atomic(MARKDOWN_REPORT, markdown.render(report, explain=config.explain, link=link))
    write_atomic(JSON_REPORT, render(report, "json"))
    run_url = context.run_url if context else None
    if config.summary_path:
        summary = publish.summary_markdown(
            report, explain=config.explain, run_url=run_url, limit=SUMMARY_LIMIT, context=context
        )
        append_summary(config.summary_path, summary)
    if config.output_path:
        write_outputs(
            config.output_path,
            {
                "drift_detected": "true" if report.has_drift else "false",
                "drifted_count": str(report.drift_count),
                "planned_count": str(report.classes[ChangeClass.PLANNED]),
                # Relative to the workspace: the runner mounts it at another path than ours.
                "report_path": MARKDOWN_REPORT,
                "json_report_path": JSON_REPORT,
            },
        )
    if config.github is not None:
        suggestions = _adopt_suggestions(config, run_options, report)
        refused = publish.publish(
            report,
            config.github,
            context,
            github,
            fail_on=config.fail_on,
            explain=config.explain,
            suggestions=suggestions,
        )
        for warning in refused:
            print(command("warning", warning))
        if refused and config.summary_path:
            append_summary(config.summary_path, publish.summary_warnings(refused))
    return exit_code(report, config.fail_on)


def _adopt_suggestions(
    config: ActionConfig, run_options: RunOptions, report: Report
) -> tuple[Suggestion, ...]:
    """With suggest_adopt on a pull request: the review suggestions that adopt live values, also
    written to the job summary as a patch (GitHub takes suggestions only on the PR's diff)."""
    context, github = config.github_context, config.github
    if github is None or not github.suggest_adopt or context is None or context.pr_number is None:
        return ()
    # Imported here: only runs that adopt load the YAML editor.
    from drift_action.adopt.plan import Choice, pull_request_suggestions  # noqa: PLC0415
    from drift_action.github.review import summary_patch  # noqa: PLC0415

    helm = [spec for spec in run_options.sources if isinstance(spec, HelmSpec)]
    choice = Choice(
        helm_charts=tuple(s.chart for s in helm),
        helm_values_files=tuple(file for spec in helm for file in spec.values),
    )
    suggestions, notes = pull_request_suggestions(report, choice, os.getcwd())
    for note in notes:
        print(command("notice", note))
    if config.summary_path and suggestions:
        append_summary(config.summary_path, summary_patch(suggestions))
    return suggestions


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    del argv  # the runner passes everything through INPUT_* variables
    env = os.environ if env is None else env
    # Before anything else prints, and flushed, so that no line on standard error comes first:
    # the runner then hides these in every log line.
    for secret in _secrets_to_mask(env):
        print(command("add-mask", secret), flush=True)
    try:
        config = ActionConfig.from_env(env)
        github = None
        if config.github is not None and config.github_context is not None:
            github = publish.connect(config.github, config.github_context, env)
        return action(config, github)
    except DriftActionError as exc:
        print(command("error", str(exc)))
        return EXIT_ERROR
    except Exception as exc:
        if env.get("RUNNER_DEBUG") == "1":
            raise
        print(
            command(
                "error",
                f"internal error ({type(exc).__name__}). This is a bug: please report it at "
                f"{ISSUES_URL}; re-run with debug logging for a traceback.",
            )
        )
        return EXIT_ERROR


def _secrets_to_mask(env: Mapping[str, str]) -> list[str]:
    """The GitHub token, the cluster token, and the credentials of the kubeconfig the run would
    read (a kubeconfig in the workspace is not one of the runner's secrets): each whole and line
    by line. Kubeconfig values shorter than 6 characters are left out: masking them would hide
    every such run of characters in the log."""
    given = [_input(env, "github_token"), _input(env, "token")]
    cluster = ClusterSpec(
        kubeconfig=_input(env, "kubeconfig") or None, server=_input(env, "server") or None
    )
    found = [*given, *(c for c in kubeconfig_credentials(cluster) if len(c.strip()) >= 6)]
    lines = [line for value in found for line in value.splitlines() if len(line.strip()) >= 6]
    return list(dict.fromkeys(s for s in (*found, *lines) if s.strip()))


if __name__ == "__main__":
    sys.exit(main())
