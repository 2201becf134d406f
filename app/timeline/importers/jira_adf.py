"""Convert Jira bodies to Markdown: ADF documents (REST v3) and wiki markup (REST v2).

Both converters are total: any JSON value or string gives some Markdown and the
attachments it references; nodes they do not know degrade to their text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .base import Attachment

# Deeper documents are cut off: recursion must stay far below Python's limit.
_MAX_DEPTH = 60

_PANEL_LABELS = {
    "info": "Info", "note": "Note", "warning": "Warning", "error": "Error",
    "success": "Success", "tip": "Tip",
}


def adf_to_markdown(doc: Any) -> tuple[str, tuple[Attachment, ...]]:
    """Render an Atlassian Document Format value as Markdown plus its media placeholders."""
    out = _Renderer()
    text = out.blocks(doc if isinstance(doc, dict) and doc.get("type") == "doc" else {
        "content": [doc]}, 0)
    return text.strip("\n"), tuple(out.attachments)


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    content = node.get("content")
    if not isinstance(content, list):
        return []
    return [c for c in content if isinstance(c, dict)]


def _text_attr(attrs: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
            return str(value)
    return ""


class _Renderer:
    """Walk one ADF tree, collecting media as attachments."""

    def __init__(self) -> None:
        self.attachments: list[Attachment] = []

    def blocks(self, node: dict[str, Any], depth: int) -> str:
        parts = [self.block(child, depth + 1) for child in _children(node)]
        return "\n\n".join(p for p in parts if p.strip())

    def block(self, node: dict[str, Any], depth: int) -> str:
        if depth > _MAX_DEPTH:
            return ""
        kind = node.get("type")
        attrs = _attrs(node)
        if kind == "paragraph":
            return self.inline(node, depth).rstrip()
        if kind == "heading":
            level = attrs.get("level")
            level = level if isinstance(level, int) and 1 <= level <= 6 else 1
            return "#" * level + " " + self.inline(node, depth)
        if kind in ("bulletList", "orderedList", "taskList", "decisionList"):
            return self.list_block(node, depth)
        if kind == "codeBlock":
            lang = _text_attr(attrs, "language")
            body = "".join(
                str(c.get("text", "")) for c in _children(node) if c.get("type") == "text"
            )
            return f"```{lang}\n{body.rstrip(chr(10))}\n```"
        if kind == "blockquote":
            return _quote(self.blocks(node, depth))
        if kind == "panel":
            label = _PANEL_LABELS.get(_text_attr(attrs, "panelType"), "Note")
            return _quote(f"**{label}:** " + self.blocks(node, depth))
        if kind in ("expand", "nestedExpand"):
            title = _text_attr(attrs, "title")
            body = self.blocks(node, depth)
            return f"**{title}**\n\n{body}" if title else body
        if kind == "rule":
            return "---"
        if kind == "table":
            return self.table(node, depth)
        if kind in ("mediaSingle", "mediaGroup"):
            return "\n".join(self.media(c) for c in _children(node) if c.get("type") == "media")
        if kind == "media":
            return self.media(node)
        if kind == "blockCard" or kind == "embedCard":
            url = _text_attr(attrs, "url")
            return f"<{url}>" if url else ""
        if kind in ("text", "hardBreak", "mention", "emoji", "inlineCard", "status", "date"):
            return self.inline({"content": [node]}, depth)
        # Unknown block: keep whatever text it holds.
        if any(c.get("type") in ("text", "mention", "emoji", "hardBreak") for c in _children(node)):
            return self.inline(node, depth)
        if "text" in node:
            return str(node.get("text") or "")
        return self.blocks(node, depth)

    def list_block(self, node: dict[str, Any], depth: int) -> str:
        kind = node.get("type")
        start = _attrs(node).get("order")
        number = start if isinstance(start, int) and 0 <= start < 10**9 else 1
        lines: list[str] = []
        for item in _children(node):
            if kind == "orderedList":
                marker = f"{number}. "
                number += 1
            elif kind in ("taskList", "decisionList"):
                done = _attrs(item).get("state") in ("DONE", "DECIDED")
                marker = "- [x] " if done else "- [ ] "
            else:
                marker = "- "
            if item.get("type") in ("taskItem", "decisionItem"):
                body = self.inline(item, depth + 1)
            else:
                body = "\n".join(
                    b for b in (self.block(c, depth + 2) for c in _children(item)) if b.strip()
                )
            pad = " " * len(marker)
            body_lines = body.split("\n") or [""]
            lines.append(marker + body_lines[0])
            lines.extend(pad + line if line else "" for line in body_lines[1:])
        return "\n".join(lines)

    def table(self, node: dict[str, Any], depth: int) -> str:
        rows: list[list[str]] = []
        for row in _children(node):
            cells = [
                " ".join(self.blocks(cell, depth + 2).split()).replace("|", "\\|")
                for cell in _children(row)
            ]
            rows.append(cells)
        if not rows:
            return ""
        width = max(len(r) for r in rows) or 1
        rows = [r + [""] * (width - len(r)) for r in rows]
        out = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
        return "\n".join(out)

    def media(self, node: dict[str, Any]) -> str:
        attrs = _attrs(node)
        name = _text_attr(attrs, "alt", "id") or "attachment"
        url = _text_attr(attrs, "url") or None
        self.attachments.append(Attachment(name=name, url=url))
        return f"[attachment: {name}]"

    def inline(self, node: dict[str, Any], depth: int) -> str:
        if depth > _MAX_DEPTH:
            return ""
        out: list[str] = []
        for child in _children(node):
            kind = child.get("type")
            attrs = _attrs(child)
            if kind == "text":
                out.append(_marked(str(child.get("text") or ""), child.get("marks")))
            elif kind == "hardBreak":
                out.append("  \n")
            elif kind == "mention":
                name = _text_attr(attrs, "text", "id")
                out.append(name if name.startswith("@") else "@" + name)
            elif kind == "emoji":
                out.append(_text_attr(attrs, "text", "shortName"))
            elif kind == "inlineCard":
                url = _text_attr(attrs, "url")
                out.append(f"<{url}>" if url else "")
            elif kind == "status":
                out.append(f"`{_text_attr(attrs, 'text')}`")
            elif kind == "date":
                out.append(_date_text(attrs.get("timestamp")))
            elif kind == "media" or kind == "mediaInline":
                out.append(self.media(child))
            else:
                out.append(str(child.get("text") or "") or self.inline(child, depth + 1))
        return "".join(out)


def _marked(text: str, marks: Any) -> str:
    if not text or not isinstance(marks, list):
        return text
    names = {
        m["type"]: _attrs(m)
        for m in marks if isinstance(m, dict) and isinstance(m.get("type"), str)
    }
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    core = text.strip()
    if not core:
        return text
    if "code" in names:
        core = f"`{core}`"
    if "strike" in names:
        core = f"~~{core}~~"
    if "em" in names:
        core = f"*{core}*"
    if "strong" in names:
        core = f"**{core}**"
    href = _text_attr(names.get("link", {}), "href")
    if href:
        core = f"[{core}]({href})"
    return lead + core + trail


def _date_text(value: Any) -> str:
    try:
        millis = int(str(value))
        return datetime.fromtimestamp(millis / 1000, UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return str(value or "")


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


_WIKI_CODE = re.compile(r"\{(code|noformat)(?::([^}]*))?\}(.*?)\{\1\}", re.S)
_WIKI_HEADING = re.compile(r"^h([1-6])\.\s+", re.M)
_WIKI_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])")
_WIKI_LINK = re.compile(r"\[([^\]|\n]+)\|([^\]\s]+)\]")
_WIKI_BARE_LINK = re.compile(r"\[((?:https?|mailto):[^\]\s]+)\]")
_WIKI_MENTION = re.compile(r"\[~(?:accountid:)?([^\]\s]+)\]")
_WIKI_MONO = re.compile(r"\{\{(.+?)\}\}")


def wiki_to_markdown(text: str) -> str:
    """Lightly convert Jira wiki markup: code blocks, headings, bold, links, mentions."""
    out: list[str] = []
    pos = 0
    for match in _WIKI_CODE.finditer(text):
        out.append(_wiki_inline(text[pos:match.start()]))
        lang = ""
        if match.group(1) == "code" and match.group(2):
            lang = match.group(2).split("|")[0].strip()
            lang = "" if "=" in lang else lang
        out.append(f"\n```{lang}\n{match.group(3).strip(chr(10))}\n```\n")
        pos = match.end()
    out.append(_wiki_inline(text[pos:]))
    return "".join(out).strip("\n")


def _wiki_inline(text: str) -> str:
    text = _WIKI_HEADING.sub(lambda m: "#" * int(m.group(1)) + " ", text)
    text = _WIKI_MONO.sub(lambda m: f"`{m.group(1)}`", text)
    text = _WIKI_MENTION.sub(lambda m: "@" + m.group(1), text)
    text = _WIKI_LINK.sub(lambda m: f"[{m.group(1)}]({m.group(2)})", text)
    text = _WIKI_BARE_LINK.sub(lambda m: f"<{m.group(1)}>", text)
    return _WIKI_BOLD.sub(lambda m: f"**{m.group(1)}**", text)
