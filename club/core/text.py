"""Markdown written by the club manager, rendered to safe HTML."""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


HEADING = re.compile(r"<(/?)h([1-6])\b")


def _headings_below_the_title(html: str) -> str:
    """The text's headings as levels under the page's h1: its top level becomes h2, the
    next h3, then h4, without gaps (screen readers navigate by heading levels)."""
    levels = sorted({int(level) for _slash, level in HEADING.findall(html)})
    new_level = {level: min(2 + rank, 4) for rank, level in enumerate(levels)}
    return HEADING.sub(lambda m: f"<{m.group(1)}h{new_level[int(m.group(2))]}", html)


def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML with everything but plain formatting and links removed."""
    html = markdown_lib.markdown(text or "", extensions=["tables", "sane_lists"])
    html = _headings_below_the_title(html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)
