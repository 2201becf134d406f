"""Import Opsgenie alert logs, notes and alerts (REST v2 JSON or a bundle)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import ClassVar

from ..kinds import guess_kind
from .base import ImportOptions, NormalizedEvent, ParseReport, Source
from .pagerduty import JsonNode, keep_event, load_json, sniff_text
from .registry import register

# Ordered: the first match names the log line. Notification lines come first because
# they often quote the action they notify about ("Sent [SMS] ... acknowledged").
_LOG_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^\s*(sent|notified|notification)\b|\bnotified\b", re.I), "notify", "other"),
    (re.compile(r"\bun-?acknowledged\b", re.I), "unacknowledge", "other"),
    (re.compile(r"\backnowledged\b|\backed\b", re.I), "acknowledge", "acknowledgement"),
    (re.compile(r"^\s*alert (is )?created\b|\bcreated (the )?alert\b", re.I),
     "trigger", "detection"),
    (re.compile(r"\b(auto-?)?closed\b", re.I), "resolve", "recovery"),
    (re.compile(r"\bescalat(ed|ion|ing)\b", re.I), "escalate", "escalation"),
    (re.compile(r"\bassigned\b|\bownership\b", re.I), "assign", "escalation"),
    (re.compile(r"\bnote\b", re.I), "annotate", "other"),
    (re.compile(r"\bsnoozed\b", re.I), "snooze", "other"),
)
_SNIFF_DATA = re.compile(r'"(data|logs|notes|alert)"\s*:')
_SNIFF_ITEM = re.compile(r'"(log|note)"\s*:')
_SNIFF_CURSOR = re.compile(r'"(offset|tinyId)"\s*:')


def classify_log(text: str, log_type: str | None) -> tuple[str, str]:
    """The (event_type, kind) of an Opsgenie log line."""
    for pattern, event_type, kind in _LOG_RULES:
        if pattern.search(text):
            return event_type, kind
    if log_type == "alertRecipient":
        return "notify", "other"
    return "log", "other"


def _item_id(prefix: str, node: JsonNode, fields: tuple[str | None, ...],
             seen: set[str]) -> str:
    """Prefix + offset cursor, or a content hash when the export dropped the offset."""
    offset = node.text("offset")
    if offset and offset.strip():
        base = f"{prefix}:{offset}"
    else:
        digest = hashlib.sha1("\x1f".join(f or "" for f in fields).encode()).hexdigest()
        base = f"{prefix}:h:{digest[:16]}"
    source_id, n = base, 2
    while source_id in seen:
        source_id, n = f"{base}#{n}", n + 1
    seen.add(source_id)
    return source_id


@register
class OpsgenieImporter:
    """Opsgenie: {"data": [logs or notes]}, {"data": alert}, or {"alert", "logs", "notes"}."""

    name: ClassVar[str] = "opsgenie"
    label: ClassVar[str] = "Opsgenie alert logs / notes / alert JSON (or a bundle)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 20

    def sniff(self, source: Source) -> bool:
        """Look for Opsgenie's data list of log/note items with offsets, or an alert."""
        head = sniff_text(source)
        if not (_SNIFF_DATA.search(head) and _SNIFF_CURSOR.search(head)):
            return False
        return '"tinyId"' in head or bool(_SNIFF_ITEM.search(head))

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per log line and note; alert moments when there are no logs."""
        root = load_json(source)
        if not isinstance(root.value, dict):
            root.fail("expected a JSON object with data, or alert/logs/notes")
        alert: JsonNode | None = root.obj("alert")
        items: list[JsonNode] = []
        data = root.child("data")
        if data is not None and isinstance(data.value, dict):
            alert = data
        elif data is not None:
            items = root.items("data")
        for key in ("logs", "notes"):
            part = root.child(key)
            if part is not None:
                # A bundle may hold the raw API responses ({"data": [...]}) or bare lists.
                items.extend(part.items("data" if isinstance(part.value, dict) else None,
                                        required=True))
        if alert is None and not items and data is None and not (
            root.has("logs") or root.has("notes")
        ):
            root.fail("no Opsgenie data, alert, logs or notes")
        alert_id = alert.text("id") if alert is not None else None
        channel = alert.text("message") if alert is not None else None
        seen: set[str] = set()
        has_logs = False
        for node in items:
            if not isinstance(node.value, dict):
                node.fail("expected a log or note object")
            if "note" in node.value:
                event = self._note(node, options, alert_id, channel, seen)
            else:
                has_logs = True
                event = self._log(node, options, alert_id, channel, seen)
            if keep_event(event, options, report):
                yield event
        if alert is not None:
            if has_logs:
                report.skip("alert summary superseded by its logs")
                return
            for event in self._alert(alert, options):
                if keep_event(event, options, report):
                    yield event

    def _log(self, node: JsonNode, options: ImportOptions, alert_id: str | None,
             channel: str | None, seen: set[str]) -> NormalizedEvent:
        text = node.text("log", required=True, numbers=False) or ""
        created = node.child("createdAt", required=True)
        at = node.time("createdAt", tz=options.tz, required=True)
        assert at is not None and created is not None
        owner = node.text("owner")
        event_type, kind = classify_log(text, node.text("type"))
        return NormalizedEvent(
            source=self.name,
            source_id=_item_id("log", node, (str(created.value), owner, text), seen),
            occurred_at=at, text=text, text_original=text, author_id=owner or None,
            author_name=owner or None, thread_ref=alert_id, kind=kind, event_type=event_type,
            channel=channel, raw=node.value,
        )

    def _note(self, node: JsonNode, options: ImportOptions, alert_id: str | None,
              channel: str | None, seen: set[str]) -> NormalizedEvent:
        text = node.text("note", required=True, numbers=False) or ""
        created = node.child("createdAt", required=True)
        at = node.time("createdAt", tz=options.tz, required=True)
        assert at is not None and created is not None
        owner = node.text("owner")
        return NormalizedEvent(
            source=self.name,
            source_id=_item_id("note", node, (str(created.value), owner, text), seen),
            occurred_at=at, text=text, text_original=text, author_id=owner or None,
            author_name=owner or None, thread_ref=alert_id, kind=guess_kind(text),
            event_type="note", channel=channel, raw=node.value,
        )

    def _alert(self, node: JsonNode, options: ImportOptions) -> Iterator[NormalizedEvent]:
        alert_id = node.ident("id")
        message = node.text("message") or ""
        tiny = node.text("tinyId")
        label = f"Alert #{tiny}" if tiny else "Alert"
        created = node.time("createdAt", tz=options.tz, required=True)
        assert created is not None
        yield NormalizedEvent(
            source=self.name, source_id=f"alert:{alert_id}:created", occurred_at=created,
            text=f"{label} created: {message}" if message else f"{label} created",
            text_original=message, author_id=node.text("source"),
            author_name=node.text("source"), thread_ref=alert_id, kind="detection",
            event_type="trigger", channel=message or None, raw=node.value,
        )
        report = node.obj("report")
        if report is None:
            return
        for key, who_key, event_type, kind, verb in (
            ("ackTime", "acknowledgedBy", "acknowledge", "acknowledgement", "acknowledged"),
            ("closeTime", "closedBy", "resolve", "recovery", "closed"),
        ):
            at = _after(report, key, created)
            if at is None:
                continue
            who = report.text(who_key)
            yield NormalizedEvent(
                source=self.name, source_id=f"alert:{alert_id}:{verb}", occurred_at=at,
                text=f"{label} {verb}" + (f" by {who}" if who else ""), text_original="",
                author_id=who, author_name=who, thread_ref=alert_id, kind=kind,
                event_type=event_type, channel=message or None, raw=report.value,
            )


def _after(report: JsonNode, key: str, start: datetime) -> datetime | None:
    """`start` plus the report's millisecond duration under `key` (Opsgenie's ackTime)."""
    node = report.child(key)
    if node is None:
        return None
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        node.fail("expected a duration in milliseconds")
    if value < 0 or value > 10 * 365 * 86_400_000:
        node.fail("duration out of range")
    try:
        return start + timedelta(milliseconds=value)
    except OverflowError:
        node.fail("duration out of range")
