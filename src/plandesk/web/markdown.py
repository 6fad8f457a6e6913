"""Markdown to HTML for pages: rendered by markdown-it, then sanitised by nh3 (agents write these bodies)."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Agents and imports write raw HTML into Markdown; it is parsed, then everything not on these lists goes.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "details",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "samp",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}
# No javascript:, data: or vbscript: links; relative links stay (they point into this workspace).
URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def to_safe_html(source: str | None) -> str:
    """Markdown (maybe holding HTML) → HTML that can go into a page as is."""
    if not source:
        return ""
    return _cleaner.clean(_parser.render(source))


def render(source: str | None) -> Markup:
    """The Jinja filter `md`."""
    return Markup(to_safe_html(source))
