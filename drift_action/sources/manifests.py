"""Raw YAML and JSON manifests: files, directories (recursive) and globs."""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from drift_action.core.confine import PathPolicy
from drift_action.core.errors import InputError
from drift_action.core.files import display_path, read_text
from drift_action.core.model import Document
from drift_action.core.wording import CLI, Wording
from drift_action.core.yaml_docs import parse_documents
from drift_action.sources.base import Rendered
from drift_action.sources.gitignore import GitIgnored
from drift_action.sources.misdirected import check_not_misdirected, with_hint

log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml", ".json")
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class ManifestsSpec:
    paths: tuple[str, ...]
    namespace: str = "default"
    policy: PathPolicy = field(default_factory=PathPolicy)  # where the files may be
    wording: Wording = CLI  # how hints name the flags or inputs to use instead
    # Shared by the head's and the base's render of a pull request: files the PR leaves alone
    # are parsed once. None: no reuse.
    parsed: ParseCache | None = field(default=None, compare=False)
    # Told each file's documents as soon as they are parsed (with `namespace`): the cluster
    # read starts on the kinds it names while the other files are parsed. None: nobody listens.
    seen: Callable[[Sequence[Document], str], None] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def label(self) -> str:
        return "manifests " + ", ".join(self.paths)


class ParseCache:
    """Documents by the text they were parsed from (the same text parses the same way)."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, bool], list[Document]] = {}

    def parse(self, text: str, file: str, *, is_json: bool) -> list[Document]:
        found = self._found.get((text, is_json))
        if found is None:
            found = parse_documents(text, file, is_json=is_json)
            self._found[(text, is_json)] = found
        if found and found[0].source.file != file:  # the same file at the other commit
            return [replace(d, source=replace(d.source, file=file)) for d in found]
        return found


class ManifestsRenderer:
    def render(self, spec: ManifestsSpec) -> Rendered:
        documents: list[Document] = []
        warnings: list[str] = []
        for given in spec.paths:
            spec.policy.check(given, "manifests path")
            files = expand(given, spec.policy)
            if not files:
                warnings.append(f"{given}: no *.yaml, *.yml or *.json files found")
            for file in files:  # a link found in a folder is refused too: checked before any read
                spec.policy.check(file, "manifest file")
            check_not_misdirected(given, files, spec.wording)
            for file in files:
                text = read_text(file)
                shown, is_json = display_path(file), file.endswith(".json")
                with with_hint(file, text, spec.wording):
                    if spec.parsed is None:
                        found = parse_documents(text, shown, is_json=is_json)
                    else:
                        found = spec.parsed.parse(text, shown, is_json=is_json)
                documents.extend(found)
                if spec.seen is not None:
                    spec.seen(found, spec.namespace)
        log.info("read %d documents from %s", len(documents), spec.label)
        return Rendered(tuple(documents), tuple(warnings))


def expand(given: str, policy: PathPolicy) -> list[str]:
    """The manifest files a --manifests value names, in a stable order (`policy` decides
    which .gitignore files may be read)."""
    path = Path(given)
    if path.is_dir():
        return _walk(path, policy)
    if path.exists():
        return [given]
    if _GLOB_CHARS & set(given):
        matches = sorted(glob.glob(given, recursive=True))
        if not matches:
            raise InputError("no files match this pattern", file=given)
        files: list[str] = []
        for match in matches:
            if Path(match).is_dir():
                files.extend(_walk(Path(match), policy))
            elif match.endswith(SUFFIXES):
                files.append(match)
        return files
    raise InputError("no such file or directory", file=given)


def _walk(directory: Path, policy: PathPolicy) -> list[str]:
    """Manifest files below `directory`. Hidden files and folders (.git, .github,
    .pre-commit-hooks.yaml) and, in a git work tree, what git ignores are not desired state."""
    ignored = GitIgnored.around(directory, policy.allows)
    found = []
    for parent, folders, files in os.walk(directory):  # links to folders are not entered
        here = Path(parent)
        folders[:] = sorted(
            name
            for name in folders
            if not name.startswith(".")
            and not (ignored and ignored.ignored(here / name, is_dir=True))
        )
        for name in files:
            file = here / name
            if name.startswith(".") or file.suffix not in SUFFIXES:
                continue
            if ignored is not None and ignored.ignored(file, is_dir=False):
                continue
            if file.is_file():
                found.append(file)
    return [str(file) for file in sorted(found)]  # by path parts, as before: a/b before a-c
