"""Render untrusted Markdown to safe HTML (raw HTML off, then an explicit allow-list)."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default" turns raw HTML off; nh3 then removes anything a future preset lets by.
    return MarkdownIt("js-default")


# Texts up to this many characters are cached (timeline events, short fields): a
# 500-event incident page re-rendered the same Markdown on every view, a third of its time.
_CACHED_CHARS = 2048


def markdown_to_html(text: str | None) -> str:
    """Markdown to sanitised HTML as a plain string."""
    if not text:
        return ""
    if len(text) <= _CACHED_CHARS:
        return _cached_html(text)
    return _to_html(text)


@lru_cache(maxsize=4096)
def _cached_html(text: str) -> str:
    # Keyed by the text itself, so an edited event simply misses; bounded to a few MB.
    return _to_html(text)


def _to_html(text: str) -> str:
    html = _parser().render(text)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML, marked safe for Jinja."""
    return Markup(markdown_to_html(text))  # noqa: S704 - sanitised just above
