"""Pure report renderers: a Report in, text out. One module per format, in a plain registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drift_action.core.model import Report

# Each renderer is imported when its format is asked for: the flag table lists the formats at
# every start (--version, --help) and a run renders one of them.


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    explain: bool = False  # list what normalization explained away, and why


Renderer = Callable[[Report, RenderOptions], str]


def _text(report: Report, options: RenderOptions) -> str:
    from drift_action.report import text  # noqa: PLC0415 (see above)

    return text.render(report, color=options.color, explain=options.explain)


def _markdown(report: Report, options: RenderOptions) -> str:
    from drift_action.report import markdown  # noqa: PLC0415 (see above)

    return markdown.render(report, explain=options.explain)


def _json(report: Report, options: RenderOptions) -> str:
    from drift_action.report import json_format  # noqa: PLC0415 (see above)

    return json_format.render(report)


FORMATS: dict[str, Renderer] = {"text": _text, "markdown": _markdown, "json": _json}


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    return FORMATS[fmt](report, options or RenderOptions())
