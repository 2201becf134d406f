"""Convert Slack mrkdwn to Markdown, resolving user, channel and group mentions."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Code first so that tokens and emphasis inside code are left alone.
_PROTECTED = re.compile(r"```(?P<block>.*?)```|`(?P<span>[^`\n]+)`|<(?P<token>[^<>\n]*)>", re.S)
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")
_MARKS = {"*": "**", "_": "*", "~": "~~"}
_SPECIALS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
_HOLE = "\ue000"
_HOLE_RE = re.compile("\ue000(\\d+)\ue001")
# The cheap test that lets plain messages skip the conversion entirely.
_NEEDS_WORK = re.compile(r"[<&*_~`]")


def unescape(text: str) -> str:
    """Undo Slack's escaping of exactly ``&``, ``<`` and ``>``."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _label(text: str) -> str:
    return unescape(text).replace("[", "\\[").replace("]", "\\]")


def resolve_token(
    token: str, users: Mapping[str, str], channels: Mapping[str, str]
) -> str:
    """The Markdown for one ``<...>`` token (without the angle brackets)."""
    target, _, label = token.partition("|")
    if target.startswith("@"):
        uid = target[1:]
        name = users.get(uid) or unescape(label) or uid
        return "@" + name
    if target.startswith("#"):
        cid = target[1:]
        name = channels.get(cid) or unescape(label) or cid
        return "#" + name
    if target.startswith("!"):
        command = target[1:]
        if command in _SPECIALS:
            return _SPECIALS[command]
        if command.startswith("subteam^"):
            handle = unescape(label) or command.partition("^")[2]
            return handle if handle.startswith("@") else "@" + handle
        # <!date^...|fallback> and other commands: the fallback text is what people saw.
        return unescape(label) or "@" + command.partition("^")[0]
    url = unescape(target)
    if label:
        return f"[{_label(label)}]({url})"
    if url.startswith("mailto:"):
        return f"[{url[7:]}]({url})"
    return url


def _code_block(body: str) -> str:
    body = unescape(body)
    if "\n" not in body:
        return f"```{body}```"
    # Slack lets text touch the fences ("```a\nb```"); Markdown needs them on own lines.
    return "\n```\n" + body.strip("\n") + "\n```\n"


def _emphasis(match: re.Match[str]) -> str:
    mark = _MARKS[match.group(1)]
    return mark + _EMPHASIS.sub(_emphasis, match.group(2)) + mark


def to_markdown(
    text: str, users: Mapping[str, str], channels: Mapping[str, str]
) -> str:
    """Slack mrkdwn `text` as Markdown, with ids replaced by names from the given maps."""
    if not text or not _NEEDS_WORK.search(text):
        return text
    holes: list[str] = []

    def protect(match: re.Match[str]) -> str:
        if match.group("block") is not None:
            out = _code_block(match.group("block"))
        elif match.group("span") is not None:
            out = "`" + unescape(match.group("span")) + "`"
        else:
            out = resolve_token(match.group("token"), users, channels)
        holes.append(out)
        return f"{_HOLE}{len(holes) - 1}\ue001"

    work = _PROTECTED.sub(protect, text)
    work = _EMPHASIS.sub(_emphasis, work)
    work = unescape(work)
    if holes:
        work = _HOLE_RE.sub(lambda m: holes[int(m.group(1))], work)
    if work.startswith("\n```"):
        work = work[1:]
    return work.rstrip("\n") if text[-1:] != "\n" else work
