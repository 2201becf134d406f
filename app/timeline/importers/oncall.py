"""Import Splunk On-Call (VictorOps) incidents from the reporting API (v2) JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from .base import ImportOptions, NormalizedEvent, ParseReport, Source
from .pagerduty import JsonNode, keep_event, load_json, sniff_text
from .registry import register

# Transition name -> (event_type, kind). Other names become status changes.
_TRANSITIONS = {
    "ACKED": ("acknowledge", "acknowledgement"),
    "RESOLVED": ("resolve", "recovery"),
}
_SNIFF_ID = re.compile(r'"incidentNumber"\s*:')
_SNIFF_SHAPE = re.compile(r'"(transitions|currentPhase|entityDisplayName|pagedUsers)"\s*:')


def _user(node: JsonNode, key: str) -> str | None:
    """A user field: VictorOps writes a username string; accept {username|name} too."""
    child = node.child(key)
    if child is None:
        return None
    if isinstance(child.value, dict):
        return child.text("username") or child.text("name")
    return node.text(key)


@register
class OnCallImporter:
    """Splunk On-Call reporting API: {"incidents": [...]} or a single incident object."""

    name: ClassVar[str] = "oncall"
    label: ClassVar[str] = "Splunk On-Call (VictorOps) reporting API incidents JSON"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 20

    def sniff(self, source: Source) -> bool:
        """Look for VictorOps' incidentNumber next to its phase/transition fields."""
        head = sniff_text(source)
        return bool(_SNIFF_ID.search(head) and _SNIFF_SHAPE.search(head))

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield each incident's start and every phase transition."""
        root = load_json(source)
        if not isinstance(root.value, dict):
            root.fail("expected a JSON object with incidents or one incident")
        if root.has("incidentNumber"):
            incidents = [root]
        elif "incidents" in root.value:
            incidents = root.items("incidents", required=True)
        else:
            root.fail("no incidents list and no incidentNumber")
        for node in incidents:
            for event in self._incident(node, options, report):
                if keep_event(event, options, report):
                    yield event

    def _incident(
        self, node: JsonNode, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        number = node.ident("incidentNumber")
        start = node.time("startTime", tz=options.tz, required=True)
        assert start is not None
        title = node.text("entityDisplayName") or node.text("entityId") or ""
        service = node.text("service")
        yield NormalizedEvent(
            source=self.name, source_id=f"{number}:start", occurred_at=start,
            text=f"Incident #{number} triggered: {title}" if title else f"Incident #{number}",
            text_original=title, thread_ref=number,
            kind="detection", event_type="trigger", channel=service, raw=node.value,
        )
        previous = "TRIGGERED"
        seen: set[str] = set()
        for item in node.items("transitions"):
            name = item.ident("name", numbers=False).upper()
            at = item.time("at", tz=options.tz, required=True)
            assert at is not None
            if name == "TRIGGERED" and at == start:
                report.skip("trigger transition repeats the incident start")
                continue
            by = _user(item, "by")
            message = item.text("message", numbers=False) or ""
            event_type, kind = _TRANSITIONS.get(name, ("status_change", "other"))
            if name == "TRIGGERED":
                kind = "detection"
            verb = {"ACKED": "acknowledged", "RESOLVED": "resolved"}.get(name, name.lower())
            text = f"Incident #{number} {verb}" + (f" by {by}" if by else "")
            if message:
                text += f"\n\n{message}"
            source_id = f"{number}:{name}:{at.isoformat()}"
            # Same phase twice at the same instant (retries): keep both, ids stay stable.
            suffix = 2
            while source_id in seen:
                source_id = f"{number}:{name}:{at.isoformat()}#{suffix}"
                suffix += 1
            seen.add(source_id)
            yield NormalizedEvent(
                source=self.name, source_id=source_id, occurred_at=at, text=text,
                text_original=message, author_id=by, author_name=by, thread_ref=number,
                kind=kind, event_type=event_type, channel=service,
                raw={"item": item.value, "from": previous, "to": name, "field": "currentPhase"},
            )
            previous = name
