"""A real etcd and kube-apiserver on loopback ports, for the real-server test tier.

Started the way controller-runtime's envtest and Kubernetes' own integration scripts start them:
etcd on a throwaway data folder, kube-apiserver in front of it with generated certificates, a
static token file, Node,RBAC authorization, service-account tokens (so a ServiceAccount can be
given a real token) and the default admission plugins plus NodeRestriction, as kubeadm enables.
No controller manager, scheduler or kubelet runs: nothing rolls out and no default
ServiceAccount appears in a new namespace.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from support.kube_emulator.kubeconfig import write_kubeconfig
from support.kube_emulator.tls import make_certificates

from .binaries import Binaries

ADMIN_TOKEN = "real-admin-4be1c07d"  # in system:masters
# Users of the token file without any group but system:authenticated: RBAC tests bind them.
USERS = {"reader": "real-reader-93c2aa1e", "nobody": "real-nobody-5d20e8b7"}
START_TIMEOUT = 90.0
# One event per request, when the answer has been sent, without bodies; the server's own
# loopback traffic (system:apiserver) and health checks left out.
_AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: None
    users: ["system:apiserver"]
  - level: None
    nonResourceURLs: ["/readyz*", "/livez*", "/healthz*"]
  - level: Metadata
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl") or "/usr/bin/openssl"
    subprocess.run([openssl, *args], cwd=cwd, capture_output=True, check=True)


class ControlPlane:
    """`with ControlPlane(binaries) as cp:` starts both processes and waits for /readyz; leaving
    stops them and removes their data. `cp.kubeconfig(path, user)` points a client at it."""

    def __init__(self, binaries: Binaries, service_cidr: str = "10.0.0.0/24") -> None:
        self.binaries = binaries
        self.service_cidr = service_cidr  # the benchmark's 1,000 Services need more than a /24
        self.dir = Path(tempfile.mkdtemp(prefix="drift-real-apiserver-"))
        self.port = 0
        self._processes: list[subprocess.Popen[bytes]] = []
        self.started_in = 0.0

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.dir / "pki" / "ca.crt"

    @property
    def audit_log(self) -> Path:
        return self.dir / "audit.log"

    def audit_events(self, user: str | None = None) -> list[dict[str, Any]]:
        """The requests the server has answered so far (oldest first), of one user if named."""
        if not self.audit_log.exists():
            return []
        events = [json.loads(line) for line in self.audit_log.read_text().splitlines() if line]
        if user is not None:
            events = [e for e in events if e.get("user", {}).get("username") == user]
        return events

    def kubeconfig(self, path: Path, user: str = "admin", context: str = "real") -> Path:
        token = ADMIN_TOKEN if user == "admin" else USERS.get(user, user)
        return write_kubeconfig(
            path, server=self.server, context=context, token=token, namespace=None,
            ca_file=str(self.ca_file),
        )  # fmt: skip

    def __enter__(self) -> ControlPlane:
        started = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        self.started_in = time.monotonic() - started
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._processes.clear()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- starting ------------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.dir / f"{name}.log").open("wb")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        self._processes.append(process)
        return process

    def _log_tail(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        return "\n".join(lines[-15:])

    def _start(self) -> None:
        pki = self.dir / "pki"
        pki.mkdir()
        certs = make_certificates(pki)
        # The service-account signing key: lets TokenRequest mint real ServiceAccount tokens.
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key", cwd=pki)
        _openssl("ec", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
        tokens = [f"{ADMIN_TOKEN},admin,admin-uid,system:masters"]
        tokens += [f"{token},{name},{name}-uid" for name, token in USERS.items()]
        (pki / "tokens.csv").write_text("\n".join(tokens) + "\n")
        # The real server's own request log: tests read who asked for what (verb, URI, code).
        (pki / "audit.yaml").write_text(_AUDIT_POLICY)

        client, peer = _free_port(), _free_port()
        etcd = self._spawn("etcd", [
            str(self.binaries.etcd), "--name", "default", "--data-dir", str(self.dir / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"default=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync",  # test data, thrown away at the end: no need to wait for disk
            "--log-level", "warn",
        ])  # fmt: skip
        self._wait("etcd", etcd, f"http://127.0.0.1:{client}/health", context=None)

        self.port = _free_port()
        apiserver = self._spawn("kube-apiserver", [
            str(self.binaries.kube_apiserver),
            "--etcd-servers", f"http://127.0.0.1:{client}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--secure-port", str(self.port), "--cert-dir", str(pki),
            "--tls-cert-file", str(certs.cert_file), "--tls-private-key-file", str(certs.key_file),
            "--token-auth-file", str(pki / "tokens.csv"),
            "--authorization-mode", "Node,RBAC",
            "--enable-admission-plugins", "NodeRestriction",
            "--service-account-issuer", "https://kubernetes.default.svc",
            "--service-account-key-file", str(pki / "sa.pub"),
            "--service-account-signing-key-file", str(pki / "sa.key"),
            "--service-cluster-ip-range", self.service_cidr,
            "--allow-privileged=true",
            "--audit-policy-file", str(pki / "audit.yaml"),
            "--audit-log-path", str(self.audit_log), "--audit-log-mode", "blocking",
            "--v", "1",
        ])  # fmt: skip
        context = ssl.create_default_context(cafile=str(certs.ca_file))
        self._wait("kube-apiserver", apiserver, f"{self.server}/readyz", context=context)

    def _wait(
        self,
        name: str,
        process: subprocess.Popen[bytes],
        url: str,
        context: ssl.SSLContext | None,
    ) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{self._log_tail(name)}")
            request = urllib.request.Request(
                url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5, context=context) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError) as error:
                last = str(error)
            time.sleep(0.3)
        raise RuntimeError(
            f"{name} not ready in {START_TIMEOUT:.0f}s ({last}):\n{self._log_tail(name)}"
        )
