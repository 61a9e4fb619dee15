"""Property: no value of a Secret's `data` or `stringData` ever reaches any output.

Random values (a wide alphabet around a random alphanumeric core) go into desired manifests as
`stringData` and as base64 `data`, and into live snapshots that differ from Git in every way the
engine reads: a changed value, a missing key, a key added by hand (a `kubectl-edit`
managedFields entry), a key Git dropped that is still live and still in the last-applied
annotation (valid or cut short), values inside fieldsV1 keys, keys that look like quantities
(`storage`, `cpu`), `data` of the wrong type, duplicate and absent live copies, and ignore and
severity rules. The CLI runs in-process for every format, with and without `--explain`, `-v`
and `--output`; the action entry point runs in a workspace with its summary and output files.
Neither the value, its core, its base64 nor its escaped forms may appear in stdout, stderr, log
records or any file. A Secret file broken right after a value must fail with one line that
quotes nothing of it.

`DRIFT_FUZZ_EXAMPLES=2000 python -m pytest tests/entry/test_secret_leaks.py` runs a longer
search. The values, the forms a value could take on its way out, and the in-process runs are in
support/leaks.py, shared with the other leak tests.
"""

from __future__ import annotations

import json
import os
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from support.leaks import (
    NAMESPACE,
    Outcome,
    assert_no_leak,
    b64,
    captured,
    dump_yaml,
    run_action,
    run_cli,
    secret_values,
    working_directory,
)

from drift_action import action, cli
from drift_action.core.errors import DriftActionError
from drift_action.core.paths import format_path

EXAMPLES = int(os.environ.get("DRIFT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
LABELS = {"app": "shop"}
HIDDEN = "(hidden)"
FORMATS = ("text", "markdown", "json")
NOT_A_MAP = "not-a-map"  # `data` of the wrong type, and no secret

# ---------------------------------------------------------------------------------------------
# Strategies (the values themselves, `secret_values`, are in support/leaks.py)
# ---------------------------------------------------------------------------------------------

_key_names = st.one_of(
    st.sampled_from(
        ["storage", "cpu", "memory", "requests.storage", "limits.cpu", "password", "tls.key"]
    ),
    st.from_regex(r"[a-z][a-z0-9._-]{0,14}", fullmatch=True),
)
_object_names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)

ROLES = ("same", "changed", "missing", "extra_edit", "removed_applied")
ENCODINGS = ("stringData", "data", "both")
MANAGED = ("none", "update", "apply")
LIVE_SHAPES = ("map", "map", "map", "string", "secret-string", "list", "nested-map", "nested-list")


@dataclass(frozen=True)
class Entry:
    """One key of a Secret and where its values sit."""

    key: str
    role: str
    encoding: str  # how Git (and the last-applied annotation) writes it
    desired: str | None  # the value Git sets; None: Git does not set the key
    live: str | None  # the live value; None: not live
    applied: str | None  # the value in the last-applied annotation; None: not there
    shadow: str | None = None  # encoding "both": the `data` value that `stringData` overrides


@dataclass(frozen=True)
class SecretCase:
    name: str
    explicit_namespace: bool
    entries: tuple[Entry, ...]
    annotation: str  # none | valid | truncated
    annotation_in_git: bool  # a `kubectl get -o yaml` copy committed to Git keeps it
    managed: str  # none | update (kubectl client-side apply) | apply (server-side); + kubectl-edit
    odd_managed: bool  # entries with values inside fieldsV1 keys, and a corrupt one
    live_shape: str  # see LIVE_SHAPES
    desired_data_string: str | None  # desired `data:` is this string (entries use stringData)
    live_data_string: str  # for live_shape "secret-string", and a duplicate live copy
    ensure_ascii: bool
    live_absent: bool = False  # not in the cluster at all
    duplicate_live: bool = False  # the snapshot holds a second copy (with other values)

    def values(self) -> list[str]:
        found = [self.live_data_string] if self.live_shape == "secret-string" else []
        found += [self.live_data_string] if self.duplicate_live else []
        if self.desired_data_string not in (None, NOT_A_MAP):
            found.append(self.desired_data_string)
        for e in self.entries:
            found += [v for v in (e.desired, e.live, e.applied, e.shadow) if v is not None]
        return found


@dataclass(frozen=True)
class Scenario:
    secrets: tuple[SecretCase, ...]
    extra: tuple[str, tuple[tuple[str, str], ...]] | None  # live-only Secret: name, data
    desired_format: str  # yaml | json
    live_format: str  # yaml-docs | yaml-list | json-list
    ensure_ascii: bool
    ignore: tuple[str, str] | None = None  # .drift.yaml ignores this Secret's key
    severity_rule: bool = False  # .drift.yaml rates Secret data high

    def values(self) -> list[str]:
        found = [v for case in self.secrets for v in case.values()]
        if self.extra is not None:
            found += [v for _, v in self.extra[1]]
        return found


@st.composite
def entries_for(draw: st.DrawFn, keys: Sequence[str]) -> tuple[Entry, ...]:
    out = []
    for key in keys:
        role = draw(st.sampled_from(ROLES))
        encoding = draw(st.sampled_from(ENCODINGS))
        a, b, c = draw(st.lists(secret_values(), min_size=3, max_size=3, unique=True))
        shadow = c if encoding == "both" else None
        if role == "same":
            entry = Entry(key, role, encoding, a, a, draw(st.sampled_from([None, a, b])), shadow)
        elif role == "changed":
            entry = Entry(key, role, encoding, a, b, draw(st.sampled_from([None, a, b])), shadow)
        elif role == "missing":
            entry = Entry(key, role, encoding, a, None, draw(st.sampled_from([None, a])), shadow)
        elif role == "extra_edit":
            entry = Entry(key, role, encoding, None, a, None)
        else:  # removed_applied: the annotation may hold an older value than the live one
            entry = Entry(key, role, encoding, None, a, draw(st.sampled_from([a, b])), shadow)
        out.append(entry)
    return tuple(out)


@st.composite
def secret_cases(draw: st.DrawFn, name: str) -> SecretCase:
    keys = draw(st.lists(_key_names, min_size=1, max_size=4, unique=True))
    entries = draw(entries_for(keys))
    desired_data_string = draw(st.one_of(st.none(), st.just(NOT_A_MAP), secret_values()))
    if desired_data_string is not None:
        entries = tuple(
            Entry(e.key, e.role, "stringData", e.desired, e.live, e.applied) for e in entries
        )
    return SecretCase(
        name=name,
        explicit_namespace=draw(st.booleans()),
        entries=entries,
        annotation=draw(st.sampled_from(("valid", "none", "truncated"))),
        annotation_in_git=draw(st.booleans()),
        managed=draw(st.sampled_from(MANAGED)),
        odd_managed=draw(st.booleans()),
        live_shape=draw(st.sampled_from(LIVE_SHAPES)),
        desired_data_string=desired_data_string,
        live_data_string=draw(secret_values()),
        ensure_ascii=draw(st.booleans()),
        live_absent=draw(st.booleans()) and draw(st.booleans()),
        duplicate_live=draw(st.booleans()) and draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    names = draw(st.lists(_object_names, min_size=1, max_size=2, unique=True))
    secrets = tuple(draw(secret_cases(name)) for name in names)
    extra = None
    if draw(st.booleans()):
        keys = draw(st.lists(_key_names, min_size=1, max_size=3, unique=True))
        values = draw(st.lists(secret_values(), min_size=len(keys), max_size=len(keys)))
        extra = ("by.hand." + names[0], tuple(zip(keys, values, strict=True)))
    ignore = None
    if draw(st.booleans()):
        case = draw(st.sampled_from(secrets))
        ignore = (case.name, draw(st.sampled_from([e.key for e in case.entries])))
    return Scenario(
        secrets=secrets,
        extra=extra,
        desired_format=draw(st.sampled_from(("yaml", "json"))),
        live_format=draw(st.sampled_from(("yaml-docs", "yaml-list", "json-list"))),
        ensure_ascii=draw(st.booleans()),
        ignore=ignore,
        severity_rule=draw(st.booleans()),
    )


# ---------------------------------------------------------------------------------------------
# Building the files
# ---------------------------------------------------------------------------------------------


def metadata(name: str, *, namespace: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespace:
        meta["namespace"] = NAMESPACE
    return meta


def applied_object(case: SecretCase) -> dict[str, Any]:
    """What `kubectl apply` recorded in the annotation: the manifest as it was then."""
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"annotations": {}, **metadata(case.name, namespace=True)},
        "type": "Opaque",
    }
    for e in case.entries:
        if e.applied is None:
            continue
        if e.encoding in ("stringData", "both"):
            body.setdefault("stringData", {})[e.key] = e.applied
        if e.encoding == "data":
            body.setdefault("data", {})[e.key] = b64(e.applied)
        if e.encoding == "both" and e.shadow is not None:
            body.setdefault("data", {})[e.key] = b64(e.shadow)
    return body


def annotation_text(case: SecretCase) -> str:
    applied = applied_object(case)
    text = json.dumps(applied, separators=(",", ":"), ensure_ascii=case.ensure_ascii) + "\n"
    if case.annotation == "valid":
        return text
    # Truncated right after the first value it holds: the value hides in broken JSON.
    for e in case.entries:
        if e.applied is not None:
            shown = e.applied if e.encoding != "data" else b64(e.applied)
            needle = json.dumps(shown, ensure_ascii=case.ensure_ascii)
            at = text.find(needle)
            if at >= 0:
                return text[: at + len(needle)] + ',"data":{'
    return text[: len(text) // 2]


def desired_object(case: SecretCase) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(case.name, namespace=case.explicit_namespace),
        "type": "Opaque",
    }
    if case.annotation_in_git and case.annotation != "none":
        body["metadata"]["annotations"] = {LAST_APPLIED: annotation_text(case)}
    data: dict[str, Any] = {}
    string_data: dict[str, Any] = {}
    for e in case.entries:
        if e.desired is None:
            continue
        if e.encoding in ("stringData", "both"):
            string_data[e.key] = e.desired
        if e.encoding == "data":
            data[e.key] = b64(e.desired)
        if e.encoding == "both" and e.shadow is not None:
            data[e.key] = b64(e.shadow)
    if case.desired_data_string is not None:
        body["data"] = case.desired_data_string
    elif data:
        body["data"] = data
    if string_data:
        body["stringData"] = string_data
    return body


def managed_fields(case: SecretCase) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    if case.managed != "none":
        owned = [
            e.key
            for e in case.entries
            if e.live is not None and e.role in ("same", "changed", "removed_applied")
        ]
        fields: dict[str, Any] = {
            "f:metadata": {
                "f:annotations": {".": {}, f"f:{LAST_APPLIED}": {}},
                "f:labels": {".": {}, "f:app": {}},
            },
            "f:type": {},
        }
        if owned:
            fields["f:data"] = {".": {}, **{f"f:{k}": {} for k in owned}}
        server_side = case.managed == "apply"
        if server_side:  # server-side apply keeps no annotation
            del fields["f:metadata"]["f:annotations"]
        entries.append(
            {
                "manager": "kubectl" if server_side else "kubectl-client-side-apply",
                "operation": "Apply" if server_side else "Update",
                "apiVersion": "v1",
                "time": "2024-05-01T10:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            }
        )
        edited = [e.key for e in case.entries if e.role == "extra_edit" and e.live is not None]
        if edited:
            entries.append(
                {
                    "manager": "kubectl-edit",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2024-06-02T11:30:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {f"f:{k}": {} for k in edited}},
                }
            )
    if case.odd_managed:
        value = case.values()[0]
        entries.append(
            {
                "manager": "kubectl-patch",
                "operation": "Update",
                "time": "2024-06-03T12:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:data": {
                        f"v:{json.dumps(value)}": {},
                        f"k:{json.dumps({'name': value})}": {},
                        f"f:{value}": {},
                    }
                },
            }
        )
        entries.append({"manager": "kubectl-edit", "fieldsType": "FieldsV1", "fieldsV1": value})
    return entries


def live_object(case: SecretCase) -> dict[str, Any]:
    meta: dict[str, Any] = {
        **metadata(case.name, namespace=True),
        "uid": "3f1c2a9e-0000-4000-8000-000000000001",
        "resourceVersion": "4711",
        "creationTimestamp": "2024-05-01T10:00:00Z",
    }
    if case.annotation != "none":
        meta["annotations"] = {LAST_APPLIED: annotation_text(case)}
    fields = managed_fields(case)
    if fields:
        meta["managedFields"] = fields
    live = {e.key: b64(e.live) for e in case.entries if e.live is not None}
    data: Any
    if case.live_shape == "string":
        data = NOT_A_MAP
    elif case.live_shape == "secret-string":
        data = case.live_data_string
    elif case.live_shape == "list":
        data = list(live.values())
    elif case.live_shape == "nested-map":
        data = {k: {"value": v} for k, v in live.items()}
    elif case.live_shape == "nested-list":
        data = {k: [v] for k, v in live.items()}
    else:
        data = live
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque", "data": data}


def extra_object(name: str, data: Sequence[tuple[str, str]]) -> dict[str, Any]:
    values = {k: b64(v) for k, v in data}
    applied = {"apiVersion": "v1", "kind": "Secret", "stringData": dict(data)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            **metadata(name, namespace=True),
            "annotations": {LAST_APPLIED: json.dumps(applied, ensure_ascii=False)},
        },
        "data": values,
    }


def write_scenario(root: Path, scenario: Scenario) -> None:
    desired = root / "desired"
    desired.mkdir()
    objects = [desired_object(case) for case in scenario.secrets]
    if scenario.desired_format == "json":
        for i, obj in enumerate(objects):
            text = json.dumps(obj, indent=2, ensure_ascii=scenario.ensure_ascii)
            (desired / f"secret-{i}.json").write_text(text, encoding="utf-8")
    else:
        (desired / "secrets.yaml").write_text(dump_yaml(objects), encoding="utf-8")

    live = [live_object(case) for case in scenario.secrets if not case.live_absent]
    for case in scenario.secrets:
        if case.duplicate_live and not case.live_absent:
            copy = live_object(case)
            copy["data"] = {e.key: b64(case.live_data_string) for e in case.entries}
            live.append(copy)
    if scenario.extra is not None:
        live.append(extra_object(*scenario.extra))
    listed = {"apiVersion": "v1", "kind": "List", "items": live, "metadata": {}}
    if scenario.live_format == "json-list":
        text = json.dumps(listed, indent=4, ensure_ascii=scenario.ensure_ascii)
        (root / "live.json").write_text(text, encoding="utf-8")
    elif scenario.live_format == "yaml-list":
        (root / "live.yaml").write_text(dump_yaml([listed]), encoding="utf-8")
    else:
        (root / "live.yaml").write_text(dump_yaml(live), encoding="utf-8")

    config: dict[str, Any] = {}
    if scenario.ignore is not None:
        name, key = scenario.ignore
        rule = {"kind": "Secret", "name": name, "paths": [format_path(("data", key))]}
        config["ignore"] = [rule]
    if scenario.severity_rule:
        config["severity"] = [{"kind": "Secret", "paths": ["data"], "level": "high"}]
    if config:  # read from the working directory, as `.drift.yaml` is
        (root / ".drift.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def live_path(scenario: Scenario) -> str:
    return "live.json" if scenario.live_format == "json-list" else "live.yaml"


# ---------------------------------------------------------------------------------------------
# What the reports should say (so that the property never passes by reporting nothing)
# ---------------------------------------------------------------------------------------------


Expected = tuple[set[tuple[str, str]], set[tuple[str, str]]]


def expected_changes(case: SecretCase) -> Expected | None:
    """The (path, type) changes the report must name, and those it may name too.

    None where the README does not pin the report down: `data` of the wrong type live, or a
    desired `data` string with no `stringData` beside it, may be one change of `data` or several;
    only the redaction is checked there.
    """
    if case.live_shape not in ("map", "nested-map", "nested-list"):
        return None
    if case.desired_data_string is not None and all(e.desired is None for e in case.entries):
        return None
    nested = case.live_shape.startswith("nested")
    required, optional = set(), set()
    for e in case.entries:
        path = format_path(("data", e.key))
        if e.desired is not None:
            if e.live is None:
                required.add((path, "missing"))
            elif nested or e.desired != e.live:
                required.add((path, "changed"))
        elif e.live is not None and e.role == "extra_edit" and case.managed != "none":
            required.add((path, "added"))  # a kubectl-edit managedFields entry
        elif e.live is not None and e.role == "removed_applied":
            if case.annotation == "valid":
                required.add((path, "removed"))  # still in the last-applied annotation
            elif case.managed != "none":
                optional.add((path, "removed"))  # the deployer's managedFields entry owns it
    return required, optional


def check_json_report(scenario: Scenario, report: Mapping[str, Any]) -> None:
    by_name = {r["name"]: r for r in report["resources"] if r["kind"] == "Secret"}
    for case in scenario.secrets:
        result = by_name[case.name]
        for change in result["changes"] + result["ignored"]:
            assert change["path"].startswith("data"), change
            assert change["redacted"] is True, change
            assert change["desired"] in (HIDDEN, None), change
            assert change["live"] in (HIDDEN, None), change
        if case.live_absent:
            assert result["status"] == "missing", result
            continue
        got = {(c["path"], c["type"]) for c in result["changes"]}
        ignored = {(c["path"], c["type"]) for c in result["ignored"]}
        assert result["status"] == ("drifted" if got else "in_sync"), result
        if scenario.ignore is not None and scenario.ignore[0] == case.name:
            path = format_path(("data", scenario.ignore[1]))
            assert all(p == path for p, _ in ignored), ignored
            assert all(p != path for p, _ in got), got
        else:
            assert not ignored, ignored
        expected = expected_changes(case)
        if expected is not None:
            required, optional = expected
            assert required <= got | ignored <= required | optional, (
                f"Secret {case.name}: changes {got}, ignored {ignored}, "
                f"expected {required} (and maybe {optional})"
            )
    if scenario.extra is not None:
        assert by_name[scenario.extra[0]]["status"] == "extra"


def check(scenario: Scenario) -> dict[str, Any]:
    """Runs every entry point on the scenario; returns the CLI's JSON report."""
    values = scenario.values()
    report: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="drift-leaks-") as tmp,
        working_directory(Path(tmp)),
    ):
        root = Path(tmp)
        write_scenario(root, scenario)
        base = [
            "--manifests",
            "desired",
            "--live-snapshot",
            live_path(scenario),
            "--namespace",
            NAMESPACE,
            "--selector",
            "app=shop",
        ]
        for fmt in FORMATS:
            for explain in (False, True):
                for verbose in (False, True):
                    for to_file in (False, True):
                        argv = [*base, "--format", fmt]
                        argv += ["--explain"] if explain else []
                        argv += ["-v"] if verbose else []
                        argv += ["--output-file", "out/report"] if to_file else []
                        argv += ["--color", "always"] if fmt == "text" and explain else []
                        outcome = run_cli(argv, verbose=verbose)
                        if to_file:
                            written = root / "out" / "report"
                            outcome.files["--output file"] = written.read_text(encoding="utf-8")
                            written.unlink()
                        run = "drift-action " + " ".join(argv)
                        assert outcome.code in (0, 1), (run, outcome.texts())
                        assert_no_leak(run, outcome, values)
                        if fmt == "json" and not to_file:
                            report = json.loads(outcome.stdout)
                            check_json_report(scenario, report)
        for fmt in FORMATS:
            for explain in ("false", "true"):
                inputs = {
                    "manifests": "desired",
                    "live_snapshot": live_path(scenario),
                    "selector": "app=shop",
                    "format": fmt,
                    "explain": explain,
                }
                outcome = run_action(root, inputs)
                run = f"the action with {inputs}"
                assert outcome.code in (0, 1), (run, outcome.texts())
                assert_no_leak(run, outcome, values)
                check_json_report(scenario, json.loads(outcome.files[action.JSON_REPORT]))
    return report


@FUZZ
@given(scenarios())
def test_secret_values_never_appear_in_any_output(scenario: Scenario) -> None:
    note(f"{len(scenario.values())} secret values")
    check(scenario)


def test_every_route_at_once() -> None:
    """Each route the property draws, in one run that does not depend on the draw."""
    v = [f"{c}|`x'Y\"\n: #ü{i}Q9zZ{i}k2 " for i, c in enumerate("ABCDEFGHIJKLMNOPQRS")]
    entries = (
        Entry("password", "changed", "stringData", v[0], v[1], v[0]),
        Entry("storage", "changed", "data", v[2], v[3], v[2]),
        Entry("cpu", "missing", "both", v[4], None, v[4], shadow=v[5]),
        Entry("token", "same", "data", v[6], v[6], v[7]),
        Entry("by-hand", "extra_edit", "stringData", None, v[8], None),
        Entry("old.key", "removed_applied", "stringData", None, v[9], v[10]),
    )
    case = SecretCase(
        name="creds",
        explicit_namespace=False,
        entries=entries,
        annotation="valid",
        annotation_in_git=True,
        managed="update",
        odd_managed=True,
        live_shape="map",
        desired_data_string=None,
        live_data_string=v[11],
        ensure_ascii=False,
    )
    mismatch = SecretCase(
        name="mismatch",
        explicit_namespace=True,
        entries=(Entry("memory", "changed", "data", v[12], v[13], v[12]),),
        annotation="truncated",
        annotation_in_git=False,
        managed="none",
        odd_managed=False,
        live_shape="secret-string",
        desired_data_string=None,
        live_data_string=v[14],
        ensure_ascii=True,
        duplicate_live=True,
    )
    absent = SecretCase(
        name="absent",
        explicit_namespace=False,
        entries=(Entry("tls.key", "missing", "data", v[16], None, v[16]),),
        annotation="valid",
        annotation_in_git=True,
        managed="none",
        odd_managed=False,
        live_shape="map",
        desired_data_string=v[17],
        live_data_string=v[18],
        ensure_ascii=False,
        live_absent=True,
    )
    scenario = Scenario(
        secrets=(case, mismatch, absent),
        extra=("by-hand-creds", (("api-key", v[15]),)),
        desired_format="yaml",
        live_format="yaml-docs",
        ensure_ascii=False,
        ignore=("creds", "storage"),
        severity_rule=True,
    )
    assert expected_changes(case) == (
        {
            ("data.password", "changed"),
            ("data.storage", "changed"),
            ("data.cpu", "missing"),
            ("data.by-hand", "added"),
            ('data["old.key"]', "removed"),
        },
        set(),
    )
    report = check(scenario)
    results = {r["name"]: r for r in report["resources"]}
    assert [(c["path"], c["ignored_by"]) for c in results["creds"]["ignored"]] == [
        ("data.storage", ".drift.yaml ignore[0]")
    ]
    assert {c["severity"] for c in results["creds"]["changes"]} == {"high"}
    assert results["mismatch"]["status"] == "drifted"
    assert results["absent"]["status"] == "missing"
    assert results["by-hand-creds"]["status"] == "extra"
    assert any("appears twice" in w for w in report["warnings"])


# ---------------------------------------------------------------------------------------------
# Malformed input: the file breaks right after a value; the one-line error must not quote it
# ---------------------------------------------------------------------------------------------

BREAKS = (
    "unclosed double quote",
    "unclosed single quote",
    "bad indentation",
    "text after the value",
    "json cut after the value",
    "live annotation unclosed",
)


def broken_file(value: str, key: str, encoding: str, how: str) -> tuple[str, str, str, int]:
    """(file to break: desired|live, its name, its text, the line the value is on)."""
    shown = value if encoding == "stringData" else b64(value)
    head = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
    quoted = json.dumps(shown)  # a JSON string is a YAML double-quoted scalar
    if how == "unclosed double quote":
        return "desired", "secret.yaml", f"{head}{encoding}:\n  {key}: {quoted[:-1]}\n  x: y\n", 6
    if how == "unclosed single quote":
        single = "'" + shown.replace("'", "''")
        return "desired", "secret.yaml", f"{head}{encoding}:\n  {key}: {single}\n  x: y\n", 6
    if how == "bad indentation":
        return "desired", "secret.yaml", f"{head}{encoding}:\n  {key}: {quoted}\n bad: y\n", 6
    if how == "text after the value":
        return "desired", "secret.yaml", f"{head}{encoding}:\n  {key}: {quoted} tail\n", 6
    if how == "json cut after the value":
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}}
        text = json.dumps({**obj, encoding: {key: shown}}, indent=2)
        cut = text.index(quoted) + len(quoted)
        return "desired", "secret.json", text[:cut] + ",\n  oops\n", 8
    applied = json.dumps({"kind": "Secret", encoding: {key: shown}})
    annotation = "'" + applied.replace("'", "''")  # single-quoted, never closed
    text = (
        f"{head}  namespace: default\n  annotations:\n    {LAST_APPLIED}: {annotation}\n"
        "data: {}\n"
    )
    return "live", "live.yaml", text, 7


@settings(FUZZ, max_examples=max(10, EXAMPLES // 2))
@given(
    value=secret_values(),
    key=_key_names,
    encoding=st.sampled_from(("stringData", "data")),
    how=st.sampled_from(BREAKS),
)
def test_malformed_secret_file_error_quotes_no_value(
    value: str, key: str, encoding: str, how: str
) -> None:
    check_malformed(value, key, encoding, how)


def test_debug_traceback_quotes_no_value_with_the_pure_python_yaml_loader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drift_action.core import yaml_docs

    monkeypatch.setattr(yaml_docs, "_Loader", yaml.SafeLoader)
    check_malformed("x|Abc9defGH:y", "password", "stringData", "unclosed double quote")


def check_malformed(value: str, key: str, encoding: str, how: str) -> None:
    """Exit 2, one error line and no value, from the CLI (also with -v, --output, --debug)
    and from the action, when a Secret's file breaks right after a value."""
    side, name, text, value_line = broken_file(value, key, encoding, how)
    good_desired = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata: {}\n"
    good_live = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: default\ndata: {}\n"
    )
    with (
        tempfile.TemporaryDirectory(prefix="drift-leaks-") as tmp,
        working_directory(Path(tmp)),
    ):
        root = Path(tmp)
        (root / "desired").mkdir()
        desired = root / "desired" / (name if side == "desired" else "secret.yaml")
        live = root / (name if side == "live" else "live.yaml")
        desired.write_text(text if side == "desired" else good_desired, encoding="utf-8")
        live.write_text(text if side == "live" else good_live, encoding="utf-8")
        shown = f"desired/{name}" if side == "desired" else name
        for extra in ([], ["-v"], ["--format", "json", "--output-file", "report.json"]):
            argv = ["--manifests", "desired", "--live-snapshot", live.name, *extra]
            outcome = run_cli(argv, verbose="-v" in extra)
            run = "drift-action " + " ".join(argv)
            assert outcome.code == 2, (run, outcome.texts())
            assert outcome.stdout == ""
            assert not (root / "report.json").exists()
            *progress, error = outcome.stderr.removesuffix("\n").split("\n")
            # One error line; with -v, progress lines come before it.
            assert not progress or "-v" in extra, outcome.stderr
            assert "error" not in "".join(progress), outcome.stderr
            prefix = f"drift-action: error: {shown}:"
            assert error.startswith(prefix), error
            line = error.removeprefix(prefix).split(":")[0]
            if line.isdigit():  # reader errors (a control character) name no line
                assert int(line) >= value_line, f"{error!r}: the error is before the value"
            assert_no_leak(run, outcome, [value])

        # --debug shows the traceback: the exception chain (PyYAML's own error) must not quote
        # the value either.
        argv = ["--manifests", "desired", "--live-snapshot", live.name, "--debug"]
        with (
            captured(debug_logs=True) as (out, err, records),
            pytest.raises(DriftActionError) as info,
        ):
            cli.main(argv)
        trace = "".join(traceback.format_exception(info.value))
        outcome = Outcome(2, out.getvalue(), err.getvalue(), records.lines, {"traceback": trace})
        assert_no_leak("drift-action " + " ".join(argv), outcome, [value])

        outcome = run_action(root, {"manifests": "desired", "live_snapshot": live.name})
        assert outcome.code == 2, outcome.texts()
        assert outcome.stdout.startswith(f"::error::{shown}:"), outcome.stdout
        assert outcome.stdout.count("\n") == 1
        assert action.MARKDOWN_REPORT not in outcome.files
        assert action.JSON_REPORT not in outcome.files
        assert_no_leak("the action", outcome, [value])
