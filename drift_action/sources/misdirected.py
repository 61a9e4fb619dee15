"""Inputs given to the wrong source: a kustomization or a Helm chart passed as plain manifests.

Read as plain YAML, a kustomization fails on its missing metadata and a chart's templates on
their `{{ }}`, with errors that do not say what to do. These checks say which flag or input
would read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from drift_action.core.errors import InputError
from drift_action.core.files import display_path
from drift_action.core.wording import Wording
from drift_action.sources.kustomize import KUSTOMIZATION_FILES

CHART_FILE = "Chart.yaml"
_CHART_PARTS = ("templates", "crds")


def check_not_misdirected(given: str, files: Sequence[str], say: Wording) -> None:
    """Refuse a kustomization file, or a file of a Helm chart, among the manifest files that
    `given` (a --manifests value) names."""
    for file in files:
        path = Path(file)
        if path.name in KUSTOMIZATION_FILES:
            folder = display_path(path.parent)
            raise InputError(
                f"a kustomization, not plain manifests: build it with "
                f"{say.with_value('kustomize', folder)}",
                file=display_path(file),
            )
    top = Path(given) if Path(given).is_dir() else Path(given).parent
    charts = _chart_folders(top, files)
    for file in files:
        chart = next((c for c in charts if Path(file).is_relative_to(c)), None)
        if chart is not None:
            raise InputError(
                f"part of the Helm chart in {display_path(chart)} ({CHART_FILE} is there): "
                f"render the chart with {say.with_value('helm_chart', display_path(chart))}",
                file=display_path(file),
            )


def _chart_folders(top: Path, files: Sequence[str]) -> list[Path]:
    """Folders holding a Chart.yaml: among the files' folders up to `top`, and `top`'s parent
    when `top` is a chart's `templates/` or `crds/`."""
    candidates = {top, top.parent} if top.name in _CHART_PARTS else {top}
    for file in files:
        folder = Path(file).parent
        while folder != top and top in folder.parents:
            candidates.add(folder)
            folder = folder.parent
    return sorted(
        (folder for folder in candidates if (folder / CHART_FILE).is_file()),
        key=lambda folder: len(folder.parts),
        reverse=True,  # the nearest chart: a subchart before its parent
    )


@contextmanager
def with_hint(file: str, text: str, say: Wording) -> Iterator[None]:
    """A YAML error in a file holding Go template syntax says to render it as a chart."""
    try:
        yield
    except InputError as exc:
        if "{{" not in text:
            raise
        raise InputError(
            f"{exc.detail}; the file holds Go template syntax ({{{{ }}}}): if it is part of a "
            f"Helm chart, render the chart with {say.with_value('helm_chart', 'DIR')}",
            file=exc.file,
            line=exc.line,
        ) from exc
