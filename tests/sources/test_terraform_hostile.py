"""Hostile and broken Terraform plans: each ends in a report (with a warning naming the resource
that was skipped) or in one line naming the plan file and exit status 2; never a traceback, an
internal error or a hang (issue 8).

* **Cut short**: the realistic plans (tests/data/terraform/plan-modules.json and
  examples/terraform/plan.json) cut at many byte offsets.
* **Wrong types everywhere**: every key path of the sections a plan has (format_version,
  terraform_version, planned_values, resource_changes, resource_drift, prior_state,
  configuration) and of every typed resource in tests/data/terraform/typed/, replaced by null, a
  number, a string, a list, an object and a bool; the run goes through `cli.main` in process.
  The paths that hold the plan's structure (down to the attribute trees' own keys) are all
  mutated in CI, and a sample of the paths inside the attribute trees;
  `DRIFT_FUZZ_EXAMPLES=20000 python -m pytest tests/sources/test_terraform_hostile.py` mutates
  every path with more kinds of values (the sample is that many paths per plan).
* **Each bug these found**, as its own test: Secret data, kubectl `sensitive_fields`,
  `helm_release` lists and Ingress rules of the wrong type, identities of the wrong type, lone
  surrogate escapes, numbers JSON cannot hold, nesting too deep, alias bombs in `yaml_body`,
  thousands of sensitive values (once quadratic), a plan without `resource_changes`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, run_action
from support import run_cli as run_installed_cli
from support.leaks import Outcome, working_directory
from support.leaks import run_cli as run_in_process

from drift_action.sources.terraform.trees import MAX_DEPTH

DATA = ROOT / "tests" / "data" / "terraform"
MODULES = DATA / "plan-modules.json"
MODULES_LIVE = DATA / "live-modules.yaml"
EXAMPLE = ROOT / "examples" / "terraform" / "plan.json"
EXAMPLE_LIVE = ROOT / "examples" / "terraform" / "live.yaml"
TYPED = sorted((DATA / "typed").glob("*.json"))

LONG = "DRIFT_FUZZ_EXAMPLES" in os.environ
SAMPLE = int(os.environ.get("DRIFT_FUZZ_EXAMPLES", "20"))  # paths inside attribute trees
REPLACEMENTS: dict[str, Any] = {
    "null": None,
    "number": 7,
    "string": "x",
    "list": [1],
    "object": {"k": 1},
    "bool": True,
}
if LONG:
    REPLACEMENTS |= {
        "float": -1.5,
        "empty-string": "",
        "empty-list": [],
        "list-of-objects": [{"k": "v"}],
        "empty-object": {},
        "false": False,
        "big": 10**30,
        "unicode": "\u2028é😀\x00",
    }
SECTIONS = (
    "format_version",
    "terraform_version",
    "planned_values",
    "resource_changes",
    "resource_drift",
    "prior_state",
    "configuration",
)
UNREAD = ("prior_state", "configuration")  # sections drift-action does not read
# The attribute trees: what is below their keys is a resource's own values.
TREES = frozenset(
    {"before", "after", "after_unknown", "after_sensitive", "before_sensitive", "values"}
    | {"sensitive_values"}
)
PLAN = "plan.json"
ERROR = f"drift-action: error: {PLAN}"
WARNING = "drift-action: warning: "


def paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*path, index))


@contextmanager
def replaced(data: Any, path: Sequence[Any], value: Any) -> Iterator[Any]:
    """`data` with the value at `path` replaced, for the time of the block (no copy is made:
    the plans are large and the mutations many)."""
    if not path:
        yield value
        return
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    before = parent[path[-1]]
    parent[path[-1]] = value
    try:
        yield data
    finally:
        parent[path[-1]] = before


def inside_tree(path: Sequence[Any]) -> bool:
    """Below an attribute tree's key (`after.spec`), not the key itself (`after`)."""
    return any(key in TREES for key in path[:-1] if isinstance(key, str))


def chosen(all_paths: list[Any], *, structural: Any) -> list[Any]:
    """Every structural path, and a fixed sample of the others (all of them in the long run)."""
    kept = [p for p in all_paths if structural(p)]
    rest = [p for p in all_paths if not structural(p)]
    if LONG and len(rest) <= SAMPLE:
        return kept + rest
    return kept + random.Random(8).sample(rest, min(SAMPLE, len(rest)))


# -- running and judging ------------------------------------------------------------------------


def run(plan: Any, live: Sequence[str], *, raw: str | None = None) -> Outcome:
    """The CLI in process, in the current folder, on `plan` written as plan.json. A hostile plan
    may leave no Kubernetes object: --allow-empty, so that the report and its warnings about
    what was skipped are judged rather than the empty-source error."""
    Path(PLAN).write_text(raw if raw is not None else json.dumps(plan), encoding="utf-8")
    argv = ["--terraform-plan", PLAN, *live, "--format", "json", "--allow-empty"]
    return run_in_process(argv, verbose=False)


def addresses(outcome: Outcome) -> set[str]:
    if outcome.code == 2 and not outcome.stdout:
        return set()
    report = json.loads(outcome.stdout)
    return {r["source"]["address"] for r in report["resources"] if r.get("source")}


def problems(outcome: Outcome, baseline: set[str], path: Sequence[Any], value: Any) -> list[str]:
    """What is wrong with a run's outcome: nothing, when it is a report whose skipped resources
    are named in warnings, or one error line naming the plan."""
    found: list[str] = []
    lines = outcome.stderr.splitlines()
    if "internal error" in outcome.stderr or "Traceback" in outcome.stderr:
        return [f"crashed: {outcome.stderr.strip()}"]
    if outcome.code not in (0, 1, 2):
        return [f"exit {outcome.code}"]
    if outcome.code == 2 and not outcome.stdout:
        errors = [line for line in lines if not line.startswith(WARNING)]
        if len(errors) != 1 or not errors[0].startswith("drift-action: error: "):
            found.append(f"not one error line: {outcome.stderr!r}")
        elif PLAN not in errors[0]:
            found.append(f"the error does not name the plan: {errors[0]}")
        return found
    odd = [line for line in lines if not line.startswith(WARNING)]
    if odd:
        found.append(f"stderr lines that are not warnings: {odd}")
    report = json.loads(outcome.stdout)
    assert isinstance(report["resources"], list)
    vanished = baseline - addresses(outcome)
    if vanished and not may_vanish(path, value):
        unnamed = [a for a in vanished if not any(a in line for line in lines)]
        if unnamed:
            found.append(f"resources gone from the report without a warning: {unnamed}")
    return found


def may_vanish(path: Sequence[Any], value: Any) -> bool:
    """Mutations after which a resource may leave the report without a word: it is another
    provider's or a data source, is named differently, is deleted, or its whole entry is gone."""
    last = path[-1] if path else None
    if last in ("type", "mode", "address", "deposed"):
        return True
    if last in ("after", "before", "values") and value is None:
        return True
    structural = [k for k in path if isinstance(k, str)]
    return structural in (
        [],
        ["resource_changes"],
        ["resource_drift"],
        ["planned_values"],
        ["planned_values", "root_module"],
        ["planned_values", "root_module", "resources"],
        ["planned_values", "root_module", "child_modules"],
        ["planned_values", "root_module", "child_modules", "resources"],
        ["format_version"],
    )


@dataclass(frozen=True)
class Case:
    """A realistic plan, how to run it, and which of its paths hold its structure."""

    name: str
    plan: dict[str, Any]
    live: tuple[str, ...]
    isolate: bool  # run each resource's mutations on a plan of that resource alone
    unread: tuple[str, ...] = UNREAD  # sections this plan's reading does not look at

    def mutations(self) -> list[tuple[Any, ...]]:
        def structural(path: tuple[Any, ...]) -> bool:
            if path[0] in self.unread:
                return len(path) <= 2
            return not inside_tree(path)

        found = [p for p in paths(self.plan) if p and p[0] in SECTIONS]
        return chosen(found, structural=structural)

    def scope(self, path: Sequence[Any]) -> tuple[str, Any, tuple[Any, ...]]:
        """The plan a mutation at `path` runs on, its name, and the path in it. Resources are
        independent of each other: a mutation inside one runs on a plan of that resource alone
        (with its drift entry)."""
        if (
            not self.isolate
            or len(path) < 3
            or path[0] not in ("resource_changes", "resource_drift")
        ):
            return "whole plan", self.plan, tuple(path)
        address = self.plan[path[0]][path[1]]["address"]
        scoped = {
            **{k: v for k, v in self.plan.items() if k != "planned_values"},
            "resource_changes": [
                e for e in self.plan["resource_changes"] if e["address"] == address
            ],
            "resource_drift": [e for e in self.plan["resource_drift"] if e["address"] == address],
        }
        index = scoped[path[0]].index(self.plan[path[0]][path[1]])
        return address, scoped, (path[0], index, *path[2:])


def modules_case() -> Case:
    plan = json.loads(MODULES.read_text())
    # With resource_changes, planned_values are not read.
    return Case("modules", plan, ("--live-from-terraform",), True, (*UNREAD, "planned_values"))


def planned_values_case() -> Case:
    plan = json.loads(MODULES.read_text())
    del plan["resource_changes"], plan["resource_drift"]
    return Case("planned-values", plan, ("--live-from-terraform",), False)


def example_case() -> Case:
    plan = json.loads(EXAMPLE.read_text())
    return Case("example", plan, ("--live-snapshot", str(EXAMPLE_LIVE)), False)


def typed_plan(fixture: dict[str, Any], trio: dict[str, Any]) -> dict[str, Any]:
    """A typed resource as a plan: its update (the prior state as planned) and its drift (the
    planned values changed to the fixture's by hand), so every reader of it runs."""
    kind, address = fixture["type"], f"{fixture['type']}.x"
    entry = {"address": address, "mode": "managed", "type": kind, "name": "x"}
    return {
        "format_version": "1.2",
        "resource_changes": [
            {
                **entry,
                "change": {
                    "actions": ["update"],
                    "before": trio["after"],
                    "after": trio["after"],
                    "after_unknown": trio["after_unknown"],
                    "after_sensitive": trio["after_sensitive"],
                    "before_sensitive": trio["after_sensitive"],
                },
            }
        ],
        "resource_drift": [
            {
                **entry,
                "change": {
                    "actions": ["update"],
                    "before": trio["after"],
                    "after": fixture["after"],
                    "before_sensitive": trio["after_sensitive"],
                    "after_sensitive": fixture["after_sensitive"],
                },
            }
        ],
    }


def mutate_all(case: Case) -> list[str]:
    failures: list[str] = []
    baselines: dict[str, set[str]] = {}
    for path in case.mutations():
        key, scoped, where = case.scope(path)
        if key not in baselines:
            outcome = run(scoped, case.live)
            assert outcome.code in (0, 1), (case.name, key, outcome.stderr)
            baselines[key] = addresses(outcome)
        for name, value in REPLACEMENTS.items():
            with replaced(scoped, where, value) as plan:
                outcome = run(plan, case.live)
            for problem in problems(outcome, baselines[key], where, value):
                failures.append(f"{case.name} {'.'.join(map(str, path))} = {name}: {problem}")
    return failures


@pytest.mark.parametrize(
    "make",
    [modules_case, planned_values_case, example_case],
    ids=["modules", "planned-values", "example-with-snapshot"],
)
def test_wrong_types_in_every_section_of_a_plan(make: Any, tmp_path: Path) -> None:
    case = make()
    with working_directory(tmp_path):
        failures = mutate_all(case)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


def test_wrong_types_in_every_typed_resource(tmp_path: Path) -> None:
    fixtures = {file.name: json.loads(file.read_text()) for file in TYPED}
    # Copies: the drift entry's refreshed state stays the fixture's own planned values.
    trios = {
        name: json.loads(
            json.dumps({k: f[k] for k in ("after", "after_unknown", "after_sensitive")})
        )
        for name, f in fixtures.items()
    }
    found = [(name, p) for name, trio in trios.items() for p in paths(trio) if p]
    failures: list[str] = []
    with working_directory(tmp_path):
        baselines = {
            name: addresses(run(typed_plan(fixtures[name], trio), ("--live-from-terraform",)))
            for name, trio in trios.items()
        }
        for name, fixture in fixtures.items():
            assert baselines[name] == {f"{fixture['type']}.x"}, name
        for name, path in chosen(found, structural=lambda item: len(item[1]) <= 3):
            for kind, value in REPLACEMENTS.items():
                with replaced(trios[name], path, value) as trio:
                    outcome = run(typed_plan(fixtures[name], trio), ("--live-from-terraform",))
                for problem in problems(outcome, baselines[name], path, value):
                    failures.append(f"{name} {'.'.join(map(str, path))} = {kind}: {problem}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


def test_wrong_types_in_a_helm_release_with_its_chart(tmp_path: Path) -> None:
    """The release's chart is beside the plan, so what reaches Helm is rendered."""
    plan = json.loads(MODULES.read_text())
    index = next(
        i for i, c in enumerate(plan["resource_changes"]) if c["address"] == "helm_release.cache"
    )
    release = plan["resource_changes"][index]["change"]["after"]
    keys = (
        "chart",
        "repository",
        "name",
        "namespace",
        "values",
        "set",
        "set_list",
        "set_sensitive",
    )
    shutil.copytree(DATA / "charts", tmp_path / "charts")
    live = ("--live-snapshot", str(MODULES_LIVE))
    failures: list[str] = []
    with working_directory(tmp_path):
        scoped = {
            **plan,
            "resource_changes": [plan["resource_changes"][index]],
            "resource_drift": [],
        }
        baseline = addresses(run(scoped, live))
        assert baseline == {"helm_release.cache"}
        targets = [("after", key) for key in keys]
        if LONG:
            targets += [("after", k, *rest) for k in keys for rest in list(paths(release[k]))[1:]]
        else:
            targets += [("after", "values", 0), ("after", "set_sensitive", 0, "value")]
        for target in targets:
            for name, value in REPLACEMENTS.items():
                path = ("resource_changes", 0, "change", *target)
                with replaced(scoped, path, value) as mutated:
                    outcome = run(mutated, live)
                for problem in problems(outcome, baseline, path, value):
                    failures.append(
                        f"helm_release.cache {'.'.join(map(str, target))} = {name}: {problem}"
                    )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


# -- cut short ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [MODULES, EXAMPLE], ids=["plan-modules", "example"])
def test_a_plan_cut_short_is_one_line_naming_the_file(source: Path, tmp_path: Path) -> None:
    data = source.read_bytes()
    end = data.rstrip().rfind(b"}")  # cut anywhere before the closing brace: never valid JSON
    step = max(1, end // (3000 if LONG else 150))
    offsets = sorted(
        {*range(0, end, step), 1, 2, end - 1, *random.Random(3).sample(range(end), 20)}
    )
    with working_directory(tmp_path):
        for offset in offsets:
            cut = data[:offset]
            Path(PLAN).write_bytes(cut)
            outcome = run_in_process(
                ["--terraform-plan", PLAN, "--live-from-terraform"], verbose=False
            )
            assert outcome.code == 2, (offset, outcome.stderr)
            assert outcome.stdout == ""
            (line,) = outcome.stderr.splitlines()
            assert line.startswith(f"{ERROR}:"), (offset, line)
            if "neither plan JSON nor a binary Terraform plan" in line:  # cut inside a character
                continue
            assert "not JSON" in line, (offset, line)
            number = line.removeprefix(f"{ERROR}:").split(":")[0]
            assert 1 <= int(number) <= cut.count(b"\n") + 1, (offset, line)
        # Cut inside a character (the fixtures are ASCII):
        Path(PLAN).write_bytes('{"format_version": "1.2", "x": "é'.encode()[:-1])
        outcome = run_in_process(["--terraform-plan", PLAN, "--live-from-terraform"], verbose=False)
        assert outcome.stderr.splitlines() == [
            f"{ERROR}: neither plan JSON nor a binary Terraform plan: give the output of "
            "terraform show -json PLANFILE, or the plan file"
        ]


def test_a_plan_cut_short_through_the_installed_cli_and_the_action(workspace: Path) -> None:
    text = EXAMPLE.read_text()
    for offset in (0, 1, len(text) // 3, len(text) - 40):
        (workspace / PLAN).write_text(text[:offset])
        result = run_installed_cli("--terraform-plan", PLAN, "--live-from-terraform", cwd=workspace)
        assert result.returncode == 2, result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"{ERROR}:") and "not JSON" in line, line
    action = run_action(
        workspace, {"INPUT_TERRAFORM_PLAN": PLAN, "INPUT_LIVE_FROM_TERRAFORM": "true"}
    )
    assert action.returncode == 2, action.stdout + action.stderr
    (line,) = action.stdout.splitlines()
    assert line.startswith(f"::error::{PLAN}:") and "not JSON" in line, line
    assert not (workspace / "drift-report.json").exists()


# -- each bug, on its own -------------------------------------------------------------------------


def _change(kind: str, after: Any, **change: Any) -> dict[str, Any]:
    entry = {"address": f"{kind}.x", "mode": "managed", "type": kind, "name": "x"}
    return {**entry, "change": {"actions": ["create"], "before": None, "after": after, **change}}


def _plan(*changes: dict[str, Any], drift: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "resource_changes": list(changes),
        "resource_drift": list(drift),
    }


def _config_map(name: str, data: Any = None) -> dict[str, Any]:
    return {"metadata": [{"name": name, "namespace": "shop"}], "data": data or {"mode": "batch"}}


def _warnings(outcome: Outcome) -> list[str]:
    return [line.removeprefix(WARNING) for line in outcome.stderr.splitlines()]


def _fine(outcome: Outcome) -> dict[str, Any]:
    """The report of a run that ended in one; every line on stderr a warning."""
    assert outcome.code in (0, 1), outcome.stderr
    assert all(line.startswith(WARNING) for line in outcome.stderr.splitlines()), outcome.stderr
    report: dict[str, Any] = json.loads(outcome.stdout)
    return report


def _names(report: dict[str, Any]) -> set[str]:
    return {r["name"] for r in report["resources"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [("data", "x"), ("data", 7), ("data", [1]), ("binary_data", "x"), ("binary_data", 7)],
)
def test_secret_data_of_the_wrong_type_is_a_warning_naming_the_resource(
    tmp_path: Path, field: str, value: Any
) -> None:
    secret = {"metadata": [{"name": "creds", "namespace": "shop"}], field: value}
    plan = _plan(
        _change("kubernetes_secret_v1", secret),
        _change("kubernetes_config_map_v1", _config_map("ok")),
    )
    with working_directory(tmp_path):
        outcome = run(plan, ("--live-from-terraform",))
    report = _fine(outcome)
    assert _names(report) == {"ok"}
    assert (
        f"{PLAN}: kubernetes_secret_v1.x: its data or binary_data is not a map: not compared"
        in _warnings(outcome)
    )


def test_kubectl_sensitive_fields_of_the_wrong_type_leave_the_object_uncompared(
    tmp_path: Path,
) -> None:
    """What the plan hides is unknown, so nothing of the object is shown."""
    body = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: shop\ndata:\n  a: QUJD\n"
    after = {"yaml_body": body, "yaml_body_parsed": body, "sensitive_fields": "data.a"}
    with working_directory(tmp_path):
        outcome = run(_plan(_change("kubectl_manifest", after)), ("--live-from-terraform",))
    report = _fine(outcome)
    assert report["resources"] == []
    assert f"{PLAN}: kubectl_manifest.x: its sensitive_fields is not a list: not compared" in (
        _warnings(outcome)
    )


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("values", "replicaCount: 2", "its values is not a list"),
        ("set", 7, "its set is not a list"),
        ("set_sensitive", {"name": "a", "value": "b"}, "its set_sensitive is not a list"),
        ("set_list", "x", "its set_list is not a list"),
        ("set_list", [{"name": "a", "value": "x"}], "its set_list[0] value is not a list"),
    ],
)
def test_helm_release_lists_of_the_wrong_type_are_not_rendered(
    tmp_path: Path, field: str, value: Any, says: str
) -> None:
    after = {"chart": "./charts/cache", "name": "cache", "namespace": "shop", field: value}
    shutil.copytree(DATA / "charts", tmp_path / "charts")
    with working_directory(tmp_path):
        outcome = run(_plan(_change("helm_release", after)), ("--live-snapshot", str(MODULES_LIVE)))
    _fine(outcome)
    assert f"{PLAN}: helm_release.x: {says}: not rendered" in _warnings(outcome)


@pytest.mark.parametrize(
    "rules", [[1], "x", [{"host": "a", "http": [7]}], [{"http": [{"path": "x"}]}]]
)
def test_ingress_rules_of_the_wrong_type_are_compared_as_they_are(
    tmp_path: Path, rules: Any
) -> None:
    ingress = {
        "metadata": [{"name": "legacy", "namespace": "shop"}],
        "spec": [{"backend": [{"service_name": "web", "service_port": "²"}], "rule": rules}],
    }
    with working_directory(tmp_path):
        outcome = run(_plan(_change("kubernetes_ingress", ingress)), ("--live-from-terraform",))
    assert _names(_fine(outcome)) == {"legacy"}


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (
            "after-namespace",
            "kubernetes_config_map_v1.x: its metadata.namespace is not a string: not compared",
        ),
        (
            "prior-metadata",
            "kubernetes_config_map_v1.x: it has no metadata.name in its prior state: Terraform's view not used",
        ),
        (
            "refreshed-metadata",
            "kubernetes_config_map_v1.x: it has no metadata.name in its refreshed state: Terraform's drift not used",
        ),
        (
            "prior-not-an-object",
            "kubernetes_config_map_v1.x: its prior state is not an object: Terraform's view not used",
        ),
        (
            "after-not-an-object",
            "kubernetes_config_map_v1.x: its planned values are not an object: not compared",
        ),
        (
            "after-missing",
            "kubernetes_config_map_v1.x: its planned values are missing: not compared",
        ),
    ],
)
def test_an_identity_or_state_of_the_wrong_type_is_a_warning_naming_the_resource(
    tmp_path: Path, where: str, says: str
) -> None:
    """These used to stop the run ("Deployment has no metadata"), or drop the resource silently."""
    good = _config_map("cm")
    change: dict[str, Any] = {"actions": ["update"], "before": good, "after": good}
    drift: list[dict[str, Any]] = []
    if where == "after-namespace":
        change["after"] = {**good, "metadata": [{"name": "cm", "namespace": 7}]}
    elif where == "prior-metadata":
        change["before"] = {**good, "metadata": 7}
    elif where == "prior-not-an-object":
        change["before"] = "x"
    elif where == "after-not-an-object":
        change["after"] = ["x"]
    elif where == "after-missing":
        del change["after"]
    else:
        drift = [
            {
                **_change("kubernetes_config_map_v1", None),
                "change": {
                    "actions": ["update"],
                    "before": good,
                    "after": {**good, "metadata": [{"k": "v"}]},
                },
            }
        ]
    plan = _plan({**_change("kubernetes_config_map_v1", None), "change": change}, drift=drift)
    with working_directory(tmp_path):
        outcome = run(plan, ("--live-from-terraform",))
    _fine(outcome)
    assert f"{PLAN}: {says}" in _warnings(outcome), _warnings(outcome)


def test_a_mode_or_resources_of_the_wrong_type_are_one_line_naming_where(tmp_path: Path) -> None:
    plan = _plan({**_change("kubernetes_config_map_v1", _config_map("cm")), "mode": 7})
    planned = {"format_version": "1.2", "planned_values": {"root_module": {"resources": {"a": 1}}}}
    children = {"format_version": "1.2", "planned_values": {"root_module": {"child_modules": 7}}}
    with working_directory(tmp_path):
        for data, says in (
            (plan, "resource_changes[0] (kubernetes_config_map_v1.x): mode is not a string"),
            (planned, "planned_values.root_module.resources is not a list"),
            (children, "planned_values.root_module.child_modules is not a list"),
            ({**plan, "format_version": 1.2}, "format_version is not a string"),
        ):
            outcome = run(data, ("--live-from-terraform",))
            assert outcome.code == 2 and outcome.stdout == ""
            (line,) = outcome.stderr.splitlines()
            assert line.startswith(f"{ERROR}: ") and line.endswith(says), line


def test_line_breaks_in_a_plan_never_break_a_warning_in_two(tmp_path: Path) -> None:
    """A repository "\\r" made the warning two lines (found by the long fuzz run); an address
    with a raw line break would too."""
    release = _change("helm_release", {"chart": "./charts/none", "repository": "\r\nhttps://x"})
    unknown = {
        **_change("kubernetes_thing_v9", _config_map("cm")),
        "address": "kubernetes_thing_v9.a\nb",
    }
    with working_directory(tmp_path):
        outcome = run(_plan(release, unknown), ("--live-from-terraform",))
    lines = outcome.stderr.splitlines()  # the two, and that the plan gave no object
    assert len(lines) == 3 and all(line.startswith(WARNING) for line in lines), lines
    assert "no Kubernetes objects" in lines[-1]
    assert any("comes from '\\r\\nhttps://x'" in line for line in lines), lines
    assert any(
        "kubernetes_thing_v9.a b: kubernetes_thing_v9 is not a resource type" in line
        for line in lines
    )


@pytest.mark.parametrize("key", ["{a}", "}", "{0}", "{address}"])
def test_braces_in_an_address_are_text(tmp_path: Path, key: str) -> None:
    """A for_each key with braces in a resource_drift entry's address was formatted twice, as a
    format string: an internal error (found by a 1,000-example run)."""
    address = f'kubernetes_config_map_v1.x["{key}"]'
    good = _config_map("cm")
    entry = {**_change("kubernetes_config_map_v1", None), "address": address}
    change = {**entry, "change": {"actions": ["update"], "before": good, "after": good}}
    drift = {
        **entry,
        "change": {
            "actions": ["update"],
            "before": good,
            "after": _config_map("cm", {"mode": "b"}),
        },
    }
    with working_directory(tmp_path):
        outcome = run(_plan(change, drift=[drift]), ("--live-from-terraform",))
    (result,) = _fine(outcome)["resources"]
    assert result["source"]["address"] == address
    assert result["message"].startswith(f"Terraform's refresh saw {address} changed outside")


def test_a_plan_without_resource_changes_says_why_nothing_is_compared(tmp_path: Path) -> None:
    """With planned_values only there is no refreshed state: the warning used to blame Helm."""
    plan = json.loads(MODULES.read_text())
    del plan["resource_changes"], plan["resource_drift"]
    with working_directory(tmp_path):
        outcome = run(plan, ("--live-from-terraform",))
    report = _fine(outcome)
    assert report["resources"] == []
    line = next(
        w for w in _warnings(outcome) if w.startswith("module.app.kubernetes_deployment_v1.web:")
    )
    assert "nor does a plan without resource_changes" in line


def test_a_lone_surrogate_escape_in_a_plan_reads_as_go_does(tmp_path: Path) -> None:
    """ "\\ud800" used to end in an internal error when the report was written."""
    plan = _plan(
        {
            **_change("kubernetes_config_map_v1", _config_map("cm\udc00", {"k\ud800": "v\udbff"})),
            "address": 'kubernetes_config_map_v1.x["\ud800"]',
        }
    )
    raw = json.dumps(plan)  # ensure_ascii: the halves are written as \\u escapes
    assert "\\ud800" in raw
    with working_directory(tmp_path):
        for fmt in ("text", "markdown", "json"):
            Path(PLAN).write_text(raw)
            outcome = run_in_process(
                ["--terraform-plan", PLAN, "--live-from-terraform", "--format", fmt], verbose=False
            )
            assert outcome.code == 1, outcome.stderr
            assert "cm\ufffd" in outcome.stdout
            if fmt == "json":
                (resource,) = json.loads(outcome.stdout)["resources"]
                assert resource["source"]["address"] == 'kubernetes_config_map_v1.x["\ufffd"]'


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("NaN", "not JSON: NaN is not a number"),
        ("-Infinity", "not JSON: -Infinity is not a number"),
        ("1e999", "not JSON: a number is too large"),
        ("9" * 5000, "not JSON: a number has too many digits"),
    ],
)
def test_numbers_json_cannot_hold_are_one_line(tmp_path: Path, number: str, says: str) -> None:
    after = {"metadata": [{"name": "w"}], "spec": [{"replicas": "NUMBER"}]}
    raw = json.dumps(_plan(_change("kubernetes_deployment_v1", after))).replace('"NUMBER"', number)
    with working_directory(tmp_path):
        outcome = run(None, ("--live-from-terraform",), raw=raw)
    assert outcome.code == 2 and outcome.stdout == ""
    assert outcome.stderr.splitlines() == [f"{ERROR}: {says}"]


def _nested(levels: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(levels // 2):
        value = {"a": [value]}
    return value


def test_nesting_too_deep_is_one_line_and_just_below_the_limit_is_compared(tmp_path: Path) -> None:
    """400 levels used to end in a RecursionError inside the typed walk, 200 in a Helm release's
    unknown tree; 700 in a kubernetes_manifest's comparison."""
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "deep", "namespace": "shop"},
    }

    def plan(levels: int) -> dict[str, Any]:
        after = {"manifest": {**manifest, "data": _nested(levels, "Git")}}
        before = {"manifest": {**manifest, "data": _nested(levels, "cluster")}}
        sensitive = {"manifest": {"data": _nested(levels, True)}}
        change = {
            "actions": ["update"],
            "before": before,
            "after": after,
            "after_sensitive": sensitive,
        }
        release = _change(
            "helm_release", {"chart": "./nowhere"}, after_unknown={"values": _nested(levels, False)}
        )
        return _plan({**_change("kubernetes_manifest", None), "change": change}, release)

    with working_directory(tmp_path):
        near = MAX_DEPTH - 10
        outcome = run(plan(near), ("--live-from-terraform",))
        report = _fine(outcome)
        (deep,) = report["resources"]
        assert deep["status"] == "drifted" and deep["changes"][0]["desired"] == "(hidden)"
        for levels in (MAX_DEPTH, 400, 800):
            outcome = run(None, ("--live-from-terraform",), raw=json.dumps(plan(levels)))
            assert outcome.code == 2, (levels, outcome.stderr)
            assert outcome.stderr.splitlines() == [
                f"{ERROR}: nesting is too deep (more than {MAX_DEPTH} levels)"
            ]
        # JSON too deep for Python's own reader
        raw = '{"format_version": "1.2", "resource_changes": ' + "[" * 100_000 + "]" * 100_000 + "}"
        outcome = run(None, ("--live-from-terraform",), raw=raw)
        assert outcome.code == 2 and len(outcome.stderr.splitlines()) == 1, outcome.stderr


def test_a_yaml_body_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """A kubectl_manifest's yaml_body is read as manifests are: a "billion laughs" used to be
    walked whole when compared."""
    lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: bomb, namespace: shop}",
        "a0: &a0 [x, x, x, x, x, x, x, x, x]",
    ]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    body = "\n".join(lines) + "\n"
    after = {"yaml_body": body, "yaml_body_parsed": body}
    started = time.monotonic()
    with working_directory(tmp_path):
        outcome = run(_plan(_change("kubectl_manifest", after)), ("--live-from-terraform",))
    assert time.monotonic() - started < 30
    _fine(outcome)
    assert any(
        "kubectl_manifest.x: its yaml_body is not valid YAML (line" in w for w in _warnings(outcome)
    )


def test_thousands_of_sensitive_values_are_compared_in_linear_time(tmp_path: Path) -> None:
    """Every change used to be checked against every sensitive mark: 4,000 sensitive env values
    took 21 s, 20,000 would have taken minutes."""
    count = 20_000

    def manifest(value: str) -> dict[str, Any]:
        env = [{"name": f"E{i}", "value": f"{value}{i}"} for i in range(count)]
        spec = {"template": {"spec": {"containers": [{"name": "c", "env": env}]}}}
        meta = {"name": "big", "namespace": "shop"}
        return {
            "manifest": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": meta,
                "spec": spec,
            }
        }

    sensitive = {
        "manifest": {
            "spec": {"template": {"spec": {"containers": [{"env": [{"value": True}] * count}]}}}
        }
    }
    change = {
        "actions": ["update"],
        "before": manifest("old"),
        "after": manifest("new"),
        "after_sensitive": sensitive,
    }
    plan = _plan({**_change("kubernetes_manifest", None), "change": change})
    started = time.monotonic()
    with working_directory(tmp_path):
        outcome = run(plan, ("--live-from-terraform",))
    elapsed = time.monotonic() - started
    (big,) = _fine(outcome)["resources"]
    assert len(big["changes"]) == count
    assert all(c["desired"] == c["live"] == "(hidden)" for c in big["changes"])
    assert elapsed < 60, elapsed


def test_the_installed_cli_gives_warnings_for_wrong_types_and_one_line_for_broken_plans(
    tmp_path: Path,
) -> None:
    plan = json.loads(EXAMPLE.read_text())
    plan["resource_drift"][0]["change"]["after"]["metadata"] = 7
    (tmp_path / PLAN).write_text(json.dumps(plan))
    result = run_installed_cli(
        "--terraform-plan", PLAN, "--live-snapshot", str(EXAMPLE_LIVE), cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert (
        f"{WARNING}{PLAN}: kubernetes_deployment.example: it has no metadata.name in its refreshed "
        "state: Terraform's drift not used"
    ) in result.stderr.splitlines()
    assert "spec.replicas: 3 -> 5" in result.stdout
    plan["resource_changes"] = {"kubernetes_deployment.example": 1}
    (tmp_path / PLAN).write_text(json.dumps(plan))
    result = run_installed_cli(
        "--terraform-plan", PLAN, "--live-snapshot", str(EXAMPLE_LIVE), cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{ERROR}: resource_changes is not a list"]
