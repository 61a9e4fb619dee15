"""Lay a comment out in headless Chromium (Debian's `chromium`, no Python browser package)
and measure what is wider than the comment's body.

The page's own script writes the measurements into an attribute of `<body>`; Chromium's
`--dump-dom` prints the page after its scripts ran, and the attribute is read back.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.github_html import page

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Debian's chromium (apt-get install chromium; .ci/run does it as root)"

# For each table, code block, paragraph, list item and summary: its right edge against the
# body's content box, and whether it scrolls sideways (a table or a code block that GitHub
# lets scroll hides its right end: that is overflow too).
MEASURE = r"""
const body = document.getElementById("comment");
const box = body.getBoundingClientRect();
const style = getComputedStyle(body);
const left = box.left + parseFloat(style.paddingLeft);
const right = box.right - parseFloat(style.paddingRight);
const found = [];
for (const el of body.querySelectorAll("table, pre, p, li, summary, h4, blockquote, code")) {
  const r = el.getBoundingClientRect();
  found.push({
    tag: el.tagName.toLowerCase(),
    inline: el.tagName === "CODE" && !el.closest("pre"),
    contained: el.parentElement !== null && el.parentElement.closest("pre, table") !== null,
    left: r.left - left,
    right: r.right - left,
    scroll: el.scrollWidth,
    client: el.clientWidth,
    text: el.textContent.slice(0, 100),
  });
}
document.body.setAttribute("data-measure", JSON.stringify({
  content: right - left,
  body_scroll: body.scrollWidth,
  body_client: body.clientWidth,
  elements: found,
}));
"""
_ATTRIBUTE = re.compile(r'data-measure="([^"]*)"')


def find() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Layout:
    content: float  # px, the width of the comment body's content box
    body_scroll: int
    body_client: int
    elements: tuple[dict[str, Any], ...]

    @property
    def widest(self) -> float:
        """How far right tables and code reach, in px from the content box's left edge: a
        table's or a scrolling code block's full width, the end of the longest code line
        (blocks of text always fill the box, so they say nothing)."""
        ends = [
            e["left"] + e["scroll"] if e["tag"] != "code" else e["right"]
            for e in self.elements
            if e["tag"] == "code" or e["tag"] == "table" or e["scroll"] > e["client"]
        ]
        return max(ends, default=0.0)

    def overflowing(self, slack: float = 0.5) -> list[str]:
        """What sticks out of the content box or scrolls sideways, described."""
        out = []
        if self.body_scroll > self.body_client:
            out.append(f"the comment body scrolls: {self.body_scroll} > {self.body_client} px")
        for e in self.elements:
            if e["contained"]:  # its table or code block says so
                continue
            scrolls = e["tag"] in ("table", "pre") and e["scroll"] > e["client"] + slack
            if e["right"] > self.content + slack or scrolls:
                out.append(
                    f"<{e['tag']}> right edge {e['right']:.0f} px, {e['scroll']} px wide in "
                    f"{e['client']} px (content {self.content:.0f} px): {e['text'][:60]!r}"
                )
        return out


def lay_out(binary: str, markdown: str, workdir: Path) -> Layout:
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / "comment.html"
    target.write_text(page(markdown, MEASURE), encoding="utf-8")
    command = [
        binary,
        "--headless",
        "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={workdir / 'profile'}",
        "--window-size=1280,2000",
        "--dump-dom",
        target.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    match = _ATTRIBUTE.search(result.stdout)
    if match is None:
        raise AssertionError(
            f"chromium printed no measurements (exit {result.returncode}): {result.stderr[-2000:]}"
        )
    data = json.loads(html.unescape(match[1]))
    return Layout(
        data["content"], data["body_scroll"], data["body_client"], tuple(data["elements"])
    )
