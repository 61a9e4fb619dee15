"""The release workflow publishes the image that the release's action.yml runs, and every workflow
(ours and the examples users copy) names the actions it runs by commit SHA, with least privilege.

The assertions read our own files (.github/workflows, examples/workflows, action.yml); the
linters' own checks run in .ci/run."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from support import EXAMPLES, ROOT

RELEASE = ROOT / ".github" / "workflows" / "release.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
    (EXAMPLES / "workflows").glob("*.yml")
)
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
# drift-action itself, in the example workflows, by the major tag the README recommends; the
# release workflow moves that tag only to a release commit (RELEASING.md).
OWN_ACTION = re.compile(r"^drift-action/drift-action@v\d+$")
# A sample release, to evaluate the workflow's expressions with.
SAMPLE = {
    "needs.check.outputs.image": "ghcr.io/example-owner/drift-action",
    "needs.check.outputs.version": "1.2.3",
    "needs.check.outputs.major": "1",
}


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def evaluate(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        assert match[1] in SAMPLE, f"unexpected expression {match[0]}"
        return SAMPLE[match[1]]

    return EXPRESSION.sub(value, text)


def set_action_image() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "set_action_image", ROOT / "scripts" / "set_action_image.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def release_jobs() -> dict[str, Any]:
    jobs = load(RELEASE)["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def build_step() -> dict[str, Any]:
    found = [
        s
        for s in release_jobs()["image"]["steps"]
        if str(s.get("uses", "")).startswith("docker/build-push-action@")
    ]
    assert len(found) == 1
    step: dict[str, Any] = found[0]
    return step


def image_ref_step() -> dict[str, Any]:
    found = [s for s in release_jobs()["action-ref"]["steps"] if "IMAGE_REF" in s.get("env", {})]
    assert len(found) == 1
    step: dict[str, Any] = found[0]
    return step


def test_the_release_pushes_version_and_major_tags_for_both_platforms() -> None:
    build = build_step()["with"]
    assert build["push"] is True
    assert set(build["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    tags = {evaluate(line.strip()) for line in build["tags"].splitlines() if line.strip()}
    assert tags == {
        "ghcr.io/example-owner/drift-action:1.2.3",
        "ghcr.io/example-owner/drift-action:1",
    }
    assert build["sbom"] is True
    assert build["provenance"] == "mode=max"
    assert "type=registry" in build["cache-from"] and "type=registry" in build["cache-to"]


def test_the_release_action_yml_runs_the_pushed_version_tag() -> None:
    tags = {evaluate(line.strip()) for line in build_step()["with"]["tags"].splitlines()}
    step = image_ref_step()
    reference = evaluate(step["env"]["IMAGE_REF"])
    assert reference == "docker://ghcr.io/example-owner/drift-action:1.2.3"
    assert reference.removeprefix("docker://") in tags
    assert 'scripts/set_action_image.py "$IMAGE_REF" action.yml' in step["run"]

    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    released = set_action_image().set_image(text, reference)
    before, after = yaml.safe_load(text), yaml.safe_load(released)
    assert after["runs"] == {"using": "docker", "image": reference}
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }
    changed = [
        (a, b) for a, b in zip(text.splitlines(), released.splitlines(), strict=True) if a != b
    ]
    assert changed == [("  image: Dockerfile", f"  image: {reference}")]


def test_the_attestation_names_the_pushed_image() -> None:
    attest = [
        s
        for s in release_jobs()["image"]["steps"]
        if str(s.get("uses", "")).startswith("actions/attest-build-provenance@")
    ]
    assert len(attest) == 1
    assert evaluate(attest[0]["with"]["subject-name"]) == "ghcr.io/example-owner/drift-action"
    assert attest[0]["with"]["subject-digest"] == "${{ steps.build.outputs.digest }}"
    assert build_step()["id"] == "build"


def test_main_builds_the_dockerfile() -> None:
    # Development runs the checkout's Dockerfile; only a release commit names an image.
    assert load(ROOT / "action.yml")["runs"] == {"using": "docker", "image": "Dockerfile"}


def test_set_action_image_refuses_what_is_not_an_image_reference() -> None:
    module = set_action_image()
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    for bad in ("Dockerfile", "docker://ghcr.io/o/drift-action", "docker://x/y:1; rm -rf /"):
        with pytest.raises(ValueError):
            module.set_image(text, bad)


def test_the_release_publishes_to_pypi_by_trusted_publishing() -> None:
    pypi = release_jobs()["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    assert pypi["environment"]["name"] == "pypi"
    uses = [str(s.get("uses", "")) for s in pypi["steps"]]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    assert not any("password" in s.get("with", {}) for s in pypi["steps"])


def test_release_permissions_are_granted_per_job() -> None:
    workflow = load(RELEASE)
    assert workflow["permissions"] == {}
    writes = {
        name: {scope for scope, level in job["permissions"].items() if level == "write"}
        for name, job in release_jobs().items()
    }
    assert writes == {
        "check": set(),
        "image": {"packages", "id-token", "attestations"},
        "dist": set(),
        "pypi": {"id-token"},
        "action-ref": {"contents"},
        "github-release": {"contents"},
    }


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_action_is_pinned_by_sha_with_its_version(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    workflow = load(path)
    used = [str(s["uses"]) for s in steps(workflow) if "uses" in s]
    used += [str(j["uses"]) for j in workflow["jobs"].values() if "uses" in j]
    assert used, path
    for ref in used:
        if ref.startswith("./"):  # this repository's own action, as checked out
            continue
        if path.parent.parent == EXAMPLES and OWN_ACTION.match(ref):
            continue
        assert SHA_PIN.match(ref), f"{path.name}: {ref} is not pinned to a commit SHA"
        line = next(line for line in lines if f"uses: {ref}" in line)
        assert VERSION_COMMENT.search(line), f"{path.name}: {ref} has no # vX.Y.Z comment"


def test_one_sha_per_action_version_across_workflows() -> None:
    seen: dict[str, str] = {}
    pattern = re.compile(r"uses:\s*([^@\s]+)@([0-9a-f]{40})\s*#\s*(v\S+)")
    for path in WORKFLOWS:
        for action, sha, version in pattern.findall(path.read_text(encoding="utf-8")):
            key = f"{action}@{version}"
            assert seen.setdefault(key, sha) == sha, f"{key}: two SHAs ({path.name})"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_expression_is_expanded_inside_a_script(path: Path) -> None:
    # Values reach scripts through env:, so no input can become shell code.
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('run')!r}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_checkouts_keep_no_credentials_unless_the_job_pushes(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        scripts = "\n".join(s.get("run", "") for s in job.get("steps", []))
        for step in job.get("steps", []):
            if not str(step.get("uses", "")).startswith("actions/checkout@"):
                continue
            persist = step.get("with", {}).get("persist-credentials")
            if "git push" in scripts:
                assert persist is True, f"{path.name} {name}: say that the token is kept"
            else:
                assert persist is False, f"{path.name} {name}: persist-credentials: false"


def test_the_release_runs_on_version_tags_only() -> None:
    workflow = load(RELEASE)
    events = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads "on" as True
    assert events == {"push": {"tags": ["v*.*.*"]}}


def test_ci_builds_the_release_platforms_without_pushing() -> None:
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    builds = [
        s for s in steps(ci) if str(s.get("uses", "")).startswith("docker/build-push-action@")
    ]
    default = [b for b in builds if "target" not in b["with"]]
    assert len(default) == 1 and all(b["with"]["push"] is False for b in builds)
    assert default[0]["with"]["platforms"] == build_step()["with"]["platforms"]
    assert [b["with"]["target"] for b in builds if "target" in b["with"]] == ["plugins"]
    assert any(s.get("run") == "bash .ci/run" for s in steps(ci))


def build_args(step: dict[str, Any]) -> dict[str, str]:
    lines = str(step["with"].get("build-args", "")).splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip())


@pytest.mark.parametrize("name", ["release.yml", "ci.yml"])
def test_images_are_built_from_the_bases_resolved_to_digests(name: str) -> None:
    workflow = load(ROOT / ".github" / "workflows" / name)
    for job in workflow["jobs"].values():
        builds = [
            s for s in job.get("steps", []) if "docker/build-push-action@" in s.get("uses", "")
        ]
        if not builds:
            continue
        resolve = [s for s in job["steps"] if s.get("id") == "bases"]
        assert resolve and resolve[0]["run"] == 'bash scripts/resolve_bases.sh >> "$GITHUB_OUTPUT"'
        assert job["steps"].index(resolve[0]) < job["steps"].index(builds[0])
        for build in builds:
            args = build_args(build)
            assert args["BUILD_DIGEST"] == "${{ steps.bases.outputs.build_digest }}"
            if "target" not in build["with"]:
                assert args["RUNTIME_DIGEST"] == "${{ steps.bases.outputs.runtime_digest }}"


def test_the_release_labels_the_image_with_its_base_digest() -> None:
    labels = str(build_step()["with"]["labels"])
    assert (
        "org.opencontainers.image.base.digest=${{ steps.bases.outputs.runtime_digest }}" in labels
    )
    assert "org.opencontainers.image.base.name=${{ steps.bases.outputs.runtime_image }}" in labels


def test_the_digest_script_reads_the_dockerfiles_base_arguments() -> None:
    script = (ROOT / "scripts" / "resolve_bases.sh").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for arg in ("RUNTIME", "BUILD"):
        assert re.search(rf"^ARG {arg}_IMAGE=\S+$", dockerfile, re.M), arg
        assert re.search(rf"^ARG {arg}_DIGEST=\"\"$", dockerfile, re.M), arg
        assert f"{{{arg}_DIGEST:+@${{{arg}_DIGEST}}}}" in dockerfile, arg
    assert "for arg in RUNTIME BUILD" in script


def run_resolve(tmp_path: Path, manifest: str) -> subprocess.CompletedProcess[str]:
    """scripts/resolve_bases.sh with a stand-in `docker` printing `manifest` for any image."""
    stub = tmp_path / "docker"
    stub.write_text(f"#!/bin/sh\ncat <<'JSON'\n{manifest}\nJSON\n")
    stub.chmod(0o755)
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "resolve_bases.sh")],
        cwd=ROOT, env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("jq") is None, reason="the script uses jq (the runners have it)")
def test_the_digest_script_prints_each_base_and_refuses_a_missing_digest(tmp_path: Path) -> None:
    digest = "sha256:" + "ab" * 32
    done = run_resolve(tmp_path, f'{{"mediaType": "index", "digest": "{digest}"}}')
    assert done.returncode == 0, done.stderr
    outputs = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert outputs["runtime_digest"] == outputs["build_digest"] == digest
    assert outputs["runtime_image"].endswith("distroless/python3-debian12")
    assert outputs["build_image"] == "debian:12-slim"
    refused = run_resolve(tmp_path, '{"mediaType": "index"}')
    assert refused.returncode == 1 and "no digest" in refused.stderr and not refused.stdout
