"""The one module that talks to the Kubernetes API (through the official client).

It reads raw JSON (no model objects: they are slow and drop unknown fields), retries what is
worth retrying, and turns the client's and urllib3's errors into ours. Messages never include
tokens or response bodies beyond the API's own Status message.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import yaml

if TYPE_CHECKING:
    from kubernetes import client as k8s

# The kubernetes package (and urllib3 under it) is imported when a cluster is read, not before:
# it is a tenth of a second at every start, and a run against a snapshot or a plan never needs
# it. The errors it raises are caught here, in the client that imported it.

from drift_action.core.errors import DriftActionError, UsageError
from drift_action.live.kubeconfig_guard import check_kubeconfigs, named, read_kubeconfig

log = logging.getLogger(__name__)

FIELD_MANAGER = "drift-action"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_ATTEMPTS = 5
_MAX_RETRY_AFTER = 10.0
# Scales the retry backoff (not a server's Retry-After): the tests set it low, as
# DRIFT_ACTION_GITHUB_PACE does for GitHub, so that retry tests do not wait out real backoff.
PACE_VARIABLE = "DRIFT_ACTION_KUBE_PACE"


class ClusterError(DriftActionError):
    """The cluster cannot be used at all: unreachable, bad credentials, bad kubeconfig."""


class NoKubeconfig(UsageError):
    """No kubeconfig file exists where one was looked for; the caller says what to give."""


@dataclass(frozen=True)
class ApiError(Exception):
    """One request failed with an API Status (after retries)."""

    code: int
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"


@dataclass(frozen=True)
class ClusterSpec:
    """How to reach the cluster. Empty means: KUBECONFIG, then ~/.kube/config, then in-cluster."""

    kubeconfig: str | None = None
    context: str | None = None
    server: str | None = None
    token: str | None = field(default=None, repr=False)
    certificate_authority: str | None = None
    timeout: float = 30.0
    concurrency: int = 8
    page_size: int = 500
    # A kubeconfig inside this folder (the action's workspace) may be a pull request's: it
    # runs no command unless allow_exec, and reads no file outside the folder.
    untrusted_root: str | None = None
    allow_exec: bool = True


@dataclass
class Counters:
    requests: int = 0
    bytes_read: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, size: int) -> None:
        with self.lock:
            self.requests += 1
            self.bytes_read += size

    def retried(self) -> None:
        with self.lock:
            self.retries += 1


def _configuration(spec: ClusterSpec) -> tuple[k8s.Configuration, str]:
    """A client configuration and a short description of where it came from."""
    from kubernetes import client as k8s  # noqa: PLC0415 (see the imports above)
    from kubernetes import config as k8s_config  # noqa: PLC0415
    from kubernetes.config.config_exception import ConfigException  # noqa: PLC0415

    cfg = k8s.Configuration()
    if spec.server:
        if not spec.token:
            raise UsageError(
                "a server needs a token: set DRIFT_ACTION_TOKEN (CLI) or the token input (action)"
            )
        cfg.host = spec.server.rstrip("/")
        cfg.api_key = {"authorization": spec.token}
        cfg.api_key_prefix = {"authorization": "Bearer"}
        if spec.certificate_authority:
            if not os.path.isfile(spec.certificate_authority):
                raise UsageError(
                    f"certificate authority file not found: {spec.certificate_authority}"
                )
            cfg.ssl_ca_cert = spec.certificate_authority
        return cfg, f"server {cfg.host}"
    files = spec.kubeconfig or os.environ.get("KUBECONFIG") or ""
    default = os.path.expanduser("~/.kube/config")
    use_in_cluster = not files and not os.path.exists(default)
    if use_in_cluster and os.environ.get("KUBERNETES_SERVICE_HOST"):
        try:
            k8s_config.load_incluster_config(client_configuration=cfg)
        except ConfigException as exc:
            raise ClusterError(f"in-cluster configuration: {exc}") from exc
        return cfg, "the in-cluster service account"
    paths = [p for p in (files or default).split(os.pathsep) if p]
    missing = [p for p in paths if not os.path.exists(p)]
    if len(missing) == len(paths):
        raise NoKubeconfig(f"no kubeconfig: {', '.join(missing)} not found")
    if spec.untrusted_root is not None:
        check_kubeconfigs(
            [p for p in paths if p not in missing],
            root=spec.untrusted_root,
            allow_exec=spec.allow_exec,
            context=spec.context,
        )
    try:
        k8s_config.load_kube_config(
            config_file=os.pathsep.join(p for p in paths if p not in missing),
            context=spec.context,
            client_configuration=cfg,
            persist_config=False,
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        # The YAML problem text is left out: it can quote a line holding a token.
        raise UsageError(f"kubeconfig{where}: not valid YAML ({os.pathsep.join(paths)})") from None
    except ConfigException as exc:
        problem = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise UsageError(f"kubeconfig {os.pathsep.join(paths)}: {problem}") from exc
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise UsageError(
            f"kubeconfig {os.pathsep.join(paths)}: cannot be used ({type(exc).__name__})"
        ) from exc
    context = spec.context or "current context"
    return cfg, f"{context} ({cfg.host})"


# A kubeconfig user's credentials, and those of its auth-provider's config.
_USER_SECRETS = ("token", "password", "client-key-data")
_PROVIDER_SECRETS = ("access-token", "refresh-token", "id-token", "client-secret")


def kubeconfig_credentials(spec: ClusterSpec) -> list[str]:
    """The credentials in the kubeconfig files `spec` would read (none for --server), for the
    action to mask before it prints anything. Unreadable files give none: reading them for the
    run reports the problem."""
    if spec.server:
        return []
    files = spec.kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    found: list[str] = []
    for path in (p for p in files.split(os.pathsep) if p):
        config = read_kubeconfig(path)
        for _, user in named(config, "users", "user") if config is not None else ():
            provider = user.get("auth-provider")
            settings = provider.get("config") if isinstance(provider, dict) else None
            found += [v for k, v in user.items() if k in _USER_SECRETS and isinstance(v, str)]
            if isinstance(settings, dict):
                found += [
                    v for k, v in settings.items() if k in _PROVIDER_SECRETS and isinstance(v, str)
                ]
    return found


class KubeClient:
    """Raw JSON GETs, server-side-apply dry runs and (for --reconcile) applies against one
    cluster."""

    def __init__(self, spec: ClusterSpec) -> None:
        import urllib3  # noqa: PLC0415 (see the imports above)
        from kubernetes import client as k8s  # noqa: PLC0415

        self.spec = spec
        self._api_exception = k8s.ApiException
        self._dropped = urllib3.exceptions.ProtocolError
        self._http_error = urllib3.exceptions.HTTPError
        self._timeout_error = urllib3.exceptions.TimeoutError
        cfg, self.described = _configuration(spec)
        cfg.retries = False  # this module retries, knowing what is safe to retry
        cfg.connection_pool_maxsize = max(spec.concurrency, 1)
        self.host = cfg.host
        self._api = k8s.ApiClient(cfg)
        self.counters = Counters()
        self._pace = _pace(os.environ.get(PACE_VARIABLE, ""))

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, path: str, query: Mapping[str, str] | None = None) -> Any:
        return self._request("GET", path, query or {}, None)

    def apply_dry_run(self, path: str, body: Mapping[str, Any]) -> Any:
        query = {"dryRun": "All", "fieldManager": FIELD_MANAGER, "force": "true"}
        return self._request("PATCH", path, query, body)

    def apply(
        self, path: str, body: Mapping[str, Any], *, manager: str, force: bool, dry_run: bool
    ) -> Any:
        """A server-side apply as `manager` (reconcile): stored unless `dry_run`."""
        query = {"fieldManager": manager, "force": "true" if force else "false"}
        if dry_run:
            query["dryRun"] = "All"
        return self._request("PATCH", path, query, body)

    def _request(
        self, method: str, path: str, query: Mapping[str, str], body: Mapping[str, Any] | None
    ) -> Any:
        url_path = f"{path}?{urlencode(query)}" if query else path
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/apply-patch+yaml"
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            status, data, retry_after = self._once(method, url_path, headers, body)
            last = attempt == _MAX_ATTEMPTS
            if status is None and not last:  # dropped connection: worth another try
                self._sleep(attempt, None, path)
                continue
            if status is None:
                raise ClusterError(f"the API server at {self.host} closed the connection ({path})")
            if 200 <= status < 300:
                try:
                    return json.loads(data)
                except ValueError as exc:
                    raise ApiError(status, "BadResponse", f"{path}: not JSON") from exc
            if status in _RETRY_STATUSES and not last:
                self._sleep(attempt, retry_after, path)
                continue
            error = _status_error(status, data, path)
            if status == 401:
                raise ClusterError(
                    f"the API server at {self.host} rejected the credentials (401 Unauthorized): "
                    "the token may have expired"
                )
            raise error
        raise AssertionError("unreachable")

    def _once(
        self, method: str, url_path: str, headers: dict[str, str], body: Mapping[str, Any] | None
    ) -> tuple[int | None, bytes, float | None]:
        _method, url, all_headers, _body, _post = self._api.param_serialize(
            method, url_path, header_params=dict(headers), auth_settings=["BearerToken"]
        )
        timeout = self.spec.timeout
        try:
            response = self._api.call_api(
                method,
                url,
                header_params=all_headers,
                body=json.dumps(body) if body is not None else None,
                _request_timeout=(min(timeout, 10.0), timeout),
            )
            data = response.read()
        except self._api_exception as exc:
            raise self._connection_error(exc) from exc
        except self._dropped:
            self.counters.add(0)
            return None, b"", None
        except self._http_error as exc:
            raise self._connection_error(exc) from exc
        except ValueError:  # http.client refuses a header: its message quotes the value
            raise ClusterError(
                f"cannot send requests to {self.host}: the token (or another credential) holds a "
                "line break or a character an HTTP header cannot carry"
            ) from None
        self.counters.add(len(data))
        header = response.getheader("Retry-After")
        return response.status, data, _seconds(header)

    def _connection_error(self, exc: Exception) -> ClusterError:
        text = str(getattr(exc, "reason", "") or exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text:
            return ClusterError(
                f"TLS verification of {self.host} failed: the certificate authority does not "
                "match (check certificate-authority / the kubeconfig's CA)"
            )
        # urllib3's NewConnectionError is a kind of TimeoutError: test refusal first.
        if "Connection refused" in text or "NewConnectionError" in text:
            return ClusterError(f"cannot reach the API server at {self.host}: connection refused")
        if isinstance(exc, self._timeout_error) or "timed out" in text:
            return ClusterError(
                f"the API server at {self.host} did not answer within {self.spec.timeout:g}s"
            )
        if "Name or service not known" in text or "nodename nor servname" in text:
            return ClusterError(f"cannot reach the API server at {self.host}: unknown host")
        return ClusterError(f"cannot reach the API server at {self.host}: {type(exc).__name__}")

    def _sleep(self, attempt: int, retry_after: float | None, path: str) -> None:
        backoff = 0.2 * 2 ** (attempt - 1) * self._pace
        delay = retry_after if retry_after is not None else backoff
        delay = min(delay, _MAX_RETRY_AFTER) + random.uniform(0, 0.05)  # noqa: S311 (jitter)
        log.info("retrying %s in %.2fs (attempt %d)", path, delay, attempt + 1)
        self.counters.retried()
        time.sleep(delay)


def _pace(text: str) -> float:
    if not text.strip():
        return 1.0
    try:
        pace = float(text)
    except ValueError as exc:
        raise UsageError(f"{PACE_VARIABLE}: expected a number, got {text.strip()!r}") from exc
    return max(pace, 0.0)


def _seconds(header: str | None) -> float | None:
    if header is None:
        return None
    try:
        return max(float(header), 0.0)
    except ValueError:
        return None


def _status_error(status: int, data: bytes, path: str) -> ApiError:
    """The API's Status body as an error; falls back to the HTTP code."""
    try:
        body = json.loads(data)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        reason = str(body.get("reason") or "")
        message = str(body.get("message") or "")
        return ApiError(status, reason or f"HTTP{status}", message[:300] or path)
    return ApiError(status, f"HTTP{status}", path)
