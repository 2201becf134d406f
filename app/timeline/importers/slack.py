"""Import a Slack workspace export (ZIP or unpacked folder) as timeline events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..kinds import guess_kind
from .archive import ExportTree, zip_names
from .base import (
    Attachment,
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
)
from .registry import register
from .slack_mrkdwn import to_markdown
from .timeparse import from_epoch_seconds

_DAY_FILE = re.compile(r"(?:.*/)?(?P<folder>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json")
_META = ("channels.json", "groups.json", "mpims.json", "dms.json")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_EPOCH = 32503680000  # year 3000, as timeparse
_BOT_SERVICE = re.compile(r"/services/(B[A-Z0-9]+)\|([^>]+)>")

_SKIPPED = {
    "channel_join": "channel join/leave",
    "channel_leave": "channel join/leave",
    "group_join": "channel join/leave",
    "group_leave": "channel join/leave",
    "bot_add": "integration added/removed",
    "bot_remove": "integration added/removed",
    "tombstone": "deleted message (tombstone)",
    "message_deleted": "deleted message",
    "message_changed": "edit notice (message_changed)",
}
_TOPIC = frozenset({"channel_topic", "channel_purpose", "group_topic", "group_purpose"})


def load_json(data: bytes, file: str) -> Any:
    """Decode one JSON document; errors become ImportFormatError with line and column."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"invalid JSON: {exc.msg}", file=file, line=exc.lineno, position=exc.colno
        ) from None
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"not UTF-8 text ({exc.reason})", file=file, position=exc.start
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ImportFormatError(f"unreadable JSON ({str(exc)[:80]})", file=file) from None


def _list_of_objects(value: Any, file: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ImportFormatError("expected a JSON array", file=file, field="(root)")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ImportFormatError("expected a JSON object", file=file, field=f"[{i}]")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, file: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ImportFormatError(f"expected a string, got {type(value).__name__}",
                            file=file, field=f"{where}.{key}")


def person_name(record: Mapping[str, Any]) -> str | None:
    """The name Slack shows for a users.json row or an embedded ``user_profile``."""
    profile = record.get("profile")
    candidates = []
    if isinstance(profile, dict):
        candidates += [profile.get("display_name"), profile.get("real_name")]
    candidates += [record.get("display_name"), record.get("real_name"), record.get("name")]
    for value in candidates:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def parse_ts(ts: Any, file: str, where: str) -> datetime:
    """A Slack ``ts`` string ("1700000000.000100") to UTC, exactly (no float rounding)."""
    if not isinstance(ts, str):
        raise ImportFormatError("ts must be a string", file=file, field=f"{where}.ts")
    if (len(ts) == 17 and ts[10] == "." and ts.isascii()
            and ts[:10].isdigit() and ts[11:].isdigit()):
        # The shape of nearly every real ts: the fast path matters on 200k-message exports.
        return _EPOCH + timedelta(0, int(ts[:10]), int(ts[11:]))
    whole, _, frac = ts.partition(".")
    if (whole.isascii() and whole.isdigit() and len(whole) <= 11
            and (not frac or (frac.isascii() and frac.isdigit() and len(frac) <= 9))):
        seconds = int(whole)
        if seconds <= _MAX_EPOCH:
            return _EPOCH + timedelta(seconds=seconds, microseconds=int((frac + "000000")[:6]))
    return from_epoch_seconds(ts, file=file, field=f"{where}.ts")


@dataclass(slots=True)
class Directory:
    """Names for ids: users, channels, and bots learned from install notices."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)  # id -> name
    bots: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, users: list[dict[str, Any]], channels: list[dict[str, Any]],
                  file: str = "users.json") -> Directory:
        """Build the maps from users.json rows and channel rows."""
        directory = cls()
        for i, row in enumerate(users):
            uid = _opt_str(row, "id", file, f"[{i}]")
            name = person_name(row)
            if uid and name:
                directory.users[uid] = name
        for row in channels:
            cid, name = row.get("id"), row.get("name")
            if isinstance(cid, str) and isinstance(name, str):
                directory.channels[cid] = name
        return directory


def _attachments(msg: Mapping[str, Any], file: str, where: str) -> tuple[Attachment, ...]:
    files = msg.get("files")
    if files is None:
        files = [msg["file"]] if isinstance(msg.get("file"), dict) else []
    if not isinstance(files, list):
        raise ImportFormatError("expected a list", file=file, field=f"{where}.files")
    out = []
    for j, item in enumerate(files):
        if not isinstance(item, dict):
            raise ImportFormatError("expected an object", file=file, field=f"{where}.files[{j}]")
        name = item.get("name") or item.get("title") or item.get("id")
        if not isinstance(name, str):
            continue  # deleted / hidden files carry no name worth showing
        url = item.get("url_private") or item.get("permalink")
        # The query string of url_private carries the export token; the path is enough.
        url = url.split("?", 1)[0] if isinstance(url, str) else None
        mime = item.get("mimetype")
        out.append(Attachment(name=name, url=url, mime=mime if isinstance(mime, str) else None))
    return tuple(out)


def _attachment_text(msg: Mapping[str, Any]) -> str:
    """Text of legacy rich attachments, for integration posts whose `text` is empty."""
    parts: list[str] = []
    items = msg.get("attachments")
    if not isinstance(items, list):
        return ""
    for item in items:
        if not isinstance(item, dict):
            continue
        chosen = [item.get(k) for k in ("pretext", "title", "text")]
        chosen = [c for c in chosen if isinstance(c, str) and c.strip()]
        if not chosen and isinstance(item.get("fallback"), str):
            chosen = [item["fallback"]]
        parts.extend(chosen)
    return "\n".join(parts)


def _author(msg: Mapping[str, Any], directory: Directory, subtype: str | None
            ) -> tuple[str | None, str | None]:
    user = msg.get("user") if isinstance(msg.get("user"), str) else None
    comment = msg.get("comment")
    if user is None and isinstance(comment, dict) and isinstance(comment.get("user"), str):
        user = comment["user"]  # legacy file_comment: the commenter is on the comment
    bot_id = msg.get("bot_id") if isinstance(msg.get("bot_id"), str) else None
    profile = msg.get("user_profile")
    bot_profile = msg.get("bot_profile")
    name = None
    if subtype == "bot_message" or (bot_id and not user):
        # Webhooks post under a custom username; that is what readers saw.
        if isinstance(msg.get("username"), str) and msg["username"].strip():
            name = msg["username"].strip()
        elif isinstance(bot_profile, dict) and isinstance(bot_profile.get("name"), str):
            name = bot_profile["name"]
        elif bot_id and bot_id in directory.bots:
            name = directory.bots[bot_id]
    if name is None and user:
        name = directory.users.get(user)
        if name is None and isinstance(profile, dict):
            name = person_name(profile)
            if name:
                directory.users[user] = name
    return user or bot_id, name or user or bot_id


def convert_message(
    msg: dict[str, Any], *, channel_id: str, channel: str, directory: Directory,
    report: ParseReport, file: str = "<message>", where: str = "",
) -> NormalizedEvent | None:
    """One Slack message object as an event, or None (counted in `report`) when skipped."""
    ts = msg.get("ts")
    occurred_at = parse_ts(ts, file, where)
    subtype = msg.get("subtype")
    if subtype is not None:
        subtype = _opt_str(msg, "subtype", file, where)
    if subtype == "bot_add" and isinstance(msg.get("text"), str):
        for bot_id, label in _BOT_SERVICE.findall(msg["text"]):
            directory.bots.setdefault(bot_id, label)
    if subtype in _SKIPPED:
        report.skip(_SKIPPED[subtype])
        return None
    original = msg.get("text")
    if not isinstance(original, str):
        original = _opt_str(msg, "text", file, where) or ""
    if not original.strip():
        original = _attachment_text(msg) or original
    text = to_markdown(original, directory.users, directory.channels)
    attachments = _attachments(msg, file, where) if ("files" in msg or "file" in msg) else ()
    if not text.strip() and attachments:
        text = "shared " + ", ".join(a.name for a in attachments)
    thread_ts = msg.get("thread_ts")
    thread_ref = None
    if thread_ts and thread_ts != ts:
        thread_ts = _opt_str(msg, "thread_ts", file, where)
        thread_ref = f"{channel_id}:{thread_ts}"
    if subtype in _TOPIC:
        event_type, kind = "topic", "communication"
    else:
        event_type = subtype or ("reply" if thread_ref else "message")
        kind = guess_kind(text)
    author_id, author_name = _author(msg, directory, subtype)
    return NormalizedEvent(
        source="slack",
        source_id=f"{channel_id}:{ts}",
        occurred_at=occurred_at,
        text=text,
        text_original=original,
        author_id=author_id,
        author_name=author_name,
        thread_ref=thread_ref,
        edited=bool(msg.get("edited")),
        attachments=attachments,
        kind=kind,
        event_type=event_type,
        channel=channel,
        raw=msg,
    )


def _find_prefix(names: list[str]) -> str | None:
    """'' when the export sits at the archive root, 'dir/' when zipped inside one folder."""
    candidates = {n.rsplit("/", 1)[0] + "/" if "/" in n else ""
                  for n in names if n.rsplit("/", 1)[-1] in ("channels.json", "users.json")
                  and n.count("/") <= 1}
    if "" in candidates:
        return ""
    return min(candidates) if candidates else None


@register
class SlackImporter:
    """Slack workspace export: users.json, channels.json and <channel>/<day>.json files."""

    name = "slack"
    label = "Slack workspace export (ZIP or folder)"
    needs_zone = False
    priority = 20

    def sniff(self, source: Source) -> bool:
        """True for a ZIP or folder holding channels.json or users.json."""
        try:
            if source.is_dir:
                assert source.path is not None
                return any((source.path / n).is_file() for n in ("channels.json", "users.json"))
            if source.is_zip:
                return _find_prefix(zip_names(source)) is not None
        except Exception:  # noqa: BLE001 - sniffing must never raise
            return False
        return False

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per kept message, channel by channel, day by day."""
        with ExportTree(source, options.zip_limits) as tree:
            yield from self._parse_tree(tree, options, report)

    def _parse_tree(
        self, tree: ExportTree, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        names = tree.names()
        prefix = _find_prefix(names)
        if prefix is None:
            raise ImportFormatError("no channels.json or users.json: not a Slack export",
                                    file=tree.name)
        present = set(names)
        users_file = next((prefix + n for n in ("users.json", "org_users.json")
                           if prefix + n in present), None)
        users = _list_of_objects(load_json(tree.read(users_file), users_file),
                                 users_file) if users_file else []
        if users_file is None:
            report.warn("users.json is missing: authors and mentions show as user ids")
        rows: list[dict[str, Any]] = []
        folder_ids: dict[str, str] = {}
        for meta in _META:
            if prefix + meta not in present:
                continue
            part = _list_of_objects(load_json(tree.read(prefix + meta), meta), meta)
            for i, row in enumerate(part):
                cid = _opt_str(row, "id", meta, f"[{i}]")
                cname = _opt_str(row, "name", meta, f"[{i}]")
                if cid:
                    # Channels are filed under their name; DMs under their id.
                    folder_ids[cname or cid] = cid
            rows.extend(part)
        directory = Directory.from_json(users, rows, users_file or "users.json")
        del users, rows

        day_files: dict[str, list[str]] = {}
        for name in names:
            match = _DAY_FILE.fullmatch(name)
            if match and name.startswith(prefix) and name.count("/") == prefix.count("/") + 1:
                day_files.setdefault(match.group("folder"), []).append(name)
        wanted = options.channels
        for folder in sorted(day_files):
            channel_id = folder_ids.get(folder, folder)
            selected = wanted is None or folder in wanted or channel_id in wanted
            for name in sorted(day_files[folder]):
                if not selected:
                    report.channels_seen[folder] += _count_quietly(tree, name)
                    continue
                file = name[len(prefix):]
                messages = load_json(tree.read(name), file)
                if not isinstance(messages, list):
                    raise ImportFormatError("expected a JSON array of messages",
                                            file=file, field="(root)")
                report.channels_seen[folder] += len(messages)
                for i, msg in enumerate(messages):
                    if not isinstance(msg, dict):
                        raise ImportFormatError("expected a message object",
                                                file=file, field=f"[{i}]")
                    event = convert_message(
                        msg, channel_id=channel_id, channel=folder, directory=directory,
                        report=report, file=file, where=f"[{i}]",
                    )
                    if event is not None:
                        yield event


def _count_quietly(tree: ExportTree, name: str) -> int:
    """Messages in a day file of a channel the user did not select (0 if unreadable)."""
    try:
        value = json.loads(tree.read(name))
    except (ValueError, RecursionError, ImportFormatError):
        return 0
    return len(value) if isinstance(value, list) else 0
