"""The kustomize source, proven on flux2's podinfo kustomization, and the program runner under it.

Builds run the real kustomize (or the kustomize built into kubectl). Test data is copied from
fluxcd/flux2, see tests/data/kustomize/README.md.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA as TEST_DATA

from drift_action.core.errors import DriftActionError, InputError
from drift_action.core.model import Document
from drift_action.core.tools import ToolError, run_tool
from drift_action.sources import KustomizeSpec, render, renderer
from drift_action.sources.kustomize import KustomizeRenderer, build_command

FLUX = TEST_DATA / "kustomize" / "fluxcd__flux2"
BUILD = FLUX / "cmd" / "flux" / "testdata" / "build-kustomization"
PODINFO = BUILD / "podinfo"
FLUX_LABELS = ("kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace")

pytestmark = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None,
    reason="neither kustomize nor kubectl on PATH",
)


def identity(data: Any) -> tuple[str, str]:
    return (data["kind"], data["metadata"]["name"])


def flux_result() -> dict[tuple[str, str], Any]:
    """`flux build kustomization podinfo`: the golden, with flux's own additions taken away.

    flux adds two labels, sets the target namespace, masks SOPS-encrypted values and drops the
    `sops` field; none of that is kustomize's doing.
    """
    text = (BUILD / "podinfo-result.yaml").read_text().replace("{{ .fluxns }}", "flux-system")
    objects = {}
    for data in yaml.safe_load_all(text):
        if data is None:
            continue
        metadata = data["metadata"]
        assert metadata.pop("namespace") == "default"
        for label in FLUX_LABELS:
            metadata["labels"].pop(label)
        if not metadata["labels"]:
            del metadata["labels"]
        objects[identity(data)] = data
    return objects


def masked(data: dict[str, Any]) -> dict[str, Any]:
    """A Secret as flux shows a SOPS-encrypted one: values masked, sops metadata gone."""
    data = {key: value for key, value in data.items() if key != "sops"}
    for field in ("data", "stringData"):
        if field in data:
            data[field] = dict.fromkeys(data[field], "masked")
    return data


def test_podinfo_builds_the_objects_flux_builds() -> None:
    rendered = render(KustomizeSpec(str(PODINFO)))
    ours = {identity(d.data): d.data for d in rendered.documents}
    theirs = flux_result()
    assert sorted(ours) == sorted(theirs)
    # Generated Secret names carry kustomize's content hash: equal names mean equal content.
    assert ("Secret", "db-user-pass-bkbd782d2c") in ours
    assert ("Secret", "podinfo-token-77t89m9b67") in ours
    for key, body in theirs.items():
        sops_encrypted = key[0] == "Secret" and key[1] != "db-user-pass-bkbd782d2c"
        if sops_encrypted:
            assert masked(ours[key]) == masked(body), key
        else:
            assert ours[key] == body, key
    assert {str(d.source) for d in rendered.documents} == {os.path.relpath(PODINFO)}
    assert rendered.warnings == ()


def test_origin_annotations_name_the_file(tmp_path: Path) -> None:
    shutil.copytree(PODINFO, tmp_path / "base")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "buildMetadata: [originAnnotations]\nresources:\n- ../base\nnamePrefix: prod-\n"
        "configMapGenerator:\n- name: settings\n  literals: [color=blue]\n"
    )
    documents = render(KustomizeSpec(str(overlay))).documents
    sources = {identity(d.data): d.source for d in documents}
    assert str(sources[("Deployment", "prod-podinfo")]) == f"{tmp_path}/base/deployment.yaml"
    assert str(sources[("Service", "prod-podinfo")]) == f"{tmp_path}/base/service.yaml"
    generated = [source for (kind, _), source in sources.items() if kind == "ConfigMap"]
    assert [str(source) for source in generated] == [f"{overlay}/kustomization.yaml"]
    assert all(d.source.line is None for d in documents)


def test_failed_build_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n- missing.yaml\n")
    with pytest.raises(InputError) as excinfo:
        render(KustomizeSpec(str(tmp_path)))
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path}: ")
    assert "kustomize build failed: " in message or "kubectl kustomize failed: " in message
    assert "missing.yaml" in message
    assert '"command failed"' not in message  # kubectl's log prefix is taken away
    assert isinstance(excinfo.value.__cause__, ToolError)


def test_not_a_kustomization(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        render(KustomizeSpec(str(tmp_path)))
    assert str(excinfo.value) == (
        f"{tmp_path}: not a kustomization: the folder has no kustomization.yaml"
    )
    with pytest.raises(InputError) as excinfo:
        render(KustomizeSpec(str(tmp_path / "nope")))
    assert str(excinfo.value) == f"{tmp_path / 'nope'}: no such folder: a kustomization is a folder"


def test_neither_kustomize_nor_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolError) as excinfo:
        render(KustomizeSpec(str(PODINFO)))
    assert str(excinfo.value) == (
        f"{os.path.relpath(PODINFO)}: neither kustomize nor kubectl is on PATH: "
        "install one to build kustomizations"
    )


def test_kustomize_is_preferred_over_kubectl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = shutil.which("kubectl")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kustomize = bin_dir / "kustomize"
    kustomize.write_text("#!/bin/sh\n")
    kustomize.chmod(kustomize.stat().st_mode | stat.S_IEXEC)
    path = os.pathsep.join([str(bin_dir), *([os.path.dirname(kubectl)] if kubectl else [])])
    monkeypatch.setenv("PATH", path)
    assert build_command("app", "app") == [str(kustomize), "build", "app"]
    kustomize.unlink()
    if kubectl is not None:
        assert build_command("app", "app")[1:] == ["kustomize", "app"]


def test_registered_for_its_spec() -> None:
    assert isinstance(renderer(KustomizeSpec), KustomizeRenderer)
    assert KustomizeSpec("deploy/prod").label == "kustomization deploy/prod"
    assert KustomizeSpec("deploy/prod").namespace == "default"


# --- drift_action.core.tools: the one place that runs programs --------------------------------------


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_run_tool_returns_stdout() -> None:
    assert run_tool(python("print('hello')")) == "hello\n"


def test_run_tool_failure_is_one_line_with_the_end_of_stderr() -> None:
    code = "import sys\nfor i in range(10): print(f'line {i}', file=sys.stderr)\nsys.exit(3)"
    with pytest.raises(ToolError) as excinfo:
        run_tool(python(code), file="some/input")
    error = excinfo.value
    program = os.path.basename(sys.executable)
    assert str(error) == (
        f"some/input: {program} failed (exit code 3): line 6 | line 7 | line 8 | line 9"
    )
    assert error.returncode == 3
    assert error.stderr == ("line 6", "line 7", "line 8", "line 9")
    assert isinstance(error, DriftActionError)


def test_run_tool_missing_program(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as excinfo:
        run_tool(["surely-not-a-program-xyz", "build"])
    assert str(excinfo.value) == "surely-not-a-program-xyz: program not found on PATH"
    assert excinfo.value.returncode is None


def test_run_tool_timeout_and_signal() -> None:
    with pytest.raises(ToolError) as excinfo:
        run_tool(python("import time; time.sleep(30)"), timeout=0.5)
    assert str(excinfo.value).endswith("did not finish within 0.5 seconds")
    with pytest.raises(ToolError) as excinfo:
        run_tool(python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    assert "killed by signal 9" in str(excinfo.value)


def test_documents_have_no_line_numbers_of_the_build_output() -> None:
    documents: tuple[Document, ...] = render(KustomizeSpec(str(PODINFO))).documents
    assert all(d.source.line is None and d.item_lines == () for d in documents)
