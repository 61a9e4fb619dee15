"""A kubeconfig in the workspace may be the pull request's own: it must not run code or read
the runner's files.

The Kubernetes client runs a kubeconfig user's `exec` command (and an auth-provider's
`cmd-path`) to get a token, and reads `tokenFile`, client keys and CA files from any path. A
kubeconfig committed to the repository is data that a pull request can change: its command
would run with the job's tokens in the environment, and `tokenFile: /proc/self/environ` would
send them to a server the pull request names. So a kubeconfig that resolves inside the
workspace runs no command unless the workflow says it wrote the file (the action's
`kubeconfig_exec` input), and names no file outside the workspace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from drift_action.core.confine import PathPolicy
from drift_action.core.errors import UsageError

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LIMIT = 4 * 1024 * 1024
_USER_FILES = ("tokenFile", "client-certificate", "client-key")
_CLUSTER_FILES = ("certificate-authority",)


def check_kubeconfigs(
    paths: Sequence[str], *, root: str, allow_exec: bool, context: str | None
) -> None:
    """Refuse what a kubeconfig inside `root` may not do; files elsewhere are the workflow's
    own and are not looked at."""
    workspace = PathPolicy.inside(root, "the workspace")
    for path in paths:
        if not workspace.allows(path):
            continue
        config = read_kubeconfig(path)
        if config is None:
            continue  # the client's own loading says what is wrong with it
        shown = os.path.relpath(path, workspace.root) if os.path.isabs(path) else path
        folder = os.path.dirname(os.path.abspath(path))
        for name, user in _users(config, context):
            if not allow_exec:
                command = _command(user)
                if command is not None:
                    raise UsageError(
                        f"kubeconfig {shown}: user {name!r} runs a command ({command}); a "
                        "kubeconfig in the workspace may be a pull request's, so the action "
                        "runs no command from it: set input kubeconfig_exec to true only if a "
                        "workflow step writes this file"
                    )
            where = f"kubeconfig {shown}: user {name!r}"
            _check_files(user, _USER_FILES, folder, workspace, where)
        for name, cluster in named(config, "clusters", "cluster"):
            where = f"kubeconfig {shown}: cluster {name!r}"
            _check_files(cluster, _CLUSTER_FILES, folder, workspace, where)


def read_kubeconfig(path: str) -> Mapping[str, Any] | None:
    """A kubeconfig file's mapping; None when it cannot be read or is not one (the client's own
    loading then says what is wrong)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            config = yaml.load(handle.read(_LIMIT), Loader=_Loader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError, RecursionError):
        return None
    return config if isinstance(config, Mapping) else None


def named(config: Mapping[str, Any], section: str, key: str) -> Iterator[tuple[str, Any]]:
    """(name, settings) of each entry of a section: ("users", "user"), ("clusters", ...)."""
    entries = config.get(section)
    for entry in entries if isinstance(entries, list) else ():
        value = entry.get(key) if isinstance(entry, Mapping) else None
        if isinstance(value, Mapping):
            yield str(entry.get("name", "")), value


def _users(config: Mapping[str, Any], context: str | None) -> list[tuple[str, Any]]:
    """The user of the context the run uses, when this file names it; else every user."""
    users = list(named(config, "users", "user"))
    wanted = context or config.get("current-context")
    for name, settings in named(config, "contexts", "context"):
        if name == wanted:
            chosen = [(n, u) for n, u in users if n == settings.get("user")]
            return chosen or users
    return users


def _command(user: Mapping[str, Any]) -> str | None:
    """What the user runs, named by its program only (the arguments may hold secrets)."""
    exec_ = user.get("exec")
    if isinstance(exec_, Mapping):
        return f"exec: {os.path.basename(str(exec_.get('command', '')))}"
    provider = user.get("auth-provider")
    settings = provider.get("config") if isinstance(provider, Mapping) else None
    if isinstance(settings, Mapping) and settings.get("cmd-path"):
        return f"auth-provider cmd-path: {os.path.basename(str(settings['cmd-path']))}"
    return None


def _check_files(
    entry: Mapping[str, Any], keys: Sequence[str], folder: str, workspace: PathPolicy, where: str
) -> None:
    for key in keys:
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            continue
        if not workspace.allows(os.path.join(folder, os.path.expanduser(value))):
            raise UsageError(
                f"{where}: {key} names a file outside the workspace ({value}): refused, as the "
                "kubeconfig is in the workspace and may be a pull request's"
            )
