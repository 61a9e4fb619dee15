"""Raw YAML and JSON manifests: files, directories (recursive) and globs."""

from __future__ import annotations

import glob
import logging
from dataclasses import dataclass, field
from pathlib import Path

from drift_action.confine import PathPolicy
from drift_action.errors import InputError
from drift_action.files import display_path, read_text
from drift_action.model import Document
from drift_action.sources.base import Rendered
from drift_action.yaml_docs import parse_documents

log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml", ".json")
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class ManifestsSpec:
    paths: tuple[str, ...]
    namespace: str = "default"
    policy: PathPolicy = field(default_factory=PathPolicy)  # where the files may be

    @property
    def label(self) -> str:
        return "manifests " + ", ".join(self.paths)


class ManifestsRenderer:
    def render(self, spec: ManifestsSpec) -> Rendered:
        documents: list[Document] = []
        warnings: list[str] = []
        for given in spec.paths:
            spec.policy.check(given, "manifests path")
            files = expand(given)
            if not files:
                warnings.append(f"{given}: no *.yaml, *.yml or *.json files found")
            for file in files:  # a link found in a folder is refused too: checked before any read
                spec.policy.check(file, "manifest file")
            for file in files:
                text = read_text(file)
                documents.extend(
                    parse_documents(text, display_path(file), is_json=file.endswith(".json"))
                )
        log.info("read %d documents from %s", len(documents), spec.label)
        return Rendered(tuple(documents), tuple(warnings))


def expand(given: str) -> list[str]:
    """The manifest files a --manifests value names, in a stable order."""
    path = Path(given)
    if path.is_dir():
        return _walk(path)
    if path.exists():
        return [given]
    if _GLOB_CHARS & set(given):
        matches = sorted(glob.glob(given, recursive=True))
        if not matches:
            raise InputError("no files match this pattern", file=given)
        files: list[str] = []
        for match in matches:
            if Path(match).is_dir():
                files.extend(_walk(Path(match)))
            elif match.endswith(SUFFIXES):
                files.append(match)
        return files
    raise InputError("no such file or directory", file=given)


def _walk(directory: Path) -> list[str]:
    """Manifest files below `directory`; hidden folders (.git, .github) are not desired state."""
    found = []
    for file in sorted(directory.rglob("*")):
        relative = file.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts[:-1]):
            continue
        if file.suffix in SUFFIXES and file.is_file():
            found.append(str(file))
    return found
