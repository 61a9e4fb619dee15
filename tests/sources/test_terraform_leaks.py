"""Property: no value Terraform marks sensitive, and no Secret value, reaches any output.

Random values (the Secret-leak test's strategy: a wide alphabet around an alphanumeric core) go
into a realistic plan (tests/data/terraform/plan-modules.json) everywhere a plan holds sensitive
values: a typed Deployment's env value from a sensitive variable (`after_sensitive`), a
`kubernetes_secret`'s data, a `kubectl_manifest` whose `sensitive_fields` hide an annotation, a
`kubectl_manifest` Secret, a `helm_release`'s `set_sensitive` value that the chart copies into a
ConfigMap, and `resource_drift` entries that hold them before and after a change by hand. The live
snapshot changes each of them. The CLI runs in every format, with `--explain` and `-v`, against
the snapshot and with `--live-from-terraform`; the action runs in a workspace. Neither a value
nor its core, base64 or escaped forms may appear in stdout, stderr, logs or files.

`DRIFT_FUZZ_EXAMPLES=200 python -m pytest tests/sources/test_terraform_leaks.py` runs a longer
search (tests/support/fuzzing.py). The plan and snapshot are filled in by
support/terraform_plans.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from support import run_cli as run_installed_cli
from support.fuzzing import fuzz_examples
from support.leaks import assert_no_leak, b64, run_action, run_cli, secret_values, working_directory
from support.terraform_plans import (
    ANNOTATION,
    ANNOTATION_GIT,
    ANNOTATION_LIVE,
    DATA,
    HELM_LIVE,
    HELM_PASSWORD,
    KUBECTL_PASSWORD,
    SECRET_GIT,
    SECRET_HAND,
    TOKEN_GIT,
    TOKEN_LIVE,
    Values,
    live_with,
    plan_with,
)

from drift_action.sources.terraform import helm as terraform_helm
from drift_action.sources.terraform.helm_release import HelmRelease

FUZZ = settings(
    max_examples=fuzz_examples(5),  # each example is six runs of the CLI and the action
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Found by the property below: Helm's engine takes values as C strings, so a NUL first cut this
# `set_sensitive` value to nothing; no rendered field held anything of it, and the ConfigMap
# field the chart copies it into showed the live value (the old password) in clear.
NUL_FIRST = "\x00[VA0aaaaaaaaaaa0"


# Helm's --set parser splits values at commas and its templates must render valid YAML: a value
# with odd characters often fails the run (tested too: the error quotes nothing), so the Helm
# password is also drawn from values Helm takes as they are.
_helm_safe = st.from_regex(r"[a-z0-9._-]{1,4}[A-Z][0-9][A-Za-z0-9]{4,10}[._-]?", fullmatch=True)


@st.composite
def cases(draw: st.DrawFn) -> Values:
    values = Values(*(draw(secret_values()) for _ in range(9)))
    values = replace(values, helm_password=draw(st.one_of(_helm_safe, secret_values())))
    assume(len(set(values.all())) == len(values.all()))
    return values


def _workspace(root: Path, values: Values) -> None:
    (root / "charts").mkdir(parents=True, exist_ok=True)
    chart = root / "charts" / "cache"
    if not chart.exists():
        import shutil

        shutil.copytree(DATA / "charts" / "cache", chart)
    (root / "plan.json").write_text(json.dumps(plan_with(values)))
    (root / "live.json").write_text(json.dumps(live_with(values)))


def _changes(stdout: str) -> dict[tuple[str, str], dict[str, Any]]:
    report = json.loads(stdout)
    return {
        (r["kind"], r["name"]): {c["path"]: c for c in r["changes"]} for r in report["resources"]
    }


def fixture_values(**changed: str) -> Values:
    values = Values(
        TOKEN_GIT,
        TOKEN_LIVE,
        SECRET_GIT,
        SECRET_HAND,
        HELM_PASSWORD,
        HELM_LIVE,
        KUBECTL_PASSWORD,
        ANNOTATION_GIT,
        ANNOTATION_LIVE,
    )
    return replace(values, **changed)


@FUZZ
@given(values=cases())
# The other values as the strategy draws them: around a core of six or more letters and digits,
# an upper-case letter and a digit among them (which some of the fixture's own values lack).
@example(
    values=fixture_values(
        helm_password=NUL_FIRST,
        secret_hand="Ch4nged-By-Hand",
        helm_live="0ld-Pa55w0rd-Live",
        kubectl_password="K8sKubectl-Pa55",
    )
)
def test_sensitive_values_never_reach_any_output(tmp_path_factory: Any, values: Values) -> None:
    root = tmp_path_factory.mktemp("leaks")
    _workspace(root, values)
    secrets = values.all()
    with working_directory(root):
        for fmt in ("text", "markdown", "json"):
            argv = [
                "--terraform-plan",
                "plan.json",
                "--live-snapshot",
                "live.json",
                "--format",
                fmt,
            ]
            outcome = run_cli([*argv, "--explain", "-v"], verbose=True)
            assert_no_leak(" ".join(argv), outcome, secrets)
            event(f"compared with the snapshot: exit {outcome.code}")
            if outcome.code == 2:
                # Helm could not use a value given with set_sensitive (its parser, or the YAML it
                # renders): one line that names the release and quotes nothing of the value.
                assert "helm_release.cache" in outcome.stderr
                assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
                continue
            assert outcome.code == 1, outcome.texts()
            if fmt == "json":
                _check_report(_changes(outcome.stdout))
        for fmt in ("text", "json"):
            argv = ["--terraform-plan", "plan.json", "--live-from-terraform", "--format", fmt]
            outcome = run_cli([*argv, "--explain"], verbose=False)
            assert outcome.code in (1, 2), outcome.texts()
            assert_no_leak(" ".join(argv), outcome, secrets)
        inputs = {"terraform_plan": "plan.json", "live_snapshot": "live.json", "explain": "true"}
        outcome = run_action(root, inputs)
        assert outcome.code in (1, 2), outcome.texts()
        assert_no_leak("the action", outcome, secrets)


def _check_report(changes: dict[tuple[str, str], dict[str, Any]]) -> None:
    """The report names every change it hides, so the property is never met by silence."""
    hidden = {
        ("Deployment", "web"): "spec.template.spec.containers[name=web].env[name=API_TOKEN].value",
        ("Secret", "credentials"): "data.password",
        ("ConfigMap", "cache-clients"): "data.REDIS_URL",
        ("Certificate", "shop-tls"): f'metadata.annotations["{ANNOTATION}"]',
    }
    for key, path in hidden.items():
        change = changes[key][path]
        assert change["redacted"] is True, (key, change)
        assert change["desired"] == change["live"] == "(hidden)"


def test_the_fixture_values_themselves_never_reach_any_output(tmp_path: Path) -> None:
    """The same check, without randomness, on the fixture as it is (and the seed example)."""
    values = fixture_values()
    _workspace(tmp_path, values)
    with working_directory(tmp_path):
        outcome = run_cli(
            ["--terraform-plan", "plan.json", "--live-snapshot", "live.json", "--format", "json"],
            verbose=True,
        )
    assert outcome.code == 1, outcome.texts()
    for where, text in outcome.texts().items():
        for value in values.all():
            assert value not in text, (value, where)
            assert b64(value) not in text, (value, where)
    _check_report(_changes(outcome.stdout))


def test_a_sensitive_value_helm_cannot_take_is_one_line_that_never_shows_it(tmp_path: Path) -> None:
    """Through the installed command: a NUL in a `set_sensitive` value stops the run, naming
    the release and the key; neither the value nor the live value it hides is shown."""
    values = fixture_values(helm_password=NUL_FIRST)
    _workspace(tmp_path, values)
    for live in (["--live-snapshot", "live.json"], ["--live-from-terraform"]):
        result = run_installed_cli("--terraform-plan", "plan.json", *live, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, ""), result.stderr
        assert result.stderr.splitlines() == [
            "drift-action: error: plan.json: helm_release.cache: --set 'auth.password'=... "
            "holds a NUL character, which the Helm engine cannot take"
        ]
        for value in (NUL_FIRST, "VA0aaaaaaaaaaa0", HELM_LIVE):
            assert value not in result.stderr


def derived_plan(password: str) -> dict[str, Any]:
    """A plan of one release of charts/derived, its password given with set_sensitive."""
    after = {
        "chart": "./charts/derived",
        "name": "app",
        "namespace": "shop",
        "set": [],
        "set_list": [],
        "set_sensitive": [{"name": "password", "type": "", "value": password}],
        "values": [],
    }
    change = {"actions": ["update"], "before": after, "after": after}
    change["after_sensitive"] = {"set_sensitive": [{"value": True}]}
    release = {"address": "helm_release.app", "mode": "managed", "type": "helm_release"}
    return {"format_version": "1.2", "resource_changes": [{**release, "change": change}]}


# A chart that does not copy the sensitive value as it is: each field it feeds is hidden all
# the same, since the live field may hold the real secret (the old one) in clear.
_CHANGING_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-derived
data:
  UPPER: {{ .Values.password | upper | quote }}
  SHORT: {{ .Values.password | trunc 3 | quote }}
  HASH: {{ .Values.password | sha256sum | quote }}
  PLAIN: {{ .Values.plain | quote }}
"""


def _derived_chart(root: Path, template: str) -> None:
    chart = root / "charts" / "derived"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: derived\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("password: ''\nplain: Git\n")
    (chart / "templates" / "configmap.yaml").write_text(template)


def test_fields_a_sensitive_value_feeds_are_hidden_however_the_chart_changes_it(
    tmp_path: Path,
) -> None:
    _derived_chart(tmp_path, _CHANGING_TEMPLATE)
    live_data = {
        "UPPER": "0LD-L1VE-PA55W0RD",
        "SHORT": "0ld",
        "HASH": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "PLAIN": "cluster",
    }
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "app-derived", "namespace": "shop"},
        "data": live_data,
    }
    (tmp_path / "plan.json").write_text(json.dumps(derived_plan("s3cret-Pa55-XyZ7")))
    (tmp_path / "live.json").write_text(json.dumps(live))
    argv = ["--terraform-plan", "plan.json", "--live-snapshot", "live.json", "--explain"]
    result = run_installed_cli(*argv, "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (resource,) = json.loads(result.stdout)["resources"]
    changes = {c["path"]: c for c in resource["changes"]}
    assert set(changes) == {f"data.{key}" for key in live_data}
    for key in ("UPPER", "SHORT", "HASH"):
        assert changes[f"data.{key}"]["redacted"] is True, changes[f"data.{key}"]
        assert changes[f"data.{key}"]["desired"] == changes[f"data.{key}"]["live"] == "(hidden)"
    assert (changes["data.PLAIN"]["desired"], changes["data.PLAIN"]["live"]) == ("Git", "cluster")
    for fmt in ("text", "markdown"):
        shown = run_installed_cli(*argv, "--format", fmt, "-v", cwd=tmp_path)
        assert shown.returncode == 1, shown.stderr
        for value in (*live_data.values(), "S3CRET-PA55-XYZ7", "s3c", "s3cret-Pa55-XyZ7"):
            if value != "cluster":
                assert value not in shown.stdout + shown.stderr, (fmt, value)


def test_when_other_sensitive_values_fail_the_chart_every_value_is_hidden(tmp_path: Path) -> None:
    """Which fields a sensitive value feeds is found by rendering with another value; a chart
    that accepts no other value leaves that unknown, so nothing of its objects is shown."""
    _derived_chart(
        tmp_path,
        '{{ if ne .Values.password "s3cret-Pa55-XyZ7" }}{{ fail "not the password" }}{{ end }}\n'
        + _CHANGING_TEMPLATE,
    )
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "app-derived", "namespace": "shop"},
        "data": {"UPPER": "0LD-L1VE-PA55W0RD", "PLAIN": "L1ve-Pla1n-Q9"},
    }
    (tmp_path / "plan.json").write_text(json.dumps(derived_plan("s3cret-Pa55-XyZ7")))
    (tmp_path / "live.json").write_text(json.dumps(live))
    with working_directory(tmp_path):
        outcome = run_cli(
            ["--terraform-plan", "plan.json", "--live-snapshot", "live.json", "--format", "json"],
            verbose=True,
        )
    assert outcome.code == 1, outcome.texts()
    (resource,) = json.loads(outcome.stdout)["resources"]
    assert resource["changes"] and all(
        (c["redacted"], c["desired"], c["live"]) == (True, "(hidden)", "(hidden)")
        or (c["redacted"], c["desired"], c["live"]) == (True, "(hidden)", None)
        for c in resource["changes"]
    ), resource["changes"]
    assert (
        "helm_release.app: every value of its objects is hidden: rendered with other sensitive "
        "values, the chart failed, so which fields they feed is not known"
    ) in outcome.stderr
    for text in outcome.texts().values():
        for value in ("0LD-L1VE-PA55W0RD", "s3cret-Pa55-XyZ7", "L1ve-Pla1n-Q9"):
            assert value not in text


def test_what_helm_logs_of_the_second_render_is_held_to_the_same_rule() -> None:
    """The second render's values are the sensitive ones with each letter and digit moved by
    one: a warning quoting them would give the value away, and is dropped like one quoting the
    value itself."""
    release = HelmRelease("helm_release.x", "./c", "x", "shop", sensitive=("S3cret-XYZ9",))
    changed = "T4dsfu-YZA0"
    assert terraform_helm._other("S3cret-XYZ9") == changed
    for warning in (f"helm: warning: ignoring ({changed})", "helm: warning: T4dsfu", "S3cret"):
        assert terraform_helm._quotes_sensitive(warning, release), warning
    assert not terraform_helm._quotes_sensitive("helm: warning: something else", release)
