"""Import Microsoft Teams messages: Graph ``chatMessage`` JSON (list, response or channel)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from ..kinds import guess_kind
from .base import Attachment, ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .registry import register
from .teams_html import html_to_markdown
from .timeparse import parse_iso

_SYSTEM_TYPES = {"systemEventMessage", "unknownFutureValue", "chatEvent"}
_CALL_EVENTS = ("call", "meeting")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def load_json(source: Source) -> Any:
    """Parse the whole source as JSON; errors name the line and column."""
    data = source.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"not UTF-8 ({exc.reason})", file=source.name, position=exc.start
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"invalid JSON: {exc.msg}", file=source.name, line=exc.lineno, position=exc.colno
        ) from None
    except (ValueError, RecursionError) as exc:  # huge integers, absurd nesting
        raise ImportFormatError(
            f"invalid JSON: {exc}"[:200], file=source.name, field="$") from None


class _Fields:
    """Typed access to one message's keys; every error names the file and field path."""

    def __init__(self, file: str, path: str) -> None:
        self.file = file
        self.path = path

    def fail(self, key: str, message: str) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, field=f"{self.path}.{key}")

    def get(self, obj: dict[str, Any], key: str, kind: type | tuple[type, ...],
            *, required: bool = False) -> Any:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing")
            return None
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(key, f"expected {_type_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(key, f"expected {_type_name(kind)}, got {type(value).__name__}")
        return value


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {dict: "an object", list: "a list", str: "a string", int: "a number"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _identity(value: Any) -> tuple[str | None, str | None]:
    """(id, displayName) of a Graph identitySet: user, else application, else device."""
    if not isinstance(value, dict):
        return None, None
    for key in ("user", "application", "device"):
        who = value.get(key)
        if isinstance(who, dict):
            ident = who.get("id")
            name = who.get("displayName")
            return (
                str(ident) if isinstance(ident, str | int) and not isinstance(ident, bool)
                else None,
                name if isinstance(name, str) else None,
            )
    return None, None


def _messages(data: Any, file: str) -> list[tuple[str, dict[str, Any]]]:
    """Every message with its path, replies (nested under ``replies``) after their root."""
    if isinstance(data, dict) and "value" in data:
        items, base = data["value"], "value"
    elif isinstance(data, dict) and "messageType" in data:
        items, base = [data], "message"
    elif isinstance(data, list):
        items, base = data, ""
    else:
        raise ImportFormatError(
            "expected a Graph chatMessage list: {\"value\": [...]} or [...]",
            file=file, field="$",
        )
    if not isinstance(items, list):
        raise ImportFormatError("expected a list", file=file, field=base)
    out: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(items):
        path = f"{base}[{i}]"
        if not isinstance(item, dict):
            raise ImportFormatError("expected a message object", file=file, field=path)
        out.append((path, item))
        replies = item.get("replies")
        if replies is None:
            continue
        if not isinstance(replies, list):
            raise ImportFormatError("expected a list", file=file, field=f"{path}.replies")
        for j, reply in enumerate(replies):
            rpath = f"{path}.replies[{j}]"
            if not isinstance(reply, dict):
                raise ImportFormatError("expected a message object", file=file, field=rpath)
            if reply.get("replyToId") is None:
                reply = {**reply, "replyToId": item.get("id")}
            out.append((rpath, reply))
    return out


def _name_map(messages: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """AAD id -> display name from every place a name appears (Graph often omits it)."""
    names: dict[str, str] = {}

    def note(identity: Any) -> None:
        ident, name = _identity(identity)
        if ident and name:
            names.setdefault(ident, name)

    for _, msg in messages:
        note(msg.get("from"))
        mentions = msg.get("mentions")
        for m in mentions if isinstance(mentions, list) else ():
            if isinstance(m, dict):
                note(m.get("mentioned"))
        reactions = msg.get("reactions")
        for r in reactions if isinstance(reactions, list) else ():
            if isinstance(r, dict):
                note(r.get("user"))
    return names


def _system_text(detail: dict[str, Any], names: dict[str, str]) -> str:
    """A sentence describing a system event from its ``eventDetail``."""
    odata = detail.get("@odata.type")
    kind = odata.rsplit(".", 1)[-1] if isinstance(odata, str) else "systemEvent"
    kind = kind.removesuffix("EventMessageDetail") or "systemEvent"
    words = _CAMEL.sub(" ", kind).lower()
    sentence = words[:1].upper() + words[1:]
    extra: list[str] = []
    for key in ("teamDescription", "teamDisplayName", "channelDisplayName", "chatDisplayName",
                "callDuration"):
        value = detail.get(key)
        if isinstance(value, str) and value:
            extra.append(value)
    members = detail.get("members")
    if isinstance(members, list):
        who = [names.get(str(m.get("id")), str(m.get("id"))) for m in members
               if isinstance(m, dict) and m.get("id") is not None]
        if who:
            extra.append(", ".join(who))
    return f"{sentence}: {'; '.join(extra)}" if extra else sentence


def _attachments(msg: dict[str, Any], fields: _Fields) -> list[Attachment]:
    out: list[Attachment] = []
    items = fields.get(msg, "attachments", list) or []
    for i, att in enumerate(items):
        if not isinstance(att, dict):
            raise fields.fail(f"attachments[{i}]", "expected an object")
        ctype = att.get("contentType")
        if ctype == "messageReference":
            continue  # a quoted reply, not a file
        name, url = att.get("name"), att.get("contentUrl")
        url = url if isinstance(url, str) and url else None
        name = name if isinstance(name, str) and name else (url or "attachment")
        mime = ctype if isinstance(ctype, str) and "/" in ctype else None
        out.append(Attachment(name=name, url=url, mime=mime))
    return out


def _mentions(msg: dict[str, Any], fields: _Fields, names: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, m in enumerate(fields.get(msg, "mentions", list) or []):
        if not isinstance(m, dict):
            raise fields.fail(f"mentions[{i}]", "expected an object")
        ident, name = _identity(m.get("mentioned"))
        text = m.get("mentionText")
        resolved = name or (names.get(ident) if ident else None) or (
            text if isinstance(text, str) else None)
        if resolved and m.get("id") is not None:
            out[str(m.get("id"))] = resolved
    return out


@register
class TeamsImporter:
    """Microsoft Teams messages as returned by Microsoft Graph."""

    name: ClassVar[str] = "teams"
    label: ClassVar[str] = "Microsoft Teams messages (Graph chatMessage JSON)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 40

    def sniff(self, source: Source) -> bool:
        """A JSON document mentioning Graph's ``messageType`` and ``createdDateTime``."""
        try:
            head = source.head(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        return head[:1] in (b"{", b"[") and b'"messageType"' in head and (
            b'"createdDateTime"' in head)

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per message or system event; deleted messages are skipped."""
        data = load_json(source)
        messages = _messages(data, source.name)
        paged = isinstance(data, dict) and "@odata.nextLink" in data
        if paged or any("replies@odata.nextLink" in m for _, m in messages):
            # Graph pages results: this file is only part of the conversation.
            report.warn(f"{source.name}: Graph response has more pages (@odata.nextLink); "
                        "fetch them all for a complete timeline")
        names = _name_map(messages)
        for path, msg in messages:
            event = self._event(source.name, path, msg, names, report)
            if event is None:
                continue
            report.channels_seen[event.channel or ""] += 1
            if options.channels is not None and event.channel not in options.channels:
                report.skip("channel not selected")
                continue
            yield event

    def _event(
        self, file: str, path: str, msg: dict[str, Any], names: dict[str, str],
        report: ParseReport,
    ) -> NormalizedEvent | None:
        fields = _Fields(file, path)
        msg_id = fields.get(msg, "id", (str, int), required=True)
        mtype = fields.get(msg, "messageType", str) or "message"
        if fields.get(msg, "deletedDateTime", str):
            report.skip("deleted message")
            return None
        if mtype == "typing":
            report.skip("typing indicator")
            return None
        occurred = parse_iso(fields.get(msg, "createdDateTime", str, required=True),
                             file=file, field=f"{path}.createdDateTime")
        channel_identity = fields.get(msg, "channelIdentity", dict) or {}
        channel = channel_identity.get("channelId") or fields.get(msg, "chatId", str)
        channel = channel if isinstance(channel, str) else None
        prefix = f"{channel}:" if channel else ""
        reply_to = fields.get(msg, "replyToId", (str, int))
        detail = fields.get(msg, "eventDetail", dict)
        body = fields.get(msg, "body", dict) or {}
        content = body.get("content")
        if content is not None and not isinstance(content, str):
            raise fields.fail("body.content", "expected a string")
        content = content or ""
        author_id, author_name = _identity(msg.get("from"))
        if mtype in _SYSTEM_TYPES or detail is not None or "<systemEventMessage" in content:
            initiator_id, initiator_name = _identity((detail or {}).get("initiator"))
            author_id = author_id or initiator_id
            author_name = author_name or initiator_name
            text = _system_text(detail or {}, names)
            call = any(word in text.lower() for word in _CALL_EVENTS)
            event_type, kind, attachments = "system", "communication" if call else "other", []
        else:
            if body.get("contentType", "text") == "html":
                try:
                    converted = html_to_markdown(content, _mentions(msg, fields, names))
                except RecursionError:
                    raise fields.fail("body.content", "HTML nested too deeply") from None
                text, attachments = converted.text, converted.images
            else:
                text, attachments = content, []
            attachments += _attachments(msg, fields)
            subject = fields.get(msg, "subject", str)
            if subject:
                text = f"**{subject.strip()}**\n\n{text}".strip()
            event_type = "reply" if reply_to is not None else "message"
            kind = guess_kind(text)
        if author_name is None and author_id:
            author_name = names.get(author_id)
        return NormalizedEvent(
            source=self.name,
            source_id=f"{prefix}{msg_id}",
            occurred_at=occurred,
            text=text,
            text_original=content,
            author_id=author_id,
            author_name=author_name,
            thread_ref=f"{prefix}{reply_to}" if reply_to is not None else None,
            edited=bool(fields.get(msg, "lastEditedDateTime", str)),
            attachments=tuple(attachments),
            kind=kind,
            event_type=event_type,
            channel=channel,
            raw=msg,
        )
