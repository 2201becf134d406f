"""Convert a Teams message body (Graph ``chatMessage`` HTML) to Markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdownify import MarkdownConverter

from .base import Attachment

_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass(slots=True)
class ConvertedBody:
    """Markdown text plus the inline images found in the HTML."""

    text: str
    images: list[Attachment] = field(default_factory=list)


class _TeamsConverter(MarkdownConverter):  # type: ignore[misc]
    """markdownify with Teams' own tags: ``<at>``, ``<emoji>``, ``<codeblock>``, images."""

    def __init__(self, mentions: dict[str, str], **options: Any) -> None:
        super().__init__(**options)
        self.mentions = mentions
        self.images: list[Attachment] = []

    def convert_at(self, el: Any, text: str, parent_tags: set[str]) -> str:
        name = self.mentions.get(str(el.get("id", "")), "") or text.strip()
        return f"@{name}" if name else ""

    def convert_emoji(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return str(el.get("alt") or el.get("title") or text)

    def convert_codeblock(self, el: Any, text: str, parent_tags: set[str]) -> str:
        code = el.get_text()
        return f"\n\n```\n{code.strip(chr(10))}\n```\n\n"

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # Hosted images are not in the export; keep a link to them as an attachment.
        src = el.get("src")
        if isinstance(src, str) and src:
            alt = el.get("alt")
            name = alt if isinstance(alt, str) and alt else f"image {len(self.images) + 1}"
            self.images.append(Attachment(name=name, url=src, mime="image/*"))
        return ""

    def convert_attachment(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return ""  # a placeholder for an entry of `attachments`, listed separately

    def convert_systemeventmessage(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return ""


def html_to_markdown(html: str, mentions: dict[str, str]) -> ConvertedBody:
    """Markdown for a Teams HTML body; ``<at id>`` becomes ``@Name`` from `mentions`."""
    converter = _TeamsConverter(mentions, heading_style="ATX", bullets="-")
    # Wrapping keeps BeautifulSoup from warning that a bare URL "looks like a locator".
    text = converter.convert(f"<div>{html}</div>")
    text = _BLANK_RUN.sub("\n\n", text.replace("\u00a0", " ")).strip()
    return ConvertedBody(text=text, images=converter.images)
