"""Import ServiceNow incidents and their journal (Table API JSON) as timeline events.

ServiceNow's Table API writes datetimes as naive ``YYYY-MM-DD HH:MM:SS``. With the default
``sysparm_display_value=false`` they are in UTC (the instance's internal zone), so that is
what this importer assumes unless the user picks a zone (for exports made with display
values, which are in the exporting user's zone). The zone used is put in the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from ..kinds import guess_kind
from .base import ImportOptions, NormalizedEvent, ParseReport, Source
from .pagerduty import JsonNode, keep_event, load_json, sniff_text
from .registry import register
from .timeparse import parse_iso

# Incident state codes (out-of-the-box `incident.state` choices).
STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed",
          "8": "Canceled"}
_JOURNAL_ELEMENTS = {"work_notes": "work note", "comments": "comment"}
_SYS_ID = re.compile(r"[0-9a-f]{32}")
_SNIFF_ID = re.compile(r'"sys_id"\s*:')
_SNIFF_SHAPE = re.compile(r'"(result|journal|sys_created_on|short_description)"\s*:')


def _value(node: JsonNode, key: str, *, display: bool = False) -> str | None:
    """A field as plain text, unwrapping ``{"value", "display_value", "link"}`` objects.

    ServiceNow writes an empty string for an empty field, so "" reads as absent.
    """
    child = node.child(key)
    if child is None:
        return None
    if isinstance(child.value, dict):
        first, second = ("display_value", "value") if display else ("value", "display_value")
        text = child.text(first) or child.text(second)
    else:
        text = node.text(key)
    return text if text and text.strip() else None


def _name(node: JsonNode, key: str) -> str | None:
    """A person's display name; a bare reference (a 32-hex sys_id) is no name."""
    child = node.child(key)
    if child is None:
        return None
    if isinstance(child.value, dict):
        return _value(child, "display_value")
    text = _value(node, key)
    return None if text is None or _SYS_ID.fullmatch(text) else text


def _time(node: JsonNode, key: str, zone: tzinfo) -> datetime | None:
    text = _value(node, key)
    if text is None:
        return None
    try:
        return parse_iso(text, tz=zone, file=node.file, field=node.child_path(key))
    except OverflowError:
        node.fail("timestamp out of range", key)


def _is_journal(node: JsonNode) -> bool:
    return isinstance(node.value, dict) and "element" in node.value and (
        "element_id" in node.value or "value" in node.value
    )


@register
class ServiceNowImporter:
    """ServiceNow Table API: incident records, sys_journal_field entries, or a bundle."""

    name: ClassVar[str] = "servicenow"
    label: ClassVar[str] = "ServiceNow Table API JSON (incident, journal entries, or a bundle)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 20

    def sniff(self, source: Source) -> bool:
        """Look for ServiceNow's sys_id next to a result/journal wrapper."""
        head = sniff_text(source)
        return bool(_SNIFF_ID.search(head) and _SNIFF_SHAPE.search(head))

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield opened/resolved/closed moments per incident and one note per journal entry."""
        root = load_json(source)
        if not isinstance(root.value, dict):
            root.fail("expected a JSON object with result, or incident and journal")
        zone = options.tz or UTC
        report.zone_assumed = "UTC" if options.tz is None else str(options.tz)
        records: list[JsonNode] = []
        journal: list[JsonNode] = []
        if "result" in root.value:
            result = root.child("result", required=True)
            assert result is not None
            for node in [result] if isinstance(result.value, dict) else root.items("result"):
                (journal if _is_journal(node) else records).append(node)
        if root.has("incident"):
            incident = root.obj("incident")
            assert incident is not None
            # A bundle may hold the raw API response ({"result": {...}}) as its incident.
            inner = incident.obj("result")
            records.append(inner if inner is not None else incident)
        if root.has("journal"):
            wrapped = root.child("journal")
            assert wrapped is not None
            key = "result" if isinstance(wrapped.value, dict) else None
            journal.extend(wrapped.items(key, required=True))
        if not records and not journal and "result" not in root.value:
            root.fail("no ServiceNow result, incident or journal")

        numbers: dict[str, str] = {}
        for node in records:
            if not isinstance(node.value, dict):
                node.fail("expected an incident record object")
            sys_id = _value(node, "sys_id")
            number = _value(node, "number")
            if sys_id and number:
                numbers[sys_id] = number
        for node in records:
            for event in self._record(node, zone):
                if keep_event(event, options, report):
                    yield event
        for node in journal:
            note = self._journal(node, zone, numbers, report)
            if note is not None and keep_event(note, options, report):
                yield note

    def _record(self, node: JsonNode, zone: tzinfo) -> Iterator[NormalizedEvent]:
        sys_id = _value(node, "sys_id") or node.fail("missing field", "sys_id")
        number = _value(node, "number")
        label = number or "Incident"
        title = _value(node, "short_description") or ""
        opened = _time(node, "opened_at", zone) or _time(node, "sys_created_on", zone)
        if opened is None:
            node.fail("missing field", "opened_at")
        opener = _name(node, "opened_by") or _value(node, "sys_created_by")
        yield NormalizedEvent(
            source=self.name, source_id=f"{sys_id}:opened", occurred_at=opened,
            text=f"{label} opened: {title}" if title else f"{label} opened",
            text_original=title, author_id=_value(node, "opened_by"), author_name=opener,
            thread_ref=sys_id, kind="detection", event_type="trigger", channel=number,
            raw=node.value,
        )
        state = _value(node, "state", display=True)
        state = STATES.get(state or "", state)
        resolved = _time(node, "resolved_at", zone)
        if resolved is not None:
            notes = " — ".join(
                x for x in (_value(node, "close_code", display=True),
                            _value(node, "close_notes")) if x
            )
            yield NormalizedEvent(
                source=self.name, source_id=f"{sys_id}:resolved", occurred_at=resolved,
                text=f"{label} resolved" + (f": {notes}" if notes else ""),
                text_original=_value(node, "close_notes") or "",
                author_id=_value(node, "resolved_by"),
                author_name=_name(node, "resolved_by"), thread_ref=sys_id,
                kind="recovery", event_type="status_change", channel=number,
                raw={"item": node.value, "from": None, "to": "Resolved", "field": "state"},
            )
        closed = _time(node, "closed_at", zone)
        if closed is not None:
            to = "Canceled" if state == "Canceled" else "Closed"
            yield NormalizedEvent(
                source=self.name, source_id=f"{sys_id}:closed", occurred_at=closed,
                text=f"{label} {to.lower()}", text_original="",
                author_id=_value(node, "closed_by"),
                author_name=_name(node, "closed_by"), thread_ref=sys_id,
                kind="other", event_type="status_change", channel=number,
                raw={"item": node.value, "from": "Resolved" if resolved else None, "to": to,
                     "field": "state"},
            )

    def _journal(
        self, node: JsonNode, zone: tzinfo, numbers: dict[str, str], report: ParseReport
    ) -> NormalizedEvent | None:
        element = _value(node, "element") or ""
        if element not in _JOURNAL_ELEMENTS:
            report.skip(f"journal field {element[:40]!r} not imported")
            return None
        sys_id = _value(node, "sys_id") or node.fail("missing field", "sys_id")
        at = _time(node, "sys_created_on", zone)
        if at is None:
            node.fail("missing field", "sys_created_on")
        value = _value(node, "value") or ""
        kind = guess_kind(value)
        if kind == "other" and element == "comments":
            kind = "communication"  # "Additional comments" are visible to the caller.
        parent = _value(node, "element_id")
        who = _value(node, "sys_created_by")
        return NormalizedEvent(
            source=self.name, source_id=f"journal:{sys_id}", occurred_at=at, text=value,
            text_original=value, author_id=who, author_name=who, thread_ref=parent,
            kind=kind, event_type="note", channel=numbers.get(parent or ""), raw=node.value,
        )
