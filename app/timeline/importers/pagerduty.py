"""Import PagerDuty REST v2 log entries, incidents and notes (JSON responses or a bundle).

Also home of `JsonNode`, the located JSON reader the other pager importers share: every
type error it raises names the file and the field path, e.g. ``log_entries[3].created_at``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any, ClassVar, NoReturn

from ..kinds import guess_kind
from .base import ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .registry import register
from .timeparse import parse_iso


class JsonNode:
    """A JSON value with its path, so every type error names the file and the field."""

    __slots__ = ("value", "path", "file")

    def __init__(self, value: Any, path: str, file: str) -> None:
        self.value = value
        self.path = path
        self.file = file

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        """Raise ImportFormatError located at this node (or its child `key`)."""
        path = self.child_path(key)
        # The document itself is wrong: point at its start.
        raise ImportFormatError(message, file=self.file, field=path or None,
                                position=None if path else 0)

    def child_path(self, key: str | int | None) -> str:
        """The field path of child `key` (this node's own path when None)."""
        if key is None:
            return self.path
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        """True when this is an object holding a non-null `key`."""
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def child(self, key: str, *, required: bool = False) -> JsonNode | None:
        """The value under `key` (None when absent or null, unless required)."""
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, got {type(self.value).__name__}")
        value = self.value.get(key)
        if value is None:
            if required:
                self.fail("missing field", key)
            return None
        return JsonNode(value, self.child_path(key), self.file)

    def obj(self, key: str, *, required: bool = False) -> JsonNode | None:
        """The object under `key`."""
        node = self.child(key, required=required)
        if node is not None and not isinstance(node.value, dict):
            node.fail(f"expected an object, got {type(node.value).__name__}")
        return node

    def items(self, key: str | None = None, *, required: bool = False) -> list[JsonNode]:
        """The elements of the list under `key` (or of this node when key is None)."""
        node = self if key is None else self.child(key, required=required)
        if node is None:
            return []
        if not isinstance(node.value, list):
            node.fail(f"expected a list, got {type(node.value).__name__}")
        return [JsonNode(v, node.child_path(i), self.file) for i, v in enumerate(node.value)]

    def text(self, key: str, *, required: bool = False, numbers: bool = True) -> str | None:
        """The string under `key`; integers are read as their decimal text if `numbers`."""
        node = self.child(key, required=required)
        if node is None:
            return None
        value = node.value
        allowed = (str, int) if numbers else (str,)
        if isinstance(value, bool) or not isinstance(value, allowed):
            node.fail(f"expected text, got {type(value).__name__}")
        result = str(value) if isinstance(value, int) else value
        try:
            result.encode("utf-8")
        except UnicodeEncodeError:
            node.fail("text holds an unpaired surrogate escape")
        return result

    def ident(self, key: str, *, numbers: bool = True) -> str:
        """A required, non-empty identifier (string, or integer if `numbers`)."""
        value = self.text(key, required=True, numbers=numbers)
        assert value is not None
        if not value.strip():
            self.fail("empty identifier", key)
        return value

    def time(self, key: str, *, tz: tzinfo | None = None, required: bool = False
             ) -> datetime | None:
        """The ISO 8601 timestamp under `key`, as aware UTC."""
        node = self.child(key, required=required)
        if node is None:
            return None
        if not isinstance(node.value, str):
            node.fail(f"expected a timestamp, got {type(node.value).__name__}")
        try:
            return parse_iso(node.value, tz=tz, file=self.file, field=node.path)
        except OverflowError:
            node.fail("timestamp out of range")


def load_json(source: Source) -> JsonNode:
    """Read `source` as UTF-8 JSON; bad bytes or syntax raise a located ImportFormatError."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"cannot read file ({exc.strerror})", file=source.name) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            "not UTF-8 text", file=source.name, position=exc.start
        ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"not valid JSON ({exc.msg})", file=source.name, line=exc.lineno, position=exc.pos
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5000-digit integer, deep nesting
        raise ImportFormatError(
            f"JSON value not supported ({str(exc)[:60]})", file=source.name, position=0
        ) from None
    return JsonNode(value, "", source.name)


def sniff_text(source: Source) -> str:
    """The first 8 KiB decoded leniently, for cheap regex sniffing."""
    try:
        return source.head(8192).decode("utf-8", errors="ignore")
    except Exception:  # noqa: BLE001 - sniffing never raises
        return ""


def keep_event(event: NormalizedEvent, options: ImportOptions, report: ParseReport) -> bool:
    """Count the event's channel and say whether the user's channel filter keeps it."""
    if event.channel is not None:
        report.channels_seen[event.channel] += 1
    if options.channels is not None and event.channel not in options.channels:
        report.skip("channel not selected")
        return False
    return True


# Log entry type (without "_log_entry") -> kind on the incident clock.
_KIND_BY_TYPE = {
    "trigger": "detection",
    "acknowledge": "acknowledgement",
    "escalate": "escalation",
    "assign": "escalation",
    "delegate": "escalation",
    "repeat_escalation_path": "escalation",
    "exhaust_escalation_path": "escalation",
    "resolve": "recovery",
}
_SNIFF = re.compile(
    r'"(log_entries|log_entry)"\s*:|"incident_number"\s*:|"type"\s*:\s*"\w+_log_entry"'
    r'|"notes"\s*:\s*\[[\s\S]*"(bot_)?user_reference"'
    r'|"status_updates?"\s*:[\s\S]*"sender"'
)


def _event_type(raw_type: str) -> str:
    name = raw_type.removesuffix("_reference").removesuffix("_log_entry")
    # The schema's AcknowledgeLogEntry names itself "acknowledgement_log_entry".
    return "acknowledge" if name == "acknowledgement" else name


def _person(node: JsonNode, key: str) -> tuple[str | None, str | None]:
    ref = node.obj(key)
    if ref is None:
        return None, None
    return ref.text("id"), ref.text("summary")


@register
class PagerDutyImporter:
    """PagerDuty REST v2: log entries, an incident (or a list) and notes, alone or bundled."""

    name: ClassVar[str] = "pagerduty"
    label: ClassVar[str] = "PagerDuty REST v2 JSON (log entries, incident, notes, or a bundle)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 20

    def sniff(self, source: Source) -> bool:
        """Look for PagerDuty's log entry, incident or note markers in the first bytes."""
        return bool(_SNIFF.search(sniff_text(source)))

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per log entry and note, and the incident's own moments."""
        root = load_json(source)
        if not isinstance(root.value, dict):
            root.fail("expected a JSON object with log_entries, incident or notes")
        incidents = root.items("incidents")
        single = root.obj("incident")
        if single is not None:
            incidents.insert(0, single)
        entries = root.items("log_entries")
        entry = root.obj("log_entry")
        if entry is not None:
            entries.append(entry)
        notes = root.items("notes")
        updates = root.items("status_updates")
        update = root.obj("status_update")
        if update is not None:
            updates.append(update)
        if not any(root.has(k) for k in (
            "log_entries", "log_entry", "incident", "incidents", "notes", "status_updates",
            "status_update",
        )):
            root.fail("no PagerDuty log_entries, incident(s), notes or status_updates")
        # The bundle's incident gives notes (which carry no incident) their thread.
        context = single if single is not None else (incidents[0] if len(incidents) == 1
                                                     else None)
        ctx_id = context.ident("id") if context is not None else None
        ctx_name = _incident_name(context) if context is not None else None

        covered: set[str] = set()
        for node in entries:
            event = self._log_entry(node, options, ctx_id, ctx_name)
            if event.thread_ref:
                covered.add(event.thread_ref)
            if keep_event(event, options, report):
                yield event
        for node in notes:
            event = self._note(node, options, ctx_id, ctx_name)
            if keep_event(event, options, report):
                yield event
        for node in updates:
            event = self._status_update(node, options, ctx_id, ctx_name)
            if keep_event(event, options, report):
                yield event
        for node in incidents:
            if node.ident("id") in covered:
                # Log entries are the detailed record; the incident's summary would repeat it.
                report.skip("incident summary superseded by its log entries")
                continue
            for event in self._incident(node, options):
                if keep_event(event, options, report):
                    yield event

    def _log_entry(self, node: JsonNode, options: ImportOptions, ctx_id: str | None,
                   ctx_name: str | None) -> NormalizedEvent:
        raw_type = node.ident("type", numbers=False)
        event_type = _event_type(raw_type)
        summary = node.text("summary") or raw_type.replace("_", " ")
        parts = [summary]
        channel = node.obj("channel")
        details = node.obj("event_details")
        for extra in (
            channel.text("summary") if channel else None,
            details.text("description") if details else None,
        ):
            if extra and extra not in parts:
                parts.append(extra)
        text = "\n\n".join(parts)
        kind = _KIND_BY_TYPE.get(event_type, "other")
        if event_type == "annotate":
            kind = guess_kind(text)
        incident = node.obj("incident")
        thread = incident.text("id") if incident else ctx_id
        name = _incident_name(incident) if incident else ctx_name
        author_id, author_name = _person(node, "agent")
        occurred = node.time("created_at", tz=options.tz, required=True)
        assert occurred is not None
        return NormalizedEvent(
            source=self.name, source_id=node.ident("id"), occurred_at=occurred,
            text=text, text_original=summary, author_id=author_id, author_name=author_name,
            thread_ref=thread, kind=kind, event_type=event_type, channel=name, raw=node.value,
        )

    def _note(self, node: JsonNode, options: ImportOptions, ctx_id: str | None,
              ctx_name: str | None) -> NormalizedEvent:
        content = node.text("content", numbers=False) or ""
        occurred = node.time("created_at", tz=options.tz, required=True)
        updated = node.time("updated_at", tz=options.tz)
        assert occurred is not None
        author_id, author_name = _person(node, "user")
        return NormalizedEvent(
            source=self.name, source_id=f"note:{node.ident('id')}", occurred_at=occurred,
            text=content, text_original=content, author_id=author_id, author_name=author_name,
            thread_ref=ctx_id, edited=updated is not None and updated > occurred,
            kind=guess_kind(content), event_type="note", channel=ctx_name, raw=node.value,
        )

    def _status_update(self, node: JsonNode, options: ImportOptions, ctx_id: str | None,
                       ctx_name: str | None) -> NormalizedEvent:
        message = node.text("message", numbers=False) or ""
        subject = node.text("subject")
        occurred = node.time("created_at", tz=options.tz, required=True)
        assert occurred is not None
        author_id, author_name = _person(node, "sender")
        return NormalizedEvent(
            source=self.name, source_id=f"status_update:{node.ident('id')}",
            occurred_at=occurred, text=f"**{subject}**\n\n{message}" if subject else message,
            text_original=message, author_id=author_id, author_name=author_name,
            thread_ref=ctx_id, kind="communication", event_type="status_update",
            channel=ctx_name, raw=node.value,
        )

    def _incident(self, node: JsonNode, options: ImportOptions) -> Iterator[NormalizedEvent]:
        incident_id = node.ident("id")
        title = node.text("title") or node.text("summary") or ""
        name = _incident_name(node)
        number = node.text("incident_number")
        label = f"Incident #{number}" if number else "Incident"
        created = node.time("created_at", tz=options.tz, required=True)
        assert created is not None
        service = node.obj("service")
        service_name = service.text("summary") if service else None
        yield NormalizedEvent(
            source=self.name, source_id=f"{incident_id}:created", occurred_at=created,
            text=f"{label} triggered: {title}" if title else f"{label} triggered",
            text_original=title, author_id=service.text("id") if service else None,
            author_name=service_name, thread_ref=incident_id, kind="detection",
            event_type="trigger", channel=name, raw=node.value,
        )
        for i, ack in enumerate(node.items("acknowledgements")):
            at = ack.time("at", tz=options.tz, required=True)
            assert at is not None
            who_id, who = _person(ack, "acknowledger")
            yield NormalizedEvent(
                source=self.name, source_id=f"{incident_id}:ack:{who_id or i}:{at.isoformat()}",
                occurred_at=at, text=f"Acknowledged by {who}" if who else "Acknowledged",
                text_original="", author_id=who_id, author_name=who, thread_ref=incident_id,
                kind="acknowledgement", event_type="acknowledge", channel=name, raw=ack.value,
            )
        status = node.text("status")
        changed = node.time("resolved_at", tz=options.tz) if status == "resolved" else None
        changed = changed or node.time("last_status_change_at", tz=options.tz)
        if status is None or changed is None or (status == "triggered" and changed == created):
            return
        who_id, who = _person(node, "last_status_change_by")
        yield NormalizedEvent(
            source=self.name, source_id=f"{incident_id}:status:{status}", occurred_at=changed,
            text=f"{label} status changed to {status}", text_original=status,
            author_id=who_id, author_name=who, thread_ref=incident_id,
            kind={"resolved": "recovery", "acknowledged": "acknowledgement"}.get(status, "other"),
            event_type="status_change", channel=name,
            raw={"item": node.value, "from": None, "to": status, "field": "status"},
        )


def _incident_name(node: JsonNode) -> str | None:
    return node.text("summary") or node.text("title")
