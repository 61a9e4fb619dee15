"""`--write-adopt-patch`: a diff that real git applies, after which the chosen fields are in
sync; Secret values and what the user did not choose stay as they were."""

from __future__ import annotations

import json
import time
from pathlib import Path

from support import run_cli
from support.adopt_repo import APP, UNTOUCHED, make_repo, write_live
from support.pr_repo import git


def _drifted_paths(repo: Path, live: Path) -> dict[str, set[str]]:
    done = run_cli("--manifests", "k8s", "--live-snapshot", str(live), "-o", "json", cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    return {
        f"{r['kind']} {r['name']}": {c["path"] for c in r["changes"]}
        for r in json.loads(done.stdout)["resources"]
        if r["changes"]
    }


def test_the_patch_applies_with_git_and_brings_the_chosen_fields_in_sync(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    live = write_live(tmp_path / "live.yaml")
    patch = tmp_path / "out" / "adopt.diff"
    started = time.monotonic()
    done = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--write-adopt-patch", str(patch),
        cwd=repo,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the drift is still reported
    assert time.monotonic() - started < 60
    text = patch.read_text(encoding="utf-8")
    assert text.startswith("diff --git a/k8s/app.yaml b/k8s/app.yaml\n")
    assert "hunter2" not in text
    assert "swordfish" not in text
    assert "c3dvcmRmaXNo" not in text
    assert "Secret shop/creds data.password" in done.stderr  # named as not adopted

    git(repo, "apply", "--check", str(patch))
    git(repo, "apply", str(patch))
    assert _drifted_paths(repo, live) == {"Secret creds": {"data.password"}}
    # Only the adopted lines changed: every other line of the file is the same, in order.
    after = (repo / "k8s" / "app.yaml").read_text(encoding="utf-8")
    gone = [line for line in APP.splitlines() if line not in after.splitlines()]
    assert gone == [
        "  replicas: 3  # the HPA is off in this environment",
        '          image: "shop/web:1.4.2"  # pinned by release',
        "              value: 'info'",
        '  mode: "blue"    # blue/green switch',
        "  legacy: 'yes'",
    ]
    assert (repo / "k8s" / "service.yaml").read_text(encoding="utf-8") == UNTOUCHED
    for comment in ("# Shop front end", "# flow style, kept", "# the HPA is off", "# pinned by"):
        assert comment in after


def test_adopt_narrows_to_the_fields_named(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    live = write_live(tmp_path / "live.yaml")
    patch = tmp_path / "adopt.diff"
    done = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live), "--write-adopt-patch", str(patch),
        "--adopt", "spec.replicas", "--adopt", "*.image", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    git(repo, "apply", str(patch))
    remaining = _drifted_paths(repo, live)
    assert "spec.replicas" not in remaining["Deployment web"]
    assert "spec.template.spec.containers[name=web].image" not in remaining["Deployment web"]
    assert (
        "spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value"
        in (remaining["Deployment web"])
    )
    assert "data.mode" in remaining["ConfigMap settings"]


def test_a_patch_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    live = write_live(tmp_path / "live.yaml")
    (tmp_path / "file").write_text("", encoding="utf-8")
    done = run_cli(
        "--manifests", "k8s", "--live-snapshot", str(live),
        "--write-adopt-patch", str(tmp_path / "file" / "adopt.diff"), cwd=repo,
    )  # fmt: skip
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "adopt.diff" in errors[0]


def test_nothing_to_adopt_writes_an_empty_patch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    live = tmp_path / "live.yaml"
    live.write_text((repo / "k8s" / "service.yaml").read_text(encoding="utf-8"), "utf-8")
    patch = tmp_path / "adopt.diff"
    done = run_cli(
        "--manifests", "k8s/service.yaml", "--live-snapshot", str(live),
        "--write-adopt-patch", str(patch), cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert patch.read_text(encoding="utf-8") == ""
