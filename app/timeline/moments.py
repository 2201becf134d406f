"""Lifecycle moments from the timeline: suggestions, one-click acceptance, promotion, bulk paste."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.incidents.service import set_moment
from app.models import Incident, Provenance, TimelineEvent

from .service import TimelineError, add_event
from .suggest import PAGER_SOURCES, Suggestion, suggest_moments


@dataclass
class SuggestionRow:
    """A suggestion next to the incident's current value for that moment."""

    suggestion: Suggestion
    current: datetime | None
    current_source: Provenance | None

    @property
    def agrees(self) -> bool:
        return self.current == self.suggestion.at

    @property
    def guarded(self) -> bool:
        """True when accepting would replace a value a person set by hand."""
        return (self.current is not None and self.current_source is Provenance.MANUAL
                and not self.agrees)


def suggestions(db: Session, incident: Incident, mapping: dict[str, str] | None = None,
                visible_events: Iterable[TimelineEvent] | None = None) -> list[SuggestionRow]:
    """Suggested moments from the incident's visible timeline, with current values.

    `visible_events`, when the caller already holds them (every event not hidden, in time
    order), saves reading the timeline twice.
    """
    events = visible_events if visible_events is not None else db.scalars(
        select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.hidden.is_(False))
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id))
    rows = []
    for s in suggest_moments(events, mapping):
        value, source = incident.moment(s.moment)
        rows.append(SuggestionRow(s, value, source))
    return rows


def accept(db: Session, actor: Any, incident: Incident, moment: str, event: TimelineEvent,
           *, overwrite_manual: bool = False) -> bool:
    """Set `moment` from a suggestion's evidence event (provenance suggested).

    A manual value is only replaced when the person said so explicitly.
    """
    if event.incident_id != incident.id:
        raise TimelineError("the evidence event belongs to another incident", "event_id")
    return set_moment(db, actor, incident, moment, event.occurred_at, Provenance.SUGGESTED,
                      overwrite_manual=overwrite_manual)


def accept_pager_moments(db: Session, actor: Any, incident: Incident,
                         mapping: dict[str, str] | None = None) -> list[str]:
    """Accept every strong pager/alert suggestion at once, never replacing manual values."""
    accepted = []
    for row in suggestions(db, incident, mapping):
        s = row.suggestion
        if s.strength != "strong" or row.agrees:
            continue
        if s.evidence.source not in PAGER_SOURCES | {"alertmanager", "checkly"}:
            continue
        if set_moment(db, actor, incident, s.moment, s.at, Provenance.IMPORTED,
                      overwrite_manual=False):
            accepted.append(s.moment)
    return accepted


def promote(db: Session, actor: Any, incident: Incident, event: TimelineEvent,
            moment: str) -> None:
    """A person decides this event marks `moment` (provenance manual)."""
    if event.incident_id != incident.id:
        raise TimelineError("the event belongs to another incident", "event_id")
    set_moment(db, actor, incident, moment, event.occurred_at, Provenance.MANUAL)


_LINE = re.compile(r"^\s*(?:[-*]\s*)?\**(\d{1,2}):(\d{2})(?::(\d{2}))?\**\s*[-–—:]?\s*(.+?)\s*$")


def paste_events(db: Session, actor: Any, incident: Incident, text: str, day: date,
                 zone: tzinfo) -> list[TimelineEvent]:
    """Add events from pasted ``HH:MM text`` lines typed in `zone`, starting on `day`.

    Times that go backwards roll over to the next day (a response past midnight).
    Every line must parse, or nothing is added (TimelineError names the line).
    """
    parsed: list[tuple[datetime, str]] = []
    current = day
    previous: time | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise TimelineError(f"line {number}: expected 'HH:MM text', got {line[:60]!r}",
                                "lines")
        hh, mm, ss = int(match[1]), int(match[2]), int(match[3] or 0)
        if hh > 23 or mm > 59 or ss > 59:
            raise TimelineError(f"line {number}: {match[1]}:{match[2]} is not a time", "lines")
        clock = time(hh, mm, ss)
        if previous is not None and clock < previous:
            current = current + timedelta(days=1)
        previous = clock
        parsed.append((datetime.combine(current, clock, tzinfo=zone), match[4]))
    if not parsed:
        raise TimelineError("paste at least one 'HH:MM text' line", "lines")
    return [add_event(db, actor, incident, when, body) for when, body in parsed]
