"""Hostile and broken input through the installed command: huge files, binary data, tags that
unsafe loaders would run, YAML 1.1's surprises, and strange but legal objects (long names,
Unicode everywhere, megabyte values, 10,000 containers), in every report format.

Each case ends in a report, a warning naming file and line, or one line on standard error with
exit status 2; never a traceback or a hang. docs/reliability.md lists them.
"""

from __future__ import annotations

import ast
import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt
from support import ROOT, cli_command, run_cli

from drift_action.core.yaml_docs import parse_documents

FORMATS = ("text", "markdown", "json")
PACKAGE = ROOT / "drift_action"


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("drift-action: error: "), lines[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def config_map(name: str, data: dict[str, str], namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def as_list(objects: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, ensure_ascii=False)


def write(path: Path, text: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


# --- YAML ---------------------------------------------------------------------------------------

HUGE_DOCUMENT = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{i}
  namespace: shop
  labels: {{app: shop, index: "{i}"}}
data:
  payload: "{payload}"
---
"""


def test_a_file_of_tens_of_megabytes_is_read_whole(tmp_path: Path) -> None:
    """30,000 documents, 30 MB: every object is read, the last one's line is right, and a
    drift in the very last document is found (no time limit asserted)."""
    count = 30_000
    payload = "x" * 900
    text = "".join(HUGE_DOCUMENT.format(i=i, payload=payload) for i in range(count))
    assert len(text) > 30_000_000
    documents = parse_documents(text, "huge.yaml")
    objects = [d for d in documents if d.data is not None]
    assert len(objects) == count
    assert objects[-1].data["metadata"]["name"] == f"cm-{count - 1}"
    assert objects[-1].source.line == 9 * (count - 1) + 1

    manifest = write(tmp_path / "huge.yaml", text)
    live = [config_map(f"cm-{i}", {"payload": payload}) for i in range(count)]
    for obj in live:
        obj["metadata"]["labels"] = {"app": "shop", "index": obj["metadata"]["name"][3:]}
    live[-1]["data"]["payload"] = "changed"
    snapshot = write(tmp_path / "live.json", as_list(live))
    result = run_cli("--manifests", manifest, "--live-snapshot", snapshot, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"] == {
        "in_sync": count - 1,
        "drifted": 1,
        "missing": 0,
        "extra": 0,
        "errors": 0,
        "planned": 0,
        "conflicts": 0,
        "adopted": 0,
    }
    (drifted,) = [r for r in report["resources"] if r["status"] == "drifted"]
    assert drifted["name"] == f"cm-{count - 1}"
    assert drifted["source"] == {"file": manifest, "line": 9 * (count - 1) + 1}


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (  # NUL bytes inside an otherwise fine manifest: valid UTF-8, forbidden in YAML
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x00\x00b\n",
            ("m.yaml:4:", "U+0000 is not allowed", "binary data?"),
        ),
        (  # a terminal escape sequence
            b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \x1b[31mred\n",
            ("m.yaml:4:", "U+001B is not allowed"),
        ),
        (  # an image: not UTF-8 at all
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            ("m.yaml:1:", "not valid UTF-8"),
        ),
        (  # random bytes after a good start
            b"apiVersion: v1\nkind: ConfigMap\n" + bytes(range(256)) * 4,
            ("m.yaml:4:", "not valid UTF-8"),  # bytes 0 to 127 hold a newline
        ),
    ],
    ids=["nul", "escape", "png", "random-bytes"],
)
def test_binary_data_is_one_line_naming_file_and_line(
    tmp_path: Path, content: bytes, needles: tuple[str, ...]
) -> None:
    manifest = write(tmp_path / "m.yaml", content)
    live = write(tmp_path / "live.json", as_list([]))
    one_line_error(run_cli("--manifests", manifest, "--live-snapshot", live), *needles)
    # The same bytes as a live snapshot: the same one line.
    one_line_error(run_cli("--manifests", live, "--live-snapshot", manifest), *needles)


def test_invalid_utf8_on_standard_input_is_one_line(tmp_path: Path) -> None:
    manifest = write(tmp_path / "m.yaml", as_list([config_map("a", {"k": "v"})]))
    done = subprocess.run(
        [*cli_command(), "--manifests", manifest, "--live-snapshot", "-"],
        input=b"apiVersion: v1\nkind: List\nitems: [\xff\xfe]\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    result = subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )
    one_line_error(result, "<stdin>:3:", "not valid UTF-8")


def test_a_lone_surrogate_escape_in_a_json_snapshot_reads_as_go_does(tmp_path: Path) -> None:
    """`"\\ud800"` is legal JSON and no text can hold it; Go (the API server, kubectl) reads it as
    U+FFFD, and so does drift-action, in every format."""
    manifest = write(tmp_path / "m.yaml", as_list([config_map("a", {"k": "v"})]))
    live = write(
        tmp_path / "live.json",
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", '
        '"namespace": "shop", "annotations": {"note\\udfff": "x"}}, "data": {"k": "x\\ud800y"}}',
    )
    for fmt in FORMATS:
        result = run_cli(
            "--manifests", manifest, "--live-snapshot", live, "--namespace", "shop",
            "--format", fmt,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert "x\ufffdy" in result.stdout


EVIL = '!!python/object/apply:os.system ["touch {marker}"]'


def test_tags_that_unsafe_loaders_would_run_are_refused_everywhere(tmp_path: Path) -> None:
    """A manifest, a live snapshot, a config file, a kustomization and a Helm values file each
    carrying `!!python/object/apply`: nothing runs (the marker file never appears)."""
    marker = tmp_path / "pwned"
    evil = EVIL.format(marker=marker)
    good = write(tmp_path / "good.yaml", as_list([config_map("a", {"k": "v"})]))
    manifest = write(tmp_path / "evil.yaml", f"apiVersion: v1\nkind: ConfigMap\ndata: {evil}\n")
    config = write(tmp_path / "drift.yaml", f"ignore: {evil}\n")
    kustomization = tmp_path / "overlay"
    write(kustomization / "kustomization.yaml", f"resources: {evil}\n")
    chart = tmp_path / "chart"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: chart\nversion: 0.1.0\n")
    write(
        chart / "templates" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
    )
    values = write(tmp_path / "values.yaml", f"x: {evil}\n")

    one_line_error(run_cli("--manifests", manifest, "--live-snapshot", good), "evil.yaml:3:")
    one_line_error(run_cli("--manifests", good, "--live-snapshot", manifest), "evil.yaml:3:")
    one_line_error(
        run_cli("--manifests", good, "--live-snapshot", good, "--config", config), "drift.yaml:1:"
    )
    one_line_error(run_cli("--kustomize", str(kustomization), "--live-snapshot", good), "kustomiz")
    # Helm reads values with Go's YAML, which has no such tags: the value is a plain string.
    helm = run_cli("--helm-chart", str(chart), "-f", values, "--live-snapshot", good)
    assert helm.returncode == 1, helm.stderr
    assert "Traceback" not in helm.stderr
    assert not marker.exists()


YAML_LOADING = {
    # Functions that take a Loader, and the loaders that construct only plain data.
    "calls": {"load", "load_all", "compose", "compose_all", "parse", "scan"},
    "safe": {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"},
    # Never to be named: they construct arbitrary Python objects (or teach a loader to).
    "unsafe": {
        "Loader",
        "CLoader",
        "FullLoader",
        "CFullLoader",
        "UnsafeLoader",
        "CUnsafeLoader",
        "full_load",
        "full_load_all",
        "unsafe_load",
        "unsafe_load_all",
        "add_constructor",
        "add_multi_constructor",
        "add_implicit_resolver",
    },
}


def _is_safe_loader(node: ast.expr, module: ast.Module) -> bool:
    """`yaml.SafeLoader`, `yaml.CSafeLoader`, or a module name bound to
    `getattr(yaml, "CSafeLoader", yaml.SafeLoader)`."""
    if isinstance(node, ast.Attribute):
        return node.attr in YAML_LOADING["safe"]
    if not isinstance(node, ast.Name):
        return False
    for statement in module.body:
        targets = (
            [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else statement.targets
            if isinstance(statement, ast.Assign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
            value = statement.value
            return (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "getattr"
                and all(
                    (isinstance(arg, ast.Constant) and arg.value in YAML_LOADING["safe"])
                    or _is_safe_loader(arg, module)
                    for arg in value.args[1:]
                )
            )
    return False


def test_every_yaml_load_in_the_package_is_safe() -> None:
    """Scan the package's source: every PyYAML call that takes a loader is given a safe one,
    no unsafe loader or constructor hook is named, and `yaml.load` never goes without one."""
    checked = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("yaml"):
                named = {alias.name for alias in node.names}
                assert not named & YAML_LOADING["unsafe"], f"{path}: imports {named}"
                assert not named & YAML_LOADING["calls"], f"{path}: imports {named} from yaml"
            if not (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "yaml"
            ):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}: yaml.{node.attr}"
            assert node.attr not in YAML_LOADING["unsafe"], where
        for node in ast.walk(module):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "yaml"
                and node.func.attr in YAML_LOADING["calls"]
            ):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}: yaml.{node.func.attr}"
            loaders = [k.value for k in node.keywords if k.arg == "Loader"] + node.args[1:2]
            assert loaders, f"{where} without a Loader"
            assert _is_safe_loader(loaders[0], module), f"{where} with an unsafe Loader"
            checked += 1
    assert checked >= 2  # config, the kubeconfig credentials to mask: the scan does find the calls


@pytest.mark.parametrize(
    ("written", "read_as", "warning"),
    [
        ("on", "true", "data.mode is true, not a string"),
        ("no", "false", "data.mode is false, not a string"),
        ("010", "8", "data.mode is 8, not a string"),
        ("1e3", '"1e3"', "the plain value 1e3 is a string in YAML 1.1, as read here, but kubectl"),
    ],
    ids=["on", "no", "010", "1e3"],
)
def test_yaml_1_1_surprises_in_string_fields_warn(
    tmp_path: Path, written: str, read_as: str, warning: str
) -> None:
    """`on`, `no` and `010` are a boolean and a number to YAML 1.1, to PyYAML as to kubectl, and
    the API server refuses them in a ConfigMap's data; `1e3` is a string to YAML 1.1 (a float
    needs a dot) but the number 1000 to kubectl's Go YAML. Each warns, naming file and line."""
    manifest = write(
        tmp_path / "m.yaml",
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n"
        f"data:\n  mode: {written}\n",
    )
    live = write(tmp_path / "live.json", as_list([config_map("a", {"mode": "fast"})]))
    result = run_cli("--manifests", manifest, "--live-snapshot", live, "--format", "json")
    assert result.returncode == 1, result.stderr
    change = json.loads(result.stdout)["resources"][0]["changes"][0]
    assert change["path"] == "data.mode"
    assert json.dumps(change["desired"]) == read_as
    assert f"m.yaml:{7 if written == '1e3' else 1}: " in result.stderr
    assert warning in result.stderr
    assert "Traceback" not in result.stderr


def test_quoted_numbers_do_not_warn(tmp_path: Path) -> None:
    manifest = write(
        tmp_path / "m.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n"
        'data:\n  a: "1e3"\n  b: "010"\n  c: \'on\'\n',
    )
    live = write(
        tmp_path / "live.json", as_list([config_map("a", {"a": "1e3", "b": "010", "c": "on"})])
    )
    result = run_cli("--manifests", manifest, "--live-snapshot", live)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_dates_and_times_are_the_strings_kubectl_reads(tmp_path: Path) -> None:
    """YAML 1.1 has a timestamp type and PyYAML makes Python dates of `2024-01-02`; kubectl's
    YAML keeps the string, and so does drift-action. An impossible date (`2024-13-45`, found by
    fuzzing) made the safe loader raise, and any date made the reports fail: both were internal
    errors."""
    manifest = write(
        tmp_path / "m.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n"
        "  annotations:\n    deployed-at: 2024-01-02T03:04:05Z\n"
        "data:\n  day: 2024-01-02\n  impossible: 2024-13-45\n  anchored: &d 2024-02-30\n"
        "  again: *d\n",
    )
    live = config_map(
        "a",
        {"day": "2024-01-02", "impossible": "2024-13-45", "anchored": "2024-02-30", "again": "x"},
    )
    live["metadata"]["annotations"] = {"deployed-at": "2024-01-02T03:04:05Z"}
    snapshot = write(tmp_path / "live.json", as_list([live]))
    for fmt in FORMATS:
        result = run_cli("--manifests", manifest, "--live-snapshot", snapshot, "--format", fmt)
        assert result.returncode == 1, result.stderr
        assert result.stderr == ""  # no "is a date, not a string" warning: it is a string
        assert "data.again" in result.stdout and "data.day" not in result.stdout
    report = json.loads(result.stdout)
    (change,) = report["resources"][0]["changes"]
    assert (change["desired"], change["live"]) == ("2024-02-30", "x")


def test_a_value_that_does_not_fit_its_tag_is_one_line(tmp_path: Path) -> None:
    manifest = write(
        tmp_path / "m.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  n: !!int s3cr3t\n",
    )
    live = write(tmp_path / "live.json", as_list([]))
    line = one_line_error(
        run_cli("--manifests", manifest, "--live-snapshot", live),
        "m.yaml:6: invalid YAML: a value tagged !!int is not one",
    )
    assert "s3cr3t" not in line


# --- strange but legal objects ------------------------------------------------------------------

LONG_NAME = ".".join(["a" * 63, "b" * 63, "c-d" * 21, "e" * 61])  # 253 characters, a DNS name
LONG_NAMESPACE = "n" + "-x" * 30 + "yz"  # 63 characters, a DNS label
LABEL_KEY = ".".join(["p" * 62] * 4) + "/" + "k" * 63  # a prefix of 251, a name of 63
LABEL_VALUE = "v" + "._-" * 20 + "w1"  # 63 characters


def strange_objects() -> list[dict[str, Any]]:
    assert len(LONG_NAME) == 253 and len(LONG_NAMESPACE) == 63 and len(LABEL_VALUE) == 63
    assert len(LABEL_KEY.split("/")[0]) == 251
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": LONG_NAME,
                "namespace": LONG_NAMESPACE,
                "labels": {LABEL_KEY: LABEL_VALUE, "app": "shop"},
                "annotations": {
                    "example.com/note": "Grüße, 世界! 🚀 \u202e reversed \u200b zero-width",
                    "example.com/pipes": "| a | `b` | <details> ]]> {{x}}",
                },
            },
            "data": {"greeting.txt": "こんにちは\nनमस्ते 안녕\n", "emoji": "🙂" * 10},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s." + LONG_NAME[:250], "namespace": LONG_NAMESPACE},
            "type": "Opaque",
            "data": {"token": base64.b64encode("tøkên-ünïcödé-秘密".encode()).decode()},
        },
    ]


def test_strange_but_legal_names_and_unicode_everywhere(tmp_path: Path) -> None:
    """253-character names with dots and dashes, a 63-character namespace, label keys and
    values at their limits, Unicode in annotations, data, Secret values and the file's own
    folder and name: compared, and shown, in every format."""
    desired = strange_objects()
    live = json.loads(json.dumps(desired))
    for obj in live:
        obj["metadata"]["uid"] = "u"
    live[0]["data"]["greeting.txt"] = "こんばんは\n"
    live[0]["metadata"]["annotations"]["example.com/note"] += " ✏️"
    live[1]["data"]["token"] = base64.b64encode("other-秘密".encode()).decode()
    folder = tmp_path / "déploiement ✓" / "naïve café"
    manifest = write(folder / "objets été.yaml", yaml.safe_dump_all(desired, allow_unicode=True))
    snapshot = write(tmp_path / "live.json", as_list(live))
    outputs = {}
    for fmt in FORMATS:
        result = run_cli("--manifests", manifest, "--live-snapshot", snapshot, "--format", fmt)
        assert result.returncode == 1, result.stderr
        assert result.stderr == ""
        outputs[fmt] = result.stdout
        for obj in (desired[1], live[1]):
            assert obj["data"]["token"] not in result.stdout
        assert LONG_NAME in result.stdout and "objets été.yaml" in result.stdout
    report = json.loads(outputs["json"])
    assert report["summary"]["drifted"] == 2
    config, secret = sorted(report["resources"], key=lambda r: r["kind"])
    assert (config["name"], config["namespace"]) == (LONG_NAME, LONG_NAMESPACE)
    assert {c["path"]: c["live"] for c in config["changes"]} == {
        'data["greeting.txt"]': "こんばんは\n",
        'metadata.annotations["example.com/note"]': desired[0]["metadata"]["annotations"][
            "example.com/note"
        ]
        + " ✏️",
    }
    assert [(c["path"], c["live"]) for c in secret["changes"]] == [("data.token", "(hidden)")]
    assert "こんばんは" in outputs["text"] and "こんばんは" in outputs["markdown"]
    tokens = MarkdownIt("commonmark").enable("table").parse(outputs["markdown"])
    # One diff block per drifted resource: nothing in the names or values broke one.
    assert sum(t.type == "fence" and t.info == "diff" for t in tokens) == 2


MEGABYTE = 1024 * 1024


def test_a_megabyte_value_is_cut_for_people_kept_whole_for_machines(tmp_path: Path) -> None:
    """A 1 MiB ConfigMap value that drifted, and a 1 MiB Secret value: text and Markdown show
    a few hundred characters, around where the values differ, and the length; JSON holds the value whole (the machine contract); the
    Secret's value appears nowhere, in any form."""
    big = "0123456789abcdef" * (MEGABYTE // 16)
    secret = "s3cr3T-" + "Q" * (MEGABYTE - 7)
    desired = [
        config_map("big", {"blob": big}),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "big", "namespace": "shop"},
            "stringData": {"blob": secret},
        },
    ]
    live = [
        config_map("big", {"blob": big[:-1] + "!"}),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "big", "namespace": "shop"},
            "data": {"blob": base64.b64encode(secret[::-1].encode()).decode()},
        },
    ]
    manifest = write(tmp_path / "m.yaml", as_list(desired))
    snapshot = write(tmp_path / "live.json", as_list(live))
    for fmt in FORMATS:
        result = run_cli("--manifests", manifest, "--live-snapshot", snapshot, "--format", fmt)
        assert result.returncode == 1, result.stderr
        out = result.stdout
        assert (
            "QQQQQQQQ" not in out
            and base64.b64encode(secret[::-1].encode())[:40].decode() not in out
        )
        if fmt == "json":
            report = json.loads(out)
            blob = next(r for r in report["resources"] if r["kind"] == "ConfigMap")["changes"][0]
            assert blob["desired"] == big and blob["live"] == big[:-1] + "!"
            assert len(out) < 2.2 * MEGABYTE
        else:
            assert len(out) < 5_000, len(out)
            # Each format counts what it shows: text the JSON, Markdown the text itself.
            shown = json.dumps(big) if fmt == "text" else big
            assert f"({len(shown)} chars)" in out
            assert big[-20:-1] + "!" in out.replace("\n", "").replace("-   ", "").replace(
                "+   ", ""
            )
            assert max(len(line) for line in out.splitlines()) < 1_000
        assert "(hidden)" in out


def test_ten_thousand_containers_in_one_pod_template(tmp_path: Path) -> None:
    """The drift in container 9,999 of 10,000 is found, by name, in every format; the other
    9,999 containers match whatever their order."""
    count = 10_000
    containers = [
        {"name": f"c-{i}", "image": f"registry.example/app:{i}", "args": [f"--index={i}"]}
        for i in range(count)
    ]
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "wide", "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": {"app": "wide"}},
            "template": {
                "metadata": {"labels": {"app": "wide"}},
                "spec": {"containers": containers},
            },
        },
    }
    live = json.loads(json.dumps(deployment))
    live_containers = live["spec"]["template"]["spec"]["containers"]
    live_containers.reverse()
    live_containers[0]["image"] = "registry.example/app:hotfix"  # c-9999, now first
    # libyaml's dumper: the same text as safe_dump's, four times as fast.
    manifest = write(tmp_path / "wide.yaml", yaml.dump(deployment, Dumper=yaml.CSafeDumper))
    snapshot = write(tmp_path / "live.json", as_list([live]))
    path = "spec.template.spec.containers[name=c-9999].image"
    for fmt in FORMATS:
        result = run_cli("--manifests", manifest, "--live-snapshot", snapshot, "--format", fmt)
        assert result.returncode == 1, result.stderr
        assert path in result.stdout
        if fmt == "json":
            (resource,) = json.loads(result.stdout)["resources"]
            assert [(c["path"], c["desired"], c["live"]) for c in resource["changes"]] == [
                (path, "registry.example/app:9999", "registry.example/app:hotfix")
            ]
