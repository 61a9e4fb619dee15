"""Check a built image's content works: run inside it, with its Python (issue 20).

    python3 scripts/image_smoke.py --make-tls TLS_DIR      # in the builder (uses openssl)
    /opt/drift-action/venv/bin/python -I scripts/image_smoke.py CHART_DIR TLS_DIR

The Dockerfile's final stage runs it at build time (its base has no shell: the RUN is in exec
form, and this script, the chart and a throwaway CA and server certificate the builder made are
mounted from the builder, never copied into the image). bench/image_size.py runs it in a
chroot of the image's content assembled without Docker. Each check runs the product the way a
job does, in a scratch folder under /tmp that is removed afterwards:

1. the imports a run can reach: the action, the Kubernetes client, PyGithub with a token;
2. a Helm chart rendered by the bundled Helm engine (the chart's objects are all missing
   from an empty snapshot);
3. a Kustomize overlay built by the image's kustomize;
4. `--base-ref HEAD` in a git repository, which makes git check the commit out in a worktree;
5. git's https remote helper answering `capabilities` (it loads libcurl);
6. `git ls-remote` and `git fetch` over https from a server on 127.0.0.1 (Python's, serving a
   repository's files as they are) whose certificate the throwaway CA signed: TLS through the
   image's libcurl and GnuTLS, checked against a CA file, and refused without it.

Prints one line per check and exits 1 at the first failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CLI = "import sys; from drift_action.cli import main; sys.exit(main())"
EMPTY_LIVE = "apiVersion: v1\nkind: List\nitems: []\n"
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke\ndata:\n  a: b\n"


# Certificates a strict verifier (GnuTLS, Go, OpenSSL 3) accepts: a CA with keyCertSign, a
# server certificate for 127.0.0.1 signed by it.
TLS_FILES = ("ca.crt", "server.crt", "server.key")
SERVER_EXTENSIONS = (
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
)


class SmokeError(Exception):
    pass


# Variables that would choose the CAs git trusts instead of the check (a CI machine's own CA).
CA_VARIABLES = (
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


def run(
    argv: list[str], cwd: Path, stdin: str = "", ca_file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """argv's result; for git over https, `ca_file` is the one CA file it trusts (None: the
    image's own bundle)."""
    env = {k: v for k, v in os.environ.items() if k not in CA_VARIABLES}
    if ca_file is not None:
        env["GIT_SSL_CAINFO"] = str(ca_file)
    # A proxy from the environment must not carry the loopback requests.
    env |= {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    return subprocess.run(
        argv, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300, check=False,
        env=env,
    )  # fmt: skip


def make_tls(folder: Path) -> None:
    """A throwaway CA and a 127.0.0.1 server certificate (EC P-256, two days), with openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SmokeError("--make-tls needs openssl")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "server.ext").write_text(SERVER_EXTENSIONS, encoding="utf-8")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca = ["-x509", "-days", "2", "-subj", "/CN=drift-smoke-ca",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"]  # fmt: skip
    steps = [
        ["req", *key, *ca, "-keyout", "ca.key", "-out", "ca.crt"],
        ["req", *key, "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt"],
    ]  # fmt: skip
    for step in steps:
        done = run([openssl, *step], folder)
        if done.returncode:
            raise SmokeError(f"openssl {step[0]}: {done.stderr.strip()}")


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


def check_imports(_: Path, __: Path, ___: Path) -> str:
    # Here, not at the top: a missing module is this check's failure, reported as such.
    import github  # noqa: PLC0415
    import kubernetes.client  # noqa: PLC0415

    import drift_action.action  # noqa: PLC0415
    import drift_action.live.kube_client  # noqa: PLC0415

    github.Github(auth=github.Auth.Token("not-a-token")).close()
    names = (drift_action.action.__name__, kubernetes.client.__name__, github.__name__)
    return "imports " + ", ".join(names)


def check_helm(work: Path, chart: Path, _: Path) -> str:
    summary = report(work, work, "--helm-chart", str(chart))
    return f"helm chart rendered: {summary['missing']} objects"


def check_kustomize(work: Path, _: Path, __: Path) -> str:
    folder = work / "overlay"
    folder.mkdir()
    (folder / "cm.yaml").write_text(CONFIG_MAP, encoding="utf-8")
    (folder / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\nnamePrefix: built-\n", encoding="utf-8"
    )
    summary = report(work, work, "--kustomize", str(folder))
    return f"kustomize built: {summary['missing']} object"


def git(repo: Path, *args: str, ca_file: Path | None = None) -> str:
    argv = ["git", "-c", "user.name=smoke", "-c", "user.email=smoke@invalid", *args]
    done = run(argv, repo, ca_file=ca_file)
    if done.returncode:
        raise SmokeError(f"git {' '.join(args)}: exit {done.returncode}: {done.stderr}")
    return done.stdout


def committed_repo(repo: Path, manifest: str) -> str:
    """A new repository at `repo` with CONFIG_MAP committed at `manifest`; the commit's id."""
    (repo / manifest).parent.mkdir(parents=True)
    (repo / manifest).write_text(CONFIG_MAP, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", manifest)
    git(repo, "commit", "-q", "-m", "smoke")
    return git(repo, "rev-parse", "HEAD").strip()


def check_base_ref(work: Path, _: Path, __: Path) -> str:
    repo = work / "repo"
    committed_repo(repo, "deploy/cm.yaml")
    summary = report(work, repo, "--manifests", "deploy", "--base-ref", "HEAD")
    return f"base ref checked out with git: {summary['missing']} object"


def check_https_helper(work: Path, _: Path, __: Path) -> str:
    url = "https://127.0.0.1:9/none.git"
    done = run(["git", "remote-https", "origin", url], work, "capabilities\n\n")
    capabilities = done.stdout.split()
    if "fetch" not in capabilities:
        raise SmokeError(f"git remote-https: exit {done.returncode}: {done.stderr or done.stdout}")
    return "git https helper loads"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def https_server(folder: Path, tls: Path) -> Iterator[int]:
    """Static files of `folder` over https on 127.0.0.1; yields the port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls / "server.crt", tls / "server.key")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def check_https_fetch(work: Path, _: Path, tls: Path) -> str:
    source = work / "served-source"
    commit = committed_repo(source, "cm.yaml")
    # What a static (dumb http) server needs; the repository's .git folder is served as is (a
    # clone or push to make a bare one would need git-upload-pack, which the image leaves out).
    git(source, "update-server-info")
    with https_server(source, tls) as port:
        url = f"https://127.0.0.1:{port}/.git"
        ca = tls / "ca.crt"
        untrusted = run(["git", "ls-remote", url], work)
        if untrusted.returncode == 0:
            raise SmokeError("git ls-remote trusted a certificate no CA it knows signed")
        refs = git(work, "ls-remote", url, ca_file=ca)
        if commit not in refs:
            raise SmokeError(f"git ls-remote {url}: {commit} not in {refs!r}")
        fetched = work / "fetched"
        fetched.mkdir()
        git(fetched, "init", "-q")
        git(fetched, "fetch", "-q", url, "HEAD", ca_file=ca)
        if git(fetched, "rev-parse", "FETCH_HEAD").strip() != commit:
            raise SmokeError("git fetch over https did not bring the served commit")
    return "git fetch over https (TLS checked against a CA file)"


# Each takes the scratch folder, the chart and the TLS folder, and says what it saw.
CHECKS = (
    check_imports,
    check_helm,
    check_kustomize,
    check_base_ref,
    check_https_helper,
    check_https_fetch,
)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--make-tls":
        try:
            make_tls(Path(argv[1]))
        except SmokeError as exc:
            print(f"image smoke: {exc}", file=sys.stderr)
            return 1
        return 0
    chart, tls = (Path(a).resolve() for a in [*argv, "", ""][:2])
    if len(argv) != 2 or not (chart / "Chart.yaml").is_file():
        print("usage: image_smoke.py CHART_DIR TLS_DIR | --make-tls TLS_DIR", file=sys.stderr)
        return 2
    if not all((tls / name).is_file() for name in TLS_FILES):
        print(f"image smoke: {tls} lacks {', '.join(TLS_FILES)} (--make-tls)", file=sys.stderr)
        return 2
    os.environ.setdefault("HOME", tempfile.gettempdir())
    with tempfile.TemporaryDirectory(prefix="drift-smoke-") as tmp:
        work = Path(tmp)
        (work / "live.yaml").write_text(EMPTY_LIVE, encoding="utf-8")
        for check in CHECKS:
            try:
                print(f"image smoke: {check(work, chart, tls)}", flush=True)
            except (SmokeError, OSError, subprocess.SubprocessError, ImportError) as exc:
                print(f"image smoke FAILED ({check.__name__}): {exc}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
