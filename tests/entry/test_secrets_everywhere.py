"""Property: no secret value and no credential reaches any output, whatever the source kind, the
report format, the way the cluster is reached, or the way the run ends (issue 8, "Secrets").

Each example draws some thirty random values (printable ASCII, Unicode, base64-like, or full of
what regular expressions, Markdown, HTML, JSON and workflow commands treat specially; from 8 to a
few thousand characters; each around a random alphanumeric core that no fixture holds) and puts
them everywhere drift-action is trusted with secrets:

* Secret `data` (base64) and `stringData`, in Git and live, drifted every way: changed, missing
  live, added by hand (a kubectl-edit managedFields entry), gone from Git but still live and in
  the last-applied annotation, which also holds an older value; a live Secret Git does not name
  (extra, by its labels);
* Helm values that a tiny chart turns into Secret `data` (b64enc) and `stringData` (toJson);
* a Kustomize secretGenerator's literals;
* a Terraform plan (tests/data/terraform, as support/terraform_plans.py fills it): a
  kubernetes_secret's data, an env value from a sensitive variable (`after_sensitive`), a
  kubectl_manifest's `sensitive_fields` and Secret, a helm_release's `set_sensitive` value;
* the cluster token: `--server` with DRIFT_ACTION_TOKEN and the action's `token` input, against
  the Kubernetes API emulator; kubeconfigs holding a token (it works), a password (basic auth:
  401) and client-key-data (401); runs that fail: a token the server rejects (401), an
  unreachable server, a kubeconfig that does not parse with the token inside the broken part;
* the GitHub token (`github_token`) against the GitHub API emulator: the pull request comment,
  a check run with annotations, the nightly issue; and a token GitHub rejects.

All four source kinds go into one run, so an example is a dozen runs, not a hundred: the
installed CLI in every format (`--format text|markdown|json`, `--output FILE`, `--explain`, `-v`,
`--debug` where a run fails) and the action's entry point as its container runs it. Looked at:
stdout, stderr, `--output` files, drift-report.md and .json, $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY, and every request body the GitHub emulator recorded; for each value as
written, its core, its base64 and its JSON-, HTML-, Markdown- and workflow-command-escaped forms
(`support.leaks.leak_forms`). The action's `::add-mask::` lines come first and are the only
place a credential may appear.

    DRIFT_FUZZ_EXAMPLES=30 python -m pytest tests/entry/test_secrets_everywhere.py  # longer search
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import socket
import string
import subprocess
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from support import ROOT, run_action, run_cli
from support.github_emulator import GitHubEmulator
from support.kube_emulator import KubeEmulator
from support.leaks import SPECIALS, dump_yaml, leak_forms
from support.terraform_plans import Values, live_with, plan_with

from drift_action import action

EXAMPLES = int(os.environ.get("DRIFT_FUZZ_EXAMPLES", "1"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # An example is a dozen runs of the CLI and the action: shrinking one would take hours, and
    # the failing example is reported as drawn.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
DATA = ROOT / "tests" / "data" / "terraform"
NAMESPACE = "shop"
PART_OF = {"app.kubernetes.io/part-of": "shop"}
SELECTOR = "app.kubernetes.io/part-of=shop"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
HEAD = "0123456789abcdef0123456789abcdef01234567"
MERGE = "fedcba9876543210fedcba9876543210fedcba98"
FIXTURE_TEXT = "\n".join(
    p.read_text(encoding="utf-8", errors="replace")
    for p in (DATA / "plan-modules.json", DATA / "live-modules.yaml", ROOT / "README.md")
)

# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

VISIBLE = "".join(chr(c) for c in range(0x21, 0x7F))  # what an HTTP header carries as it is
BASE64 = string.ascii_letters + string.digits + "+/="
SPECIAL = "\\.*+?^$()[]{}|<>&\"'`#_~-%!=:;,/@ \t"
HELM = string.ascii_letters + string.digits + string.punctuation + " éü中ß😀"
LITERAL = "".join(c for c in HELM if c not in "\"'\\ ")  # kustomize strips quotes from literals
ALPHABETS = {
    "any": None,  # support.leaks.SPECIALS and any UTF-8 character
    "printable": string.printable,
    "base64": BASE64,
    "special": SPECIAL,
    "unicode": SPECIALS,
}
_any_char = st.one_of(st.sampled_from(SPECIALS), st.characters(codec="utf-8"))


@st.composite
def secrets(draw: st.DrawFn, *alphabets: str) -> str:
    """A value of 8 or more characters around a 6-14 character alphanumeric core holding an
    upper-case letter and a digit: no report word, path or name holds such a run, so finding it
    in an output is a leak (of the value or of a piece of it), not a coincidence."""
    chars = [
        draw(st.sampled_from(string.ascii_uppercase)),
        draw(st.sampled_from(string.digits)),
        *draw(
            st.lists(st.sampled_from(string.ascii_letters + string.digits), min_size=4, max_size=12)
        ),
    ]
    core = "".join(draw(st.permutations(chars)))
    name = draw(st.sampled_from(alphabets or tuple(ALPHABETS)))
    alphabet = ALPHABETS.get(name, name)
    edge = st.sampled_from(alphabet) if alphabet else _any_char
    longest = draw(st.sampled_from([6, 6, 6, 120, 1500]))  # short mostly, long now and then
    value = draw(st.text(edge, min_size=1, max_size=longest)) + core
    value += draw(st.text(edge, min_size=1, max_size=longest))
    assume(value not in FIXTURE_TEXT)
    return value


header = secrets(VISIBLE, BASE64)  # tokens: sent in HTTP headers, stripped by the runner
helm_value = secrets(HELM, BASE64)
literal = secrets(LITERAL, BASE64)
_helm_safe = st.from_regex(r"[a-z0-9._-]{1,4}[A-Z][0-9][A-Za-z0-9]{4,10}[._-]?", fullmatch=True)


@dataclass(frozen=True)
class Manifest:
    desired_password: str  # data.password in Git (base64)
    live_password: str  # ... and live: changed
    older_password: str  # ... in the last-applied annotation: an older value
    api_key: str  # stringData in Git, the same live
    only_git: str  # stringData in Git, missing live
    by_hand: str  # live only, a kubectl-edit entry: added by hand
    dropped: str  # live and in the last-applied annotation, no longer in Git: removed
    extra: str  # a live Secret Git does not name


@dataclass(frozen=True)
class Rendered:
    helm_password: str  # values.yaml -> data (b64enc): changed live
    helm_token: str  # values.yaml -> stringData (toJson): the same live
    helm_live: str  # the live password
    helm_by_hand: str
    kustomize_password: str  # a secretGenerator literal: changed live
    kustomize_token: str  # a literal: missing live
    kustomize_live: str


@dataclass(frozen=True)
class Credentials:
    cluster_token: str  # --server + DRIFT_ACTION_TOKEN, the action's token input
    wrong_token: str  # one the server rejects
    kube_token: str  # in a kubeconfig
    kube_password: str  # basic auth in a kubeconfig
    kube_key: str  # client-key-data in a kubeconfig
    broken_token: str  # in a kubeconfig that does not parse
    github_token: str
    wrong_github_token: str


@dataclass(frozen=True)
class Case:
    manifest: Manifest
    rendered: Rendered
    terraform: Values
    credentials: Credentials

    def values(self) -> list[str]:
        return [
            *astuple(self.manifest),
            *astuple(self.rendered),
            *self.terraform.all(),
            *astuple(self.credentials),
        ]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    manifest = Manifest(*(draw(secrets()) for _ in range(8)))
    rendered = Rendered(*(draw(helm_value) for _ in range(4)), *(draw(literal) for _ in range(3)))
    terraform = Values(*(draw(secrets()) for _ in range(9)))
    # Helm's --set parser splits at commas: a set_sensitive value it cannot take fails the run
    # (test_terraform_leaks.py covers that); here the run must go through.
    terraform = Values(**{**vars(terraform), "helm_password": draw(_helm_safe)})
    credentials = Credentials(
        *(draw(header) for _ in range(3)),
        draw(secrets()),  # basic auth: any text
        draw(secrets(BASE64)),  # client-key-data: base64-like, not a key
        draw(header),
        draw(header),
        draw(header),
    )
    case = Case(manifest, rendered, terraform, credentials)
    values = case.values()
    assume(len(set(values)) == len(values))
    assume(not any(a in b for a in values for b in values if a != b))
    return case


# ---------------------------------------------------------------------------------------------
# The workspace: manifests, a chart, a kustomization, a plan; the live state
# ---------------------------------------------------------------------------------------------


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def secret(name: str, **fields: Any) -> dict[str, Any]:
    metadata = {"name": name, "namespace": NAMESPACE, "labels": dict(PART_OF)}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", **fields}


def managed(owner: str, keys: list[str], *, time: str) -> dict[str, Any]:
    return {
        "manager": owner,
        "operation": "Update",
        "apiVersion": "v1",
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {f"f:{key}": {} for key in keys}},
    }


def desired_manifests(m: Manifest) -> list[dict[str, Any]]:
    return [
        secret(
            "app-creds",
            data={"password": b64(m.desired_password)},
            stringData={"api-key": m.api_key, "only-git": m.only_git},
        )
    ]


def live_objects(case: Case) -> list[dict[str, Any]]:
    m, r = case.manifest, case.rendered
    applied = secret("app-creds", stringData={"password": m.older_password, "old-key": m.dropped})
    app = secret(
        "app-creds",
        data={
            "password": b64(m.live_password),
            "api-key": b64(m.api_key),
            "hand-added": b64(m.by_hand),
            "old-key": b64(m.dropped),
        },
    )
    app["metadata"]["annotations"] = {LAST_APPLIED: json.dumps(applied, ensure_ascii=False)}
    app["metadata"]["managedFields"] = [
        managed(
            "kubectl-client-side-apply",
            ["password", "api-key", "old-key"],
            time="2026-11-01T10:00:00Z",
        ),
        managed("kubectl-edit", ["hand-added"], time="2026-11-20T10:07:00Z"),
    ]
    helm = secret(
        "helm-creds",
        data={
            "password": b64(r.helm_live),
            "token": b64(r.helm_token),
            "hand": b64(r.helm_by_hand),
        },
    )
    helm["metadata"]["managedFields"] = [
        managed("helm", ["password", "token"], time="2026-11-01T10:00:00Z"),
        managed("kubectl-edit", ["hand"], time="2026-11-20T10:07:00Z"),
    ]
    kust = secret("kust-creds", data={"password": b64(r.kustomize_live)})
    extra = secret("stray-creds", data={"token": b64(m.extra)})
    terraform = live_with(case.terraform)["items"]
    return [app, helm, kust, extra, *terraform]


CHART = {
    "Chart.yaml": "apiVersion: v2\nname: secret-chart\nversion: 0.1.0\n",
    "templates/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: helm-creds\n  labels:\n"
        "    app.kubernetes.io/part-of: shop\ntype: Opaque\ndata:\n"
        "  password: {{ .Values.password | b64enc | quote }}\n"
        "stringData:\n  token: {{ .Values.token | toJson }}\n"
    ),
}
# The Terraform fixture's custom kinds, for the emulator to serve.
CRDS = [
    {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind, "plural": plural},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }
    for group, kind, plural in (
        ("monitoring.coreos.com", "ServiceMonitor", "servicemonitors"),
        ("cert-manager.io", "Certificate", "certificates"),
    )
]


def write_workspace(root: Path, case: Case) -> None:
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "secrets.yaml").write_text(
        dump_yaml(desired_manifests(case.manifest)), encoding="utf-8"
    )
    chart = root / "charts" / "secret-chart"
    for name, content in CHART.items():
        (chart / name).parent.mkdir(parents=True, exist_ok=True)
        (chart / name).write_text(content, encoding="utf-8")
    values = {"password": case.rendered.helm_password, "token": case.rendered.helm_token}
    (chart / "values.yaml").write_text(
        yaml.safe_dump(values, allow_unicode=False), encoding="utf-8"
    )
    shutil.copytree(DATA / "charts" / "cache", root / "charts" / "cache")
    (root / "overlays" / "creds").mkdir(parents=True)
    kustomization = {
        "namespace": NAMESPACE,
        "generatorOptions": {"disableNameSuffixHash": True, "labels": dict(PART_OF)},
        "secretGenerator": [
            {
                "name": "kust-creds",
                "literals": [
                    f"password={case.rendered.kustomize_password}",
                    f"token={case.rendered.kustomize_token}",
                ],
            }
        ],
    }
    (root / "overlays" / "creds" / "kustomization.yaml").write_text(
        yaml.safe_dump(kustomization, allow_unicode=False), encoding="utf-8"
    )
    (root / "plan.json").write_text(json.dumps(plan_with(case.terraform)), encoding="utf-8")
    live = {"apiVersion": "v1", "kind": "List", "items": live_objects(case)}
    (root / "live.json").write_text(json.dumps(live), encoding="utf-8")
    (root / "out").mkdir()


SOURCES = (
    "--manifests", "deploy", "--helm-chart", "charts/secret-chart", "--release", "demo",
    "--kustomize", "overlays/creds", "--terraform-plan", "plan.json",
    "--namespace", NAMESPACE, "--selector", SELECTOR,
)  # fmt: skip
SOURCE_INPUTS = {
    "INPUT_MANIFESTS": "deploy",
    "INPUT_HELM_CHART": "charts/secret-chart",
    "INPUT_RELEASE": "demo",
    "INPUT_KUSTOMIZE": "overlays/creds",
    "INPUT_TERRAFORM_PLAN": "plan.json",
    "INPUT_NAMESPACE": NAMESPACE,
    "INPUT_SELECTOR": SELECTOR,
}


# ---------------------------------------------------------------------------------------------
# Looking for values
# ---------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """Everything one run let out, by where."""

    what: str
    texts: dict[str, str]


def forms(value: str) -> dict[str, str]:
    found = leak_forms(value)
    found["base64 of the core"] = b64(found["alphanumeric core"])[:12]
    return found


def assert_nothing_leaks(seen: Seen, values: list[str]) -> None:
    for where, text in seen.texts.items():
        for value in values:
            for form, shown in forms(value).items():
                assert shown not in text, (
                    f"LEAK: the {form} of {value!r} appears in {where} of {seen.what}:\n{text[:3000]}"
                )


def mask_line(value: str) -> str:
    """A workflow command, escaped as the runner reads it."""
    return "::add-mask::" + value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def masked(stdout: str, expected: list[str]) -> str:
    """The action's output after its `::add-mask::` lines, which must come first, one per
    credential and nothing else before them."""
    lines = stdout.splitlines(keepends=True)
    head = [line.rstrip("\n") for line in lines[: len(expected)]]
    assert head == [mask_line(value) for value in expected], stdout[:2000]
    rest = "".join(lines[len(expected) :])
    assert "::add-mask::" not in rest
    return rest


def files(root: Path, *names: str) -> dict[str, str]:
    found = {}
    for name in names:
        path = root / name
        if path.exists():
            found[name] = path.read_text(encoding="utf-8")
            path.unlink()
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kubeconfig(path: Path, server: str, user: dict[str, Any]) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=False), encoding="utf-8")
    return path


def one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2 and one error line, holding one of `fragments`."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    errors = [
        line for line in result.stderr.splitlines() if line.startswith("drift-action: error:")
    ]
    assert len(errors) == 1, result.stderr
    assert not fragments or any(f in errors[0] for f in fragments), (fragments, result.stderr)


# ---------------------------------------------------------------------------------------------
# The runs
# ---------------------------------------------------------------------------------------------


def json_report(text: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(text)
    return report


def check_report(report: Mapping[str, Any]) -> None:
    """The report names what it hides: the property is never met by reporting nothing."""
    by_name = {(r["kind"], r["name"]): r for r in report["resources"]}
    app = {(c["path"], c["type"]) for c in by_name[("Secret", "app-creds")]["changes"]}
    assert {
        ("data.password", "changed"),
        ("data.only-git", "missing"),
        ("data.hand-added", "added"),
        ("data.old-key", "removed"),
    } <= app, app
    for name in ("app-creds", "helm-creds", "kust-creds", "credentials"):
        result = by_name[("Secret", name)]
        assert result["status"] == "drifted", result
        assert all(c["redacted"] and c["desired"] in ("(hidden)", None) for c in result["changes"])
    assert by_name[("Secret", "stray-creds")]["status"] == "extra"
    for result in report["resources"]:
        for change in result["changes"]:
            if change["redacted"]:
                assert change["live"] in ("(hidden)", None), change


def cli_runs(root: Path, case: Case, emulator: KubeEmulator, values: list[str]) -> None:
    c = case.credentials
    snapshot = (*SOURCES, "--live-snapshot", "live.json")
    for fmt, extra in (
        ("text", ["--explain", "-v", "--color", "always"]),
        ("markdown", ["--explain", "--output-file", "out/report.md"]),
        ("json", ["--explain", "-v"]),
    ):
        result = run_cli(*snapshot, "--format", fmt, *extra, cwd=root)
        assert result.returncode == 1, (fmt, result.stderr)
        seen = Seen(
            f"the CLI --format {fmt} {extra}", {"stdout": result.stdout, "stderr": result.stderr}
        )
        seen.texts |= files(root, "out/report.md")
        if fmt == "json":
            check_report(json_report(result.stdout))
        assert_nothing_leaks(seen, values)

    # The cluster, with --server and the token in DRIFT_ACTION_TOKEN.
    result = run_cli(
        *SOURCES, "--server", emulator.url, "--format", "json", "-v", cwd=root,
        env={"DRIFT_ACTION_TOKEN": c.cluster_token},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    check_report(json_report(result.stdout))
    assert_nothing_leaks(
        Seen("the CLI --server", {"stdout": result.stdout, "stderr": result.stderr}), values
    )

    with KubeEmulator(emulator_objects(case), token=c.kube_token) as other:
        config = kubeconfig(root / "out" / "token.yaml", other.url, {"token": c.kube_token})
        result = run_cli("--manifests", "deploy", "--kubeconfig", str(config), "-v", cwd=root)
        assert result.returncode == 1, result.stderr
        assert "app-creds" in result.stdout
        assert_nothing_leaks(
            Seen("a kubeconfig token", {"stdout": result.stdout, "stderr": result.stderr}), values
        )

    # Runs that fail: each ends in one line that quotes no credential, --debug traceback too.
    failing: list[tuple[str, list[str], dict[str, str], tuple[str, ...]]] = [
        (
            "a rejected token",
            ["--server", emulator.url],
            {"DRIFT_ACTION_TOKEN": c.wrong_token},
            ("401",),
        ),
        (
            "an unreachable server",
            ["--server", f"http://127.0.0.1:{free_port()}"],
            {"DRIFT_ACTION_TOKEN": c.cluster_token},
            ("cannot reach",),
        ),
    ]
    broken = root / "out" / "broken.yaml"
    broken.write_text(
        "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: "
        + json.dumps(c.broken_token)
        + ", password: [\n",
        encoding="utf-8",
    )
    failing.append(
        ("a kubeconfig that does not parse", ["--kubeconfig", str(broken)], {}, ("kubeconfig",))
    )
    basic = kubeconfig(
        root / "out" / "basic.yaml",
        emulator.url,
        {"username": "admin", "password": c.kube_password},
    )
    # The kubernetes client encodes a basic-auth password as Latin-1: others cannot be used.
    failing.append(("basic auth", ["--kubeconfig", str(basic)], {}, ("401", "UnicodeEncodeError")))
    key = kubeconfig(
        root / "out" / "key.yaml",
        emulator.url,
        {
            "client-certificate-data": b64("-----BEGIN CERTIFICATE-----\nnot one\n"),
            "client-key-data": c.kube_key,
        },
    )
    failing.append(("client-key-data", ["--kubeconfig", str(key)], {}, ()))
    for what, flags, env, says in failing:
        for debug in ([], ["--debug"]):
            result = run_cli("--manifests", "deploy", *flags, "-v", *debug, cwd=root, env=env)
            if debug:  # the error is raised: a traceback, and Python's own exit status
                assert result.returncode == 1 and "Traceback" in result.stderr, (
                    what,
                    result.stderr,
                )
            else:
                one_error_line(result, *says)
            texts = {"stdout": result.stdout, "stderr": result.stderr}
            assert_nothing_leaks(Seen(f"the CLI with {what} {debug}", texts), values)


def emulator_objects(case: Case) -> list[dict[str, Any]]:
    return [*CRDS, *live_objects(case)]


def action_env(
    root: Path, gh: GitHubEmulator, event: str, payload: dict[str, Any]
) -> dict[str, str]:
    (root / "out" / "event.json").write_text(json.dumps(payload))
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(root / "out" / "event.json"),
        "GITHUB_REPOSITORY": gh.repository,
        "GITHUB_API_URL": gh.base_url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_SHA": MERGE,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
        "GITHUB_OUTPUT": str(root / "outputs.txt"),
        "DRIFT_ACTION_GITHUB_PACE": "0",
        "INPUT_COMMENT_MODE": "always",
        "INPUT_ISSUE_LABELS": "drift",
        "INPUT_FAIL_ON_DRIFT": "true",
        "KUBECONFIG": str(root / "out" / "no-kubeconfig"),  # none of the machine's own
        **SOURCE_INPUTS,
    }


def action_runs(root: Path, case: Case, emulator: KubeEmulator, values: list[str]) -> None:
    c = case.credentials
    reports = ("summary.md", "outputs.txt", action.MARKDOWN_REPORT, action.JSON_REPORT)
    with GitHubEmulator(token=c.github_token) as gh:
        gh.add_commit(MERGE)
        number = gh.add_pull_request(HEAD)
        event = {
            "action": "synchronize",
            "number": number,
            "pull_request": {"number": number, "head": {"sha": HEAD}},
        }
        env = action_env(root, gh, "pull_request", event) | {
            "INPUT_GITHUB_TOKEN": c.github_token,
            "INPUT_SERVER": emulator.url,
            "INPUT_TOKEN": c.cluster_token,
            "INPUT_FORMAT": "markdown",
            "INPUT_EXPLAIN": "true",
            "INPUT_CHECK_RUN": "true",
        }
        result = run_action(root, env)
        assert result.returncode == 1, result.stdout + result.stderr
        out = masked(result.stdout, [c.github_token, c.cluster_token])
        seen = Seen(
            "the action on a pull request, reading the cluster",
            {"stdout": out, "stderr": result.stderr},
        )
        seen.texts |= files(root, *reports)
        check_report(json_report(seen.texts[action.JSON_REPORT]))
        assert_nothing_leaks(seen, values)
        (comment,) = gh.comments(number)
        (check,) = gh.check_runs()
        assert "app-creds" in comment.body and check.annotations

        nightly = action_env(root, gh, "schedule", {"schedule": "17 5 * * *"}) | {
            "INPUT_GITHUB_TOKEN": c.github_token,
            "INPUT_LIVE_SNAPSHOT": "live.json",
            "INPUT_FORMAT": "json",
        }
        result = run_action(root, nightly)
        assert result.returncode == 1, result.stdout + result.stderr
        out = masked(result.stdout, [c.github_token])
        seen = Seen("the action's nightly run", {"stdout": out, "stderr": result.stderr})
        seen.texts |= files(root, *reports)
        assert_nothing_leaks(seen, values)
        (issue,) = gh.issues()
        assert "app-creds" in issue.body

        wrong = nightly | {"INPUT_GITHUB_TOKEN": c.wrong_github_token, "INPUT_MANIFESTS": "deploy"}
        for name in ("INPUT_HELM_CHART", "INPUT_KUSTOMIZE", "INPUT_TERRAFORM_PLAN"):
            del wrong[name]
        result = run_action(root, wrong)
        assert result.returncode == 1, result.stdout + result.stderr
        out = masked(result.stdout, [c.wrong_github_token])
        assert "401" in out
        seen = Seen(
            "the action with a token GitHub rejects", {"stdout": out, "stderr": result.stderr}
        )
        seen.texts |= files(root, *reports)
        assert_nothing_leaks(seen, values)

        bodies = {f"{r.method} {r.path} #{i}": r.body for i, r in enumerate(gh.requests) if r.body}
        assert any("annotations" in body for body in bodies.values())
        assert_nothing_leaks(Seen("the requests GitHub received", bodies), values)
        for request in gh.requests:
            assert_nothing_leaks(
                Seen(
                    "a request's path and headers",
                    {request.path: json.dumps([request.query, request.headers])},
                ),
                values,
            )


@FUZZ
@given(case=cases())
def test_no_secret_reaches_any_output(tmp_path_factory: pytest.TempPathFactory, case: Case) -> None:
    root = tmp_path_factory.mktemp("workspace")
    write_workspace(root, case)
    values = case.values()
    with KubeEmulator(emulator_objects(case), token=case.credentials.cluster_token) as emulator:
        cli_runs(root, case, emulator, values)
        action_runs(root, case, emulator, values)


# ---------------------------------------------------------------------------------------------
# Masking: the action's first lines
# ---------------------------------------------------------------------------------------------

GITHUB_TOKEN = "ghs_Mask3dGitHubT0ken"
CLUSTER_TOKEN = "kube-Mask3dClusterT0ken"


def test_both_tokens_are_masked_first_even_when_an_input_is_wrong(tmp_path: Path) -> None:
    env = {
        "INPUT_MANIFESTS": "deploy",
        "INPUT_FORMAT": "yaml",  # not a format: exit 2
        "INPUT_GITHUB_TOKEN": GITHUB_TOKEN,
        "INPUT_TOKEN": CLUSTER_TOKEN,
        "INPUT_SERVER": "https://127.0.0.1:1",
    }
    result = run_action(tmp_path, {**env, "KUBECONFIG": str(tmp_path / "none")})
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"::add-mask::{GITHUB_TOKEN}",
        f"::add-mask::{CLUSTER_TOKEN}",
        "::error::input format: 'yaml' is not one of json, markdown, text",
    ]
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("inputs", "masks"),
    [
        ({"INPUT_GITHUB_TOKEN": GITHUB_TOKEN}, [GITHUB_TOKEN]),
        ({"INPUT_TOKEN": CLUSTER_TOKEN, "INPUT_SERVER": "https://127.0.0.1:1"}, [CLUSTER_TOKEN]),
        ({}, []),
    ],
    ids=["github-token", "cluster-token", "none"],
)
def test_each_token_is_masked_first_when_it_is_given(
    tmp_path: Path, inputs: dict[str, str], masks: list[str]
) -> None:
    env = {"INPUT_MANIFESTS": "nowhere", "KUBECONFIG": str(tmp_path / "none"), **inputs}
    result = run_action(tmp_path, env)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[: len(masks)] == [f"::add-mask::{m}" for m in masks]
    assert lines[len(masks)].startswith("::error::nowhere")
    assert len(lines) == len(masks) + 1


def test_a_workspace_kubeconfig_has_its_credentials_masked_too(tmp_path: Path) -> None:
    """The runner masks only registered secrets; a kubeconfig in the workspace carries its own.
    Its tokens, passwords, client keys and auth-provider tokens are masked before anything else
    prints, line by line when they have several; values under 6 characters are not (masking
    "abc" would hide every "abc" in the log)."""
    users = [
        {
            "name": "a",
            "user": {"token": "kc-T0ken-Alpha", "username": "admin", "password": "kc-Passw0rd"},
        },
        {"name": "b", "user": {"client-key-data": "S2V5RGF0YUJhc2U2NA==", "token": "abc"}},
        {
            "name": "c",
            "user": {
                "auth-provider": {
                    "name": "oidc",
                    "config": {
                        "id-token": "kc-Id-T0ken",
                        "refresh-token": "kc-Refresh\nSecond-Line",
                        "client-id": "public-client",
                    },
                }
            },
        },
    ]
    config = {"apiVersion": "v1", "kind": "Config", "users": users, "clusters": [], "contexts": []}
    (tmp_path / "kubeconfig.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {
        "INPUT_MANIFESTS": "nowhere",
        "INPUT_KUBECONFIG": "kubeconfig.yaml",
        "INPUT_GITHUB_TOKEN": GITHUB_TOKEN,
    }
    result = run_action(tmp_path, env)
    assert result.returncode == 2
    *masks, error = result.stdout.splitlines()
    assert masks == [
        f"::add-mask::{GITHUB_TOKEN}",
        "::add-mask::kc-T0ken-Alpha",
        "::add-mask::kc-Passw0rd",
        "::add-mask::S2V5RGF0YUJhc2U2NA==",
        "::add-mask::kc-Id-T0ken",
        "::add-mask::kc-Refresh%0ASecond-Line",
        "::add-mask::kc-Refresh",
        "::add-mask::Second-Line",
    ]
    assert error.startswith("::error::")
    # A kubeconfig that does not parse masks nothing more, and the run says why in one line.
    (tmp_path / "kubeconfig.yaml").write_text("users: [{user: {token: kc-T0ken-Alpha\n")
    result = run_action(tmp_path, {**env, "INPUT_MANIFESTS": "", "INPUT_LIVE_SNAPSHOT": ""})
    assert result.stdout.splitlines()[0] == f"::add-mask::{GITHUB_TOKEN}"
    assert "kc-T0ken-Alpha" not in result.stdout + result.stderr


def test_the_masks_are_flushed_before_anything_else_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Standard output is a pipe in the container, so Python holds what is printed until its
    buffer fills or the run ends; a line on standard error (a traceback) could then reach the
    log before the masks. The masks are flushed at once: the first flush holds them, and only
    them."""

    class Recording(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.flushed: list[str] = []

        def flush(self) -> None:
            self.flushed.append(self.getvalue())

    out = Recording()
    monkeypatch.chdir(tmp_path)
    env = {"INPUT_GITHUB_TOKEN": GITHUB_TOKEN, "INPUT_TOKEN": CLUSTER_TOKEN, "INPUT_FORMAT": "yaml"}
    with contextlib.redirect_stdout(out):
        assert action.main([], env) == 2
    assert out.flushed[0] == f"::add-mask::{GITHUB_TOKEN}\n"
    assert out.flushed[1] == f"::add-mask::{GITHUB_TOKEN}\n::add-mask::{CLUSTER_TOKEN}\n"
    assert "::error::" in out.getvalue()


@pytest.mark.parametrize(
    "token",
    ["line\nBreak-T0ken9X", "emoji😀-T0ken9X", "latin\u0394-T0ken9X"],
    ids=["line-break", "emoji", "greek"],
)
def test_a_token_no_http_header_can_carry_is_one_line(tmp_path: Path, token: str) -> None:
    """http.client refuses such a header with a message quoting it: that used to end in an
    internal error, and --debug's traceback showed the token."""
    with KubeEmulator([], token="the-right-T0ken9") as emulator:
        (tmp_path / "deploy").mkdir()
        (tmp_path / "deploy" / "cm.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        )
        env = {"DRIFT_ACTION_TOKEN": token}
        result = run_cli("--manifests", "deploy", "--server", emulator.url, cwd=tmp_path, env=env)
        one_error_line(
            result, "the token (or another credential) holds a line break or a character"
        )
        debug = run_cli(
            "--manifests", "deploy", "--server", emulator.url, "--debug", cwd=tmp_path, env=env
        )
        inputs = {
            "INPUT_MANIFESTS": "deploy",
            "INPUT_SERVER": emulator.url,
            "INPUT_TOKEN": token,
            "KUBECONFIG": str(tmp_path / "none"),
        }
        acted = run_action(tmp_path, inputs)
    assert acted.returncode == 2
    lines = [line for line in token.splitlines() if len(line) >= 6 and line != token]
    rest = masked(acted.stdout, [token, *lines])  # and each line of 6 characters or more
    assert rest.startswith("::error::cannot send requests to"), rest
    for seen in (result, debug):
        assert_nothing_leaks(
            Seen("the CLI", {"stdout": seen.stdout, "stderr": seen.stderr}), [token]
        )
    assert_nothing_leaks(Seen("the action", {"stdout": rest, "stderr": acted.stderr}), [token])


def test_the_leak_check_finds_every_form() -> None:
    """The property is only as good as its eyes: each form of a value is found."""
    value = 'a|b<"Q7x9Kz">\n'
    for shown in forms(value).values():
        with pytest.raises(AssertionError, match="LEAK"):
            assert_nothing_leaks(
                Seen("a made-up run", {"stdout": f"before {shown} after"}), [value]
            )
    assert_nothing_leaks(Seen("a clean run", {"stdout": "(hidden) -> (hidden)"}), [value])
