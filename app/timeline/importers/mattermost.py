"""Import a Mattermost bulk export (JSON Lines, plain or zipped) as timeline events."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from ..kinds import guess_kind
from .archive import SafeZip
from .base import (
    Attachment,
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
)
from .registry import register
from .timeparse import from_epoch_millis

_JOIN_TYPES = frozenset({
    "system_join_channel", "system_leave_channel", "system_add_to_channel",
    "system_remove_from_channel", "system_join_team", "system_leave_team",
    "system_add_to_team", "system_remove_from_team",
})
_TOPIC_TYPES = frozenset({
    "system_header_change", "system_purpose_change", "system_displayname_change",
})
# Old servers wrote join notices as ordinary posts by the person concerned.
_PLAIN_JOIN = re.compile(r"(?P<who>[\w.\-]+) (?:joined|left) the (?:channel|team)\.")
_PLAIN_ADD = re.compile(
    r"[\w.\-]+ (?:added to|removed from) the (?:channel|team) by (?P<who>[\w.\-]+)\."
)


def _display_name(user: dict[str, Any]) -> str | None:
    nickname = user.get("nickname")
    if isinstance(nickname, str) and nickname.strip():
        return nickname.strip()
    parts = [user.get(k) for k in ("first_name", "last_name")]
    full = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if full:
        return full
    username = user.get("username")
    return username if isinstance(username, str) else None


def _first_line_is_version(head: bytes) -> bool:
    line = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").strip()
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(obj, dict) and obj.get("type") == "version"


def _jsonl_member(names: list[str]) -> str | None:
    candidates = [n for n in names if n.endswith(".jsonl")]
    return min(candidates, key=lambda n: (n.count("/"), n)) if candidates else None


class _Line:
    """Location of the object being read, for error messages."""

    __slots__ = ("file", "line")

    def __init__(self, file: str, line: int) -> None:
        self.file = file
        self.line = line

    def error(self, message: str, field: str | None = None) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, line=self.line, field=field)


def _str(obj: dict[str, Any], key: str, at: _Line, where: str, default: str | None = None
         ) -> str | None:
    value = obj.get(key, default)
    if value is None or isinstance(value, str):
        return value if value is not None else default
    raise at.error(f"expected a string, got {type(value).__name__}", f"{where}.{key}")


def _list(obj: dict[str, Any], key: str, at: _Line, where: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise at.error("expected a list", f"{where}.{key}")
    return value


class _State:
    """What earlier lines told us: display names, and ids already handed out."""

    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.channel_names: dict[tuple[str, str], str] = {}
        self.ids: set[str] = set()

    def unique(self, base: str) -> str:
        # Identical posts (same channel, ms, user, text) get a stable ordinal suffix.
        candidate, n = base, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}#{n}"
        self.ids.add(candidate)
        return candidate


def _attachment_text(props: Any) -> str:
    if not isinstance(props, dict) or not isinstance(props.get("attachments"), list):
        return ""
    parts: list[str] = []
    for item in props["attachments"]:
        if isinstance(item, dict):
            chosen = [item.get(k) for k in ("pretext", "title", "text")]
            chosen = [c for c in chosen if isinstance(c, str) and c.strip()]
            if not chosen and isinstance(item.get("fallback"), str):
                chosen = [item["fallback"]]
            parts.extend(chosen)
    return "\n".join(parts)


def _event(post: dict[str, Any], *, at: _Line, where: str, state: _State, channel: str,
           scope: str, thread_ref: str | None, report: ParseReport
           ) -> tuple[str, NormalizedEvent | None]:
    create_at = post.get("create_at")
    if isinstance(create_at, bool) or not isinstance(create_at, int):
        raise at.error("create_at must be integer epoch milliseconds", f"{where}.create_at")
    occurred_at = from_epoch_millis(create_at, file=at.file, line=at.line,
                                    field=f"{where}.create_at")
    user = _str(post, "user", at, where)
    message = _str(post, "message", at, where, "") or ""
    post_type = _str(post, "type", at, where, "") or ""
    files = _list(post, "attachments", at, where)
    digest = hashlib.sha1(message.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    source_id = state.unique(f"{scope}:{create_at}:{user or ''}:{digest}")
    if post_type in _JOIN_TYPES:
        report.skip("channel join/leave")
        return source_id, None
    if not post_type and user:
        plain = _PLAIN_JOIN.fullmatch(message) or _PLAIN_ADD.fullmatch(message)
        if plain and plain.group("who") == user:
            report.skip("channel join/leave")
            return source_id, None
    attachments = []
    for j, item in enumerate(files):
        path = item.get("path") if isinstance(item, dict) else None
        if not isinstance(path, str):
            raise at.error("expected {path: string}", f"{where}.attachments[{j}]")
        attachments.append(Attachment(name=path.rsplit("/", 1)[-1] or path))
    text = message if message.strip() else _attachment_text(post.get("props")) or message
    if post_type in _TOPIC_TYPES:
        event_type, kind = "topic", "communication"
    elif post_type.startswith("system_"):
        event_type, kind = post_type, "other"
    else:
        event_type = post_type or ("reply" if thread_ref else "message")
        kind = guess_kind(text)
    edit_at = post.get("edit_at")
    return source_id, NormalizedEvent(
        source="mattermost",
        source_id=source_id,
        occurred_at=occurred_at,
        text=text,
        text_original=message,
        author_id=user,
        author_name=state.users.get(user, user) if user else None,
        thread_ref=thread_ref,
        edited=isinstance(edit_at, int) and not isinstance(edit_at, bool) and edit_at > 0,
        attachments=tuple(attachments),
        kind=kind,
        event_type=event_type,
        channel=channel,
        raw=post,
    )


def _lines(stream: IO[bytes], file: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"invalid JSON: {exc.msg}", file=file, line=number,
                                    position=exc.colno) from None
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"not UTF-8 text ({exc.reason})", file=file, line=number,
                                    position=exc.start) from None
        except (ValueError, RecursionError) as exc:
            raise ImportFormatError(f"unreadable JSON ({str(exc)[:80]})", file=file,
                                    line=number) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise ImportFormatError("expected an object with a string type", file=file,
                                    line=number, field="type")
        yield number, obj


@register
class MattermostImporter:
    """Mattermost bulk export: one {"type": ..., <type>: {...}} object per line."""

    name = "mattermost"
    label = "Mattermost bulk export (JSONL, or its ZIP)"
    needs_zone = False
    priority = 20

    def sniff(self, source: Source) -> bool:
        """True when the first JSON line (of the file or the ZIP's .jsonl) is a version line."""
        try:
            if source.is_dir:
                return False
            if source.is_zip:
                with SafeZip(source) as archive:
                    member = _jsonl_member(archive.names())
                    return member is not None and _first_line_is_version(archive.head(member))
            return _first_line_is_version(source.head())
        except Exception:  # noqa: BLE001 - sniffing must never raise
            return False

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield posts and their nested replies, line by line."""
        if source.is_zip:
            with SafeZip(source, options.zip_limits) as archive:
                member = _jsonl_member(archive.names())
                if member is None:
                    raise ImportFormatError("no .jsonl file in the archive", file=source.name)
                data = archive.read(member)
            yield from self._parse_stream(io.BytesIO(data), member, options, report)
            return
        with source.open() as stream:
            yield from self._parse_stream(stream, source.name, options, report)

    def _parse_stream(self, stream: IO[bytes], file: str, options: ImportOptions,
                      report: ParseReport) -> Iterator[NormalizedEvent]:
        state = _State()
        first = True
        for number, obj in _lines(stream, file):
            kind = obj["type"]
            if first and kind != "version":
                raise ImportFormatError("the first line must be the version line",
                                        file=file, line=number, field="type")
            first = False
            if kind not in ("user", "channel", "post", "direct_post"):
                continue
            body = obj.get(kind)
            at = _Line(file, number)
            if not isinstance(body, dict):
                raise at.error("expected an object", kind)
            if kind == "user":
                username = _str(body, "username", at, kind)
                if username:
                    state.users[username] = _display_name(body) or username
            elif kind == "channel":
                team = _str(body, "team", at, kind) or ""
                name = _str(body, "name", at, kind) or ""
                state.channel_names[(team, name)] = _str(body, "display_name", at, kind) or name
            else:
                yield from self._post(body, kind, at, state, options, report)

    def _post(self, post: dict[str, Any], kind: str, at: _Line, state: _State,
              options: ImportOptions, report: ParseReport) -> Iterator[NormalizedEvent]:
        if kind == "direct_post":
            members = _list(post, "channel_members", at, kind)
            if not all(isinstance(m, str) for m in members):
                raise at.error("expected usernames", f"{kind}.channel_members")
            channel = "dm:" + ",".join(sorted(members))
            scope = channel
            display = channel
        else:
            team = _str(post, "team", at, kind) or ""
            channel = _str(post, "channel", at, kind) or ""
            if not channel:
                raise at.error("missing channel", f"{kind}.channel")
            scope = f"{team}/{channel}"
            display = state.channel_names.get((team, channel), channel)
        replies = _list(post, "replies", at, kind)
        report.channels_seen[channel] += 1 + len(replies)
        wanted = options.channels
        if wanted is not None and channel not in wanted and display not in wanted:
            return
        # A skipped root (e.g. a join notice) still anchors its replies under its id.
        anchor, root = _event(post, at=at, where=kind, state=state, channel=channel,
                              scope=scope, thread_ref=None, report=report)
        if root is not None:
            yield root
        for j, reply in enumerate(replies):
            where = f"{kind}.replies[{j}]"
            if not isinstance(reply, dict):
                raise at.error("expected an object", where)
            _, event = _event(reply, at=at, where=where, state=state, channel=channel,
                           scope=scope, thread_ref=anchor, report=report)
            if event is not None:
                yield event
