"""A comment's Markdown as GitHub shows it: GFM (markdown-it-py with tables and strikethrough,
line breaks kept as GitHub does in comments), GitHub's HTML sanitizer rules, GitHub's
stylesheet, in a 900 px comment body with every `<details>` opened."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import urlparse

from markdown_it import MarkdownIt

from support import DATA

STYLESHEET = DATA / "github-comment" / "github-markdown-light.css"
COMMENT_WIDTH = 900  # px, the comment box
COMMENT_PADDING = 16  # px, GitHub's padding of a comment's body
COMMENT_BORDER = 1  # px

# GitHub's sanitizer allowlist: html-pipeline's SanitizationFilter::WHITELIST (elements,
# attributes, `a href` schemes), which GitHub's own filter follows for comments.
ELEMENTS = frozenset(
    [
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "h7",
        "h8",
        "br",
        "b",
        "i",
        "strong",
        "em",
        "a",
        "pre",
        "code",
        "img",
        "tt",
        "div",
        "ins",
        "del",
        "sup",
        "sub",
        "p",
        "ol",
        "ul",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "blockquote",
        "dl",
        "dt",
        "dd",
        "kbd",
        "q",
        "samp",
        "var",
        "hr",
        "ruby",
        "rt",
        "rp",
        "li",
        "tr",
        "td",
        "th",
        "s",
        "strike",
        "summary",
        "details",
    ]
)
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "longdesc"},
    "div": {"itemscope", "itemtype"},
    "blockquote": {"cite"},
    "del": {"cite"},
    "ins": {"cite"},
    "q": {"cite"},
}
ANY_ELEMENT = frozenset(
    [
        "abbr",
        "accept",
        "accept-charset",
        "accesskey",
        "action",
        "align",
        "alt",
        "axis",
        "border",
        "cellpadding",
        "cellspacing",
        "char",
        "charoff",
        "charset",
        "checked",
        "clear",
        "cols",
        "colspan",
        "color",
        "compact",
        "coords",
        "datetime",
        "dir",
        "disabled",
        "enctype",
        "for",
        "frame",
        "headers",
        "height",
        "hreflang",
        "hspace",
        "ismap",
        "label",
        "lang",
        "maxlength",
        "media",
        "method",
        "multiple",
        "name",
        "nohref",
        "noshade",
        "nowrap",
        "open",
        "prompt",
        "readonly",
        "rel",
        "rev",
        "rows",
        "rowspan",
        "rules",
        "scope",
        "selected",
        "shape",
        "size",
        "span",
        "start",
        "summary",
        "tabindex",
        "target",
        "title",
        "type",
        "usemap",
        "valign",
        "value",
        "vspace",
        "width",
        "itemprop",
    ]
)
HREF_SCHEMES = frozenset({"http", "https", "mailto", ""})  # "": a relative link
REMOVE_CONTENTS = frozenset({"script"})
VOID = frozenset({"br", "img", "hr"})


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in REMOVE_CONTENTS:
            self.skipping += 1
        if self.skipping or tag not in ELEMENTS:
            return
        kept = []
        for name, value in attrs:
            if name not in ANY_ELEMENT and name not in ATTRIBUTES.get(tag, ()):
                continue
            if name == "href" and urlparse(value or "").scheme not in HREF_SCHEMES:
                continue
            kept.append(f" {name}" if value is None else f' {name}="{html.escape(value)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in REMOVE_CONTENTS:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in REMOVE_CONTENTS:
            self.skipping = max(self.skipping - 1, 0)
            return
        if not self.skipping and tag in ELEMENTS and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        if not self.skipping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.skipping:
            self.out.append(f"&#{name};")


def sanitize(fragment: str) -> str:
    """Only the elements and attributes GitHub lets through; others' text stays."""
    parser = _Sanitizer()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)


def to_html(markdown: str) -> str:
    gfm = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(
        ["table", "strikethrough"]
    )
    return sanitize(gfm.render(markdown))


def page(markdown: str, script: str) -> str:
    """A page holding the comment as GitHub lays it out, with every `<details>` open (as a
    reader who opens them all sees it), then `script`."""
    body = to_html(markdown).replace("<details>", "<details open>")
    frame = f"""
      body {{ margin: 0; background: #ffffff; }}
      .comment {{ width: {COMMENT_WIDTH}px; box-sizing: border-box;
                 border: {COMMENT_BORDER}px solid #d0d7de; border-radius: 6px; }}
      .comment > .markdown-body {{ padding: {COMMENT_PADDING}px; box-sizing: border-box; }}
    """
    return f"""<!doctype html>
<html><head><meta charset="utf-8">
<style>{STYLESHEET.read_text(encoding="utf-8")}</style>
<style>{frame}</style>
</head><body>
<div class="comment"><div class="markdown-body" id="comment">
{body}
</div></div>
<script>{script}</script>
</body></html>
"""
