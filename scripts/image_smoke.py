"""Check a built image's content works: run inside it, with its Python (issue 20).

    /opt/drift-action/venv/bin/python -I scripts/image_smoke.py CHART_DIR

The Dockerfile's final stage runs it at build time (its base has no shell: the RUN is in exec
form, and this script and the chart are mounted from the builder, never copied into the
image). bench/image_size.py runs it in a chroot of the image's content assembled without
Docker. Each check runs the product the way a job does, in a scratch folder under /tmp that is
removed afterwards:

1. the imports a run can reach: the action, the Kubernetes client, PyGithub with a token;
2. a Helm chart rendered by the bundled Helm engine (the chart's objects are all missing
   from an empty snapshot);
3. a Kustomize overlay built by the image's kustomize;
4. `--base-ref HEAD` in a git repository, which makes git check the commit out in a worktree;
5. git's https remote helper answering `capabilities` (it loads libcurl; no network needed).

Prints one line per check and exits 1 at the first failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CLI = "import sys; from drift_action.cli import main; sys.exit(main())"
EMPTY_LIVE = "apiVersion: v1\nkind: List\nitems: []\n"
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke\ndata:\n  a: b\n"


class SmokeError(Exception):
    pass


def run(argv: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300, check=False
    )


def report(work: Path, cwd: Path, *args: str) -> dict[str, int]:
    """The CLI's JSON summary against an empty snapshot, run in `cwd`."""
    argv = [sys.executable, "-I", "-c", CLI, *args, "--live-snapshot", str(work / "live.yaml")]
    done = run([*argv, "--output", "json", "--fail-on", "none"], cwd)
    if done.returncode:
        raise SmokeError(f"drift-action {' '.join(args)}: exit {done.returncode}: {done.stderr}")
    summary: dict[str, int] = json.loads(done.stdout)["summary"]
    if summary["errors"] or not summary["missing"]:
        raise SmokeError(f"drift-action {' '.join(args)}: unexpected summary {summary}")
    return summary


def check_imports(_: Path, __: Path) -> str:
    # Here, not at the top: a missing module is this check's failure, reported as such.
    import github  # noqa: PLC0415
    import kubernetes.client  # noqa: PLC0415

    import drift_action.action  # noqa: PLC0415
    import drift_action.live.kube_client  # noqa: PLC0415

    github.Github(auth=github.Auth.Token("not-a-token")).close()
    names = (drift_action.action.__name__, kubernetes.client.__name__, github.__name__)
    return "imports " + ", ".join(names)


def check_helm(work: Path, chart: Path) -> str:
    summary = report(work, work, "--helm-chart", str(chart))
    return f"helm chart rendered: {summary['missing']} objects"


def check_kustomize(work: Path, _: Path) -> str:
    folder = work / "overlay"
    folder.mkdir()
    (folder / "cm.yaml").write_text(CONFIG_MAP, encoding="utf-8")
    (folder / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\nnamePrefix: built-\n", encoding="utf-8"
    )
    summary = report(work, work, "--kustomize", str(folder))
    return f"kustomize built: {summary['missing']} object"


def git(repo: Path, *args: str) -> str:
    done = run(["git", "-c", "user.name=smoke", "-c", "user.email=smoke@invalid", *args], repo)
    if done.returncode:
        raise SmokeError(f"git {' '.join(args)}: exit {done.returncode}: {done.stderr}")
    return done.stdout


def check_base_ref(work: Path, _: Path) -> str:
    repo = work / "repo"
    (repo / "deploy").mkdir(parents=True)
    (repo / "deploy" / "cm.yaml").write_text(CONFIG_MAP, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "deploy")
    git(repo, "commit", "-q", "-m", "smoke")
    summary = report(work, repo, "--manifests", "deploy", "--base-ref", "HEAD")
    return f"base ref checked out with git: {summary['missing']} object"


def check_https_helper(work: Path, _: Path) -> str:
    url = "https://127.0.0.1:9/none.git"
    done = run(["git", "remote-https", "origin", url], work, "capabilities\n\n")
    capabilities = done.stdout.split()
    if "fetch" not in capabilities:
        raise SmokeError(f"git remote-https: exit {done.returncode}: {done.stderr or done.stdout}")
    return "git https helper loads"


CHECKS = (check_imports, check_helm, check_kustomize, check_base_ref, check_https_helper)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0], "Chart.yaml").is_file():
        print("usage: image_smoke.py CHART_DIR (a chart folder)", file=sys.stderr)
        return 2
    chart = Path(argv[0]).resolve()
    os.environ.setdefault("HOME", tempfile.gettempdir())
    with tempfile.TemporaryDirectory(prefix="drift-smoke-") as tmp:
        work = Path(tmp)
        (work / "live.yaml").write_text(EMPTY_LIVE, encoding="utf-8")
        for check in CHECKS:
            try:
                print(f"image smoke: {check(work, chart)}", flush=True)
            except (SmokeError, OSError, subprocess.SubprocessError, ImportError) as exc:
                print(f"image smoke FAILED ({check.__name__}): {exc}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
