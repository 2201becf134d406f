"""Import Discord channels exported by DiscordChatExporter (JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ..kinds import guess_kind
from .base import Attachment, ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .registry import register
from .teams import load_json
from .timeparse import parse_iso

_CHAT_TYPES = {"Default": "message", "Reply": "reply"}
# Membership and cosmetic changes say nothing about the incident.
_SKIPPED_TYPES = {
    "RecipientAdd": "member added",
    "RecipientRemove": "member removed",
    "GuildMemberJoin": "member joined",
    "ChannelIconChange": "channel icon change",
}
_MAX_SNOWFLAKE = 2**64


class _Path:
    """Typed access to one object's keys; errors name the file and the field path."""

    def __init__(self, file: str, path: str) -> None:
        self.file, self.path = file, path

    def fail(self, key: str, message: str) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, field=f"{self.path}.{key}")

    def text(self, obj: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing")
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {type(value).__name__}")
        return value

    def snowflake(self, obj: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_SNOWFLAKE:
            return str(value)  # older exports wrote numbers; ids stay strings here
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(key, "expected an id string")
        return value

    def obj(self, obj: dict[str, Any], key: str) -> dict[str, Any]:
        value = obj.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected an object, got {type(value).__name__}")
        return value

    def items(self, obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "expected a list of objects")
        return value


def _attachments(msg: dict[str, Any], at: _Path) -> list[Attachment]:
    out: list[Attachment] = []
    for item in at.items(msg, "attachments"):
        url = item.get("url") if isinstance(item.get("url"), str) else None
        name = item.get("fileName") if isinstance(item.get("fileName"), str) else None
        out.append(Attachment(name=name or url or "attachment", url=url))
    for item in at.items(msg, "stickers"):
        name = item.get("name") if isinstance(item.get("name"), str) else "sticker"
        url = item.get("sourceUrl") if isinstance(item.get("sourceUrl"), str) else None
        out.append(Attachment(name=f"sticker: {name}", url=url))
    return out


def _embed_text(msg: dict[str, Any], at: _Path) -> str:
    """Text of the embeds, used only when the message has no text of its own (bots)."""
    parts: list[str] = []
    for embed in at.items(msg, "embeds"):
        title, desc, url = embed.get("title"), embed.get("description"), embed.get("url")
        if isinstance(title, str) and title:
            parts.append(f"[{title}]({url})" if isinstance(url, str) and url else title)
        if isinstance(desc, str) and desc:
            parts.append(desc)
    return "\n\n".join(parts)


@register
class DiscordImporter:
    """One DiscordChatExporter JSON file (a channel, DM, group or thread)."""

    name: ClassVar[str] = "discord"
    label: ClassVar[str] = "Discord channel (DiscordChatExporter JSON)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 40

    def sniff(self, source: Source) -> bool:
        """A JSON object with DCE's ``guild``, ``channel`` and ``messages`` keys."""
        try:
            head = source.head(16384).lstrip(b"\xef\xbb\xbf \t\r\n")
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        return head[:1] == b"{" and all(
            key in head for key in (b'"guild"', b'"channel"', b'"messages"'))

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per message; joins and icon changes are skipped with reasons."""
        file = source.name
        data = load_json(source)
        if not isinstance(data, dict):
            raise ImportFormatError(
                "expected a DiscordChatExporter JSON object", file=file, field="$")
        top = _Path(file, "$")
        channel = top.obj(data, "channel")
        chan = _Path(file, "channel")
        channel_id = chan.snowflake(channel, "id", required=True)
        channel_name = chan.text(channel, "name") or channel_id
        messages = data.get("messages")
        if not isinstance(messages, list):
            raise ImportFormatError("expected a list", file=file, field="messages")
        report.channels_seen[channel_name] += len(messages)
        if options.channels is not None and not ({channel_name, channel_id} & options.channels):
            report.skip("channel not selected")
            return
        seen: set[str] = set()
        for i, msg in enumerate(messages):
            at = _Path(file, f"messages[{i}]")
            if not isinstance(msg, dict):
                raise ImportFormatError("expected a message object", file=file, field=at.path)
            event = self._event(msg, at, channel_id, channel_name, report)
            if event is None:
                continue
            if event.source_id in seen:
                report.skip("duplicate message id")
                continue
            seen.add(event.source_id)
            yield event

    def _event(
        self, msg: dict[str, Any], at: _Path, channel_id: str, channel_name: str,
        report: ParseReport,
    ) -> NormalizedEvent | None:
        msg_id = at.snowflake(msg, "id", required=True)
        mtype = at.text(msg, "type") or "Default"
        if mtype in _SKIPPED_TYPES:
            report.skip(_SKIPPED_TYPES[mtype])
            return None
        occurred = parse_iso(at.text(msg, "timestamp", required=True) or "",
                             file=at.file, field=f"{at.path}.timestamp")
        edited_at = at.text(msg, "timestampEdited")
        author = at.obj(msg, "author")
        who = _Path(at.file, f"{at.path}.author")
        author_id = who.snowflake(author, "id")
        nickname, username = who.text(author, "nickname"), who.text(author, "name")
        author_name = nickname or username
        content = at.text(msg, "content") or ""
        text = content or _embed_text(msg, at)
        reference = at.obj(msg, "reference")
        ref = _Path(at.file, f"{at.path}.reference")
        parent = ref.snowflake(reference, "messageId")
        parent_channel = ref.snowflake(reference, "channelId") or channel_id
        if mtype in _CHAT_TYPES:
            event_type = "reply" if parent else _CHAT_TYPES[mtype]
            kind = guess_kind(text)
        else:
            # Pins, calls, renames, thread creation: kept, marked as system events.
            event_type = "system"
            kind = "communication" if mtype == "Call" else "other"
            text = text or mtype
        return NormalizedEvent(
            source=self.name,
            source_id=f"{channel_id}:{msg_id}",
            occurred_at=occurred,
            text=text,
            text_original=content,
            author_id=author_id,
            author_name=author_name,
            thread_ref=f"{parent_channel}:{parent}" if parent else None,
            edited=bool(edited_at),
            attachments=tuple(_attachments(msg, at)),
            kind=kind,
            event_type=event_type,
            channel=channel_name,
            raw=msg,
        )
