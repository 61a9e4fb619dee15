"""Kustomizations, built by `kustomize build` or, without it, by `kubectl kustomize`."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import InputError
from drift_action.core.files import display_path, read_text
from drift_action.core.model import SourceLocation
from drift_action.core.tools import ToolError, run_tool, which
from drift_action.core.wording import CLI, Wording
from drift_action.core.yaml_docs import parse_documents
from drift_action.sources.base import Rendered
from drift_action.sources.bounded import limit_error

log = logging.getLogger(__name__)

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORIGIN_ANNOTATION = (
    "config.kubernetes.io/origin"  # written with `buildMetadata: [originAnnotations]`
)
# kubectl logs through klog: E1121 17:38:17.110761   21819 run.go:72] "command failed" err="..."
_KLOG = re.compile(r'^[EWI]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="')


@dataclass(frozen=True)
class KustomizeSpec:
    path: str  # the folder holding kustomization.yaml
    namespace: str = "default"
    limits: RenderLimits = field(default_factory=RenderLimits)
    policy: PathPolicy = field(default_factory=PathPolicy)  # where its folders may be
    # Remote bases make the runner fetch any URL a pull request names (a self-hosted runner
    # reaches a private network): the action refuses them unless its input allows them.
    allow_remote: bool = True
    wording: Wording = CLI

    @property
    def label(self) -> str:
        return f"kustomization {self.path}"


class KustomizeRenderer:
    def render(self, spec: KustomizeSpec) -> Rendered:
        shown = display_path(spec.path)
        folder = Path(spec.path)
        if not folder.is_dir():
            problem = "not a folder" if folder.exists() else "no such folder"
            raise InputError(f"{problem}: a kustomization is a folder", file=shown)
        if not any((folder / name).is_file() for name in KUSTOMIZATION_FILES):
            raise InputError(
                "not a kustomization: the folder has no kustomization.yaml", file=shown
            )
        check_folders(spec.path, spec.policy, allow_remote=spec.allow_remote, say=spec.wording)
        command = build_command(spec.path, shown)
        limits = spec.limits
        try:
            output = run_tool(
                command,
                file=shown,
                timeout=limits.timeout,
                max_bytes=limits.max_bytes,
                memory_bytes=limits.memory_bytes,
            )
        except ToolError as exc:
            what = f"{exc.program} {command[1]}"  # "kustomize build" or "kubectl kustomize"
            if (error := limit_error(exc, what, limits, shown)) is not None:
                raise error from None
            if exc.returncode is None:  # not found, not executable: already clear
                raise
            reason = " | ".join(_clean(line) for line in exc.stderr) or str(exc)
            raise InputError(f"{what} failed: {reason}", file=shown) from exc
        documents = [
            replace(document, source=_origin(document.data, shown), item_lines=())
            for document in parse_documents(output, shown)
            if document.data is not None
        ]
        log.info("built %d objects from %s", len(documents), spec.label)
        return Rendered(tuple(documents))


def check_folders(
    folder: str, policy: PathPolicy, *, allow_remote: bool = True, say: Wording = CLI
) -> None:
    """Check the kustomization folder and the local folders it builds on (`resources`,
    `bases`, `components`, and theirs in turn) before kustomize runs: with a confined run,
    they and every link in them must stay inside the root (kustomize itself refuses files
    outside each kustomization's folder, links resolved: its default load restrictor); without
    `allow_remote`, no kustomization among them may name a remote base or file."""
    if policy.root is None and allow_remote:
        return
    seen: set[str] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        real = os.path.realpath(current)
        if real in seen:
            continue
        seen.add(real)
        policy.check_tree(current, "kustomization")
        local, remote = _entries(current)
        if remote and not allow_remote:
            file, entry = remote[0]
            why = (
                "with --no-remote-bases"
                if not say.action
                else "(" + say.enable("allow_remote_bases") + " to fetch them)"
            )
            raise InputError(
                f"{entry!r} is not a local path: remote bases and files are not fetched {why}",
                file=file,
            )
        pending.extend(local)


# Keys whose entries kustomize loads as files or folders, and so also fetches as URLs.
_LOADED = (
    "resources", "bases", "components", "crds", "configurations", "generators",
    "transformers", "validators", "patchesStrategicMerge",
)  # fmt: skip
_FOLDERS = ("resources", "bases", "components")


def _entries(folder: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The local folders a kustomization builds on, and its remote entries (file, entry):
    URLs, git forms, and what names no local path (kustomize then tries it as a URL)."""
    for name in KUSTOMIZATION_FILES:
        file = Path(folder) / name
        if file.is_file():
            break
    else:
        return [], []
    shown = display_path(file)
    try:
        documents = parse_documents(read_text(str(file)), shown)
    except InputError:
        return [], []  # kustomize says what is wrong with it
    data = documents[0].data if documents else None
    if not isinstance(data, Mapping):
        return [], []
    local: list[str] = []
    remote: list[tuple[str, str]] = []
    for key, entry in _paths(data):
        path = os.path.join(folder, entry)
        if "://" in entry or _remote(entry) or not os.path.lexists(path):
            # An inline generator or transformer config is YAML text, not a path.
            if key in _FOLDERS or "\n" not in entry:
                remote.append((shown, entry))
        elif key in _FOLDERS and os.path.isdir(path):
            local.append(path)
    return local, remote


def _paths(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, entry) for every string kustomize would load as a path or URL."""
    found: list[tuple[str, str]] = []
    for key in _LOADED:
        entries = data.get(key)
        found += (
            [(key, e) for e in entries if isinstance(e, str)] if isinstance(entries, list) else []
        )
    for key in ("patches", "replacements", "patchesJson6902"):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else ():
            path = entry.get("path") if isinstance(entry, Mapping) else None
            found += [(key, path)] if isinstance(path, str) else []
    for key in ("configMapGenerator", "secretGenerator"):  # their files load as URLs too
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else ():
            found += [(key, file) for file in _generator_files(entry)]
    openapi = data.get("openapi")
    path = openapi.get("path") if isinstance(openapi, Mapping) else None
    found += [("openapi", path)] if isinstance(path, str) else []
    return found


def _generator_files(entry: Any) -> list[str]:
    """The files a generator reads: `files` (each `path` or `key=path`), `envs` and `env`."""
    if not isinstance(entry, Mapping):
        return []
    listed = [*(entry.get("files") or []), *(entry.get("envs") or []), entry.get("env")]
    return [item.split("=", 1)[-1] for item in listed if isinstance(item, str) and item]


def _remote(entry: str) -> bool:
    """kustomize's remote forms without a scheme: github.com/org/repo//path?ref=v1, git@..."""
    return entry.startswith(("git@", "github.com/", "gitlab.com/", "bitbucket.org/"))


def build_command(path: str, shown: str) -> list[str]:
    """`kustomize build` when installed, else the kustomize built into kubectl."""
    kustomize = which("kustomize")
    if kustomize is not None:
        return [kustomize, "build", path]
    kubectl = which("kubectl")
    if kubectl is not None:
        return [kubectl, "kustomize", path]
    raise ToolError(
        "neither kustomize nor kubectl is on PATH: install one to build kustomizations",
        program="kustomize",
        file=shown,
    )


def _origin(data: Any, folder: str) -> SourceLocation:
    """The file an object came from when the build recorded it, else the kustomization folder.

    Lines of the build output mean nothing to a reader, so no line is given.
    """
    metadata = data.get("metadata") if isinstance(data, Mapping) else None
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    text = annotations.get(ORIGIN_ANNOTATION) if isinstance(annotations, Mapping) else None
    if not isinstance(text, str):
        return SourceLocation(folder)
    try:
        documents = parse_documents(text, folder)
    except InputError:
        return SourceLocation(folder)
    origin = documents[0].data if len(documents) == 1 else None
    if not isinstance(origin, Mapping) or origin.get("repo"):
        return SourceLocation(folder)  # from a remote base: the folder is what the user has
    relative = origin.get("path") or origin.get("configuredIn")
    if not isinstance(relative, str):
        return SourceLocation(folder)
    return SourceLocation(os.path.normpath(os.path.join(folder, relative)))


def _clean(line: str) -> str:
    if match := _KLOG.match(line):  # the line may have been cut short: no closing quote then
        return line[match.end() :].removesuffix('"').replace('\\"', '"')
    return line.removeprefix("Error: ")
