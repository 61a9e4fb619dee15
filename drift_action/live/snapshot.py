"""Live objects from `kubectl get -o yaml|json` output saved to a file (or read from stdin)."""

from __future__ import annotations

import logging

from drift_action.core.files import STDIN, display_path, read_text
from drift_action.core.objects import RawObject, collect
from drift_action.core.yaml_docs import parse_documents

log = logging.getLogger(__name__)


def read_snapshots(paths: tuple[str, ...]) -> tuple[list[RawObject], list[str]]:
    objects: list[RawObject] = []
    warnings: list[str] = []
    for path in paths:
        shown = "<stdin>" if path == STDIN else display_path(path)
        text = read_text(path)
        is_json = path.endswith(".json") or (path == STDIN and text.lstrip().startswith("{"))
        documents = parse_documents(text, shown, is_json=is_json)
        found, more = collect(documents, strict=True)
        log.info("read %d live objects from %s", len(found), shown)
        objects.extend(found)
        warnings.extend(more)
    return objects, warnings
