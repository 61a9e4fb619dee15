"""What Helm renders, turned into documents: sources, hooks, CRD files and chart dependencies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drift_action.core.errors import InputError

if TYPE_CHECKING:
    from helm_python import Chart

    from drift_action.core.model import Document


HOOK_ANNOTATION = "helm.sh/hook"

_SOURCE_HEADER = re.compile(r"^---[ \t]*\n# Source: (.+?)[ \t]*$", re.MULTILINE)


def split_template_output(text: str) -> list[tuple[str, str]]:
    """`helm template` output as (source, manifest) pairs, split at its `# Source:` headers.

    A CRD file is printed whole under one header, so `---` inside it does not start a new source.
    """
    headers = list(_SOURCE_HEADER.finditer(text))
    pairs = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        pairs.append((header.group(1), text[header.end() + 1 : end]))
    return pairs


def is_manifest(name: str) -> bool:
    """Rendered files that hold objects: NOTES.txt is for people, `_` files are partials."""
    base = name.rsplit("/", 1)[-1]
    return not base.endswith("NOTES.txt") and not base.startswith("_")


# The documents of each (source, text) pair already parsed, for a second render of the chart.
Parsed = dict[tuple[str, str], list["Document"]]


def manifest_documents(
    manifests: Sequence[tuple[str, str]], *, include_hooks: bool, parsed: Parsed | None = None
) -> list[Document]:
    """The objects in (source, text) pairs; empty documents, and hooks unless wanted, left out.
    With `parsed`, a pair found there is not parsed again (its documents are shared), and
    those parsed are added."""
    documents: list[Document] = []
    for source, text in manifests:
        found = None if parsed is None else parsed.get((source, text))
        if found is None:
            found = _documents(source, text, include_hooks=include_hooks)
            if parsed is not None:
                parsed[source, text] = found
        documents.extend(found)
    return documents


def _documents(source: str, text: str, *, include_hooks: bool) -> list[Document]:
    # Imported here: the engine's process (`worker`) uses this module but never reads YAML.
    from drift_action.core.model import SourceLocation  # noqa: PLC0415
    from drift_action.core.yaml_docs import parse_documents  # noqa: PLC0415

    verbatim = is_crd_file(source)  # CRD files are not templates: their lines are real
    try:
        parsed = parse_documents(text, source)
    except InputError as exc:
        if verbatim:
            raise
        where = f" (line {exc.line} of its output)" if exc.line is not None else ""
        problem = exc.detail.removeprefix("invalid YAML: ")
        raise InputError(
            f"the rendered template is not valid YAML{where}: {problem}", file=source
        ) from exc
    documents = []
    for document in parsed:
        if document.data is None:
            continue
        if not include_hooks and is_hook(document.data):
            continue
        # A line of rendered output is not a line of the template: name the template only.
        documents.append(
            document
            if verbatim
            else replace(document, source=SourceLocation(source, None), item_lines=())
        )
    return documents


def is_hook(data: Any) -> bool:
    """Helm treats any object with the hook annotation as a hook, whatever its value."""
    if not isinstance(data, Mapping):
        return False
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return isinstance(annotations, Mapping) and HOOK_ANNOTATION in annotations


def check_local_chart(chart: str, shown: str) -> None:
    path = Path(chart)
    if path.is_dir():
        if not (path / "Chart.yaml").is_file():
            raise InputError("not a Helm chart: the folder has no Chart.yaml", file=shown)
    elif not path.exists():
        raise InputError("no such Helm chart (a chart folder or a packaged .tgz)", file=shown)


def check_dependencies(
    metadata: Mapping[str, Any], loaded: Sequence[Mapping[str, Any]], shown: str
) -> None:
    """Helm refuses to render a chart whose declared dependencies are not vendored in charts/."""
    present = {dependency.get("name") for dependency in loaded}
    declared = [dependency.get("name") for dependency in metadata.get("dependencies") or ()]
    missing = list(dict.fromkeys(str(name) for name in declared if name not in present))
    if missing:
        where = f"{shown}/Chart.yaml" if Path(shown).is_dir() else shown
        raise InputError(
            f"dependencies missing from charts/: {', '.join(missing)}; "
            f"run `helm dependency build {shown}`",
            file=where,
        )


def _owner(source: str) -> tuple[list[str], int]:
    """The subchart names from a path like `top/charts/a/charts/b/crds/x.yaml`, and where
    the rest (`crds/...` or `templates/...`) starts."""
    parts, chain, index = source.split("/"), [], 1
    while index + 1 < len(parts) and parts[index] == "charts":
        chain.append(parts[index + 1])
        index += 2
    return chain, index


def is_crd_file(source: str) -> bool:
    """A file from a crds/ folder (printed as is), not a rendered template."""
    _, index = _owner(source)
    parts = source.split("/")
    return index < len(parts) and parts[index] == "crds"


def crd_enabled(
    filename: str, rendered: Mapping[str, str], chart: Chart, values: dict[str, Any]
) -> bool:
    """Whether Helm installs a CRD file: not when its subchart is disabled by condition or tags.

    The SDK lists the CRDs of every vendored subchart. A subchart that renders any template is
    enabled; for one without templates (a CRDs-only subchart) the condition and tags of a direct
    dependency are evaluated as Helm does. Deeper CRDs-only subcharts are taken as enabled.
    """
    chain, index = _owner(filename)
    if not chain:
        return True
    prefix = "/".join(filename.split("/")[:index]) + "/"
    if any(name.startswith(prefix) for name in rendered):
        return True
    declared = [
        d
        for d in chart.metadata.get("dependencies") or ()
        if (d.get("alias") or d.get("name")) == chain[0]
    ]
    if not declared:
        return True
    return dependency_enabled(declared[0], chart.merge_values(values))


def dependency_enabled(dependency: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Helm's rule: tags first (off only if some tag is false and none true), then the condition."""
    enabled = True
    tags = values.get("tags")
    flags = [
        tags[tag]
        for tag in dependency.get("tags") or ()
        if isinstance(tags, Mapping) and isinstance(tags.get(tag), bool)
    ]
    if flags and not any(flags):
        enabled = False
    for condition in str(dependency.get("condition") or "").split(","):
        value = _path_value(values, condition.strip()) if condition.strip() else None
        if isinstance(value, bool):
            return value
    return enabled


def _path_value(values: Mapping[str, Any], path: str) -> Any:
    current: Any = values
    for key in path.split("."):
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def float_warnings(value: Any, path: str = "") -> list[str]:
    """Big --set integers: the SDK takes values as JSON, so they reach templates as floats."""
    if isinstance(value, Mapping):
        return [
            warning
            for key, item in value.items()
            for warning in float_warnings(item, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(value, list):
        return [w for i, item in enumerate(value) for w in float_warnings(item, f"{path}[{i}]")]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000_000:
        return [
            f"--set {path}: the Helm SDK passes this integer as a float, which templates "
            "print like 1e+06; use --set-string or a helm binary if the chart prints it"
        ]
    return []
