"""Pure report renderers: a Report in, text out. One module per format, in a plain registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drift_action.core.model import Report
from drift_action.report import json_format, markdown, text


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    explain: bool = False  # list what normalization explained away, and why


Renderer = Callable[[Report, RenderOptions], str]

FORMATS: dict[str, Renderer] = {
    "text": lambda report, options: text.render(
        report, color=options.color, explain=options.explain
    ),
    "markdown": lambda report, options: markdown.render(report, explain=options.explain),
    "json": lambda report, options: json_format.render(report),
}


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    return FORMATS[fmt](report, options or RenderOptions())
