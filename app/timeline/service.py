"""Timeline rules: add events by hand, edit (keeping the original), star, hide, annotate."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.models import EventKind, Incident, TimelineEvent


class TimelineError(ValueError):
    """Invalid timeline input, naming the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _kind(value: str | None) -> EventKind:
    try:
        return EventKind(value or "other")
    except ValueError:
        raise TimelineError(
            f"unknown kind {value!r}; one of {', '.join(k.value for k in EventKind)}", "kind"
        ) from None


def _new_event(actor: Any, incident: Incident, occurred_at: datetime, text: str,
               kind: str | None, author_name: str | None) -> TimelineEvent:
    if occurred_at.tzinfo is None:
        raise TimelineError("the time needs a zone", "occurred_at")
    if not text or not text.strip():
        raise TimelineError("the text cannot be empty", "text")
    return TimelineEvent(
        incident_id=incident.id, occurred_at=occurred_at, text=text.strip(),
        text_original=text.strip(), kind=_kind(kind), source="manual",
        source_id=uuid.uuid4().hex, event_type="note",
        author_name=(author_name or getattr(actor, "display_name", "") or "")[:200],
        user_id=getattr(actor, "id", None),
    )


def add_event(db: Session, actor: Any, incident: Incident, occurred_at: datetime, text: str,
              kind: str | None = None, author_name: str | None = None) -> TimelineEvent:
    """Add one event written by a person (source ``manual``)."""
    event = _new_event(actor, incident, occurred_at, text, kind, author_name)
    db.add(event)
    db.flush()
    audit.record(db, actor, "timeline_event", event.id, "create", {"text": event.text[:200]},
                 incident.id)
    return event


class BulkEventError(TimelineError):
    """One item of a bulk append is invalid; `index` says which."""

    def __init__(self, index: int, error: TimelineError):
        super().__init__(str(error), error.field)
        self.index = index


def add_events(db: Session, actor: Any, incident: Incident,
               items: list[tuple[datetime, str, str | None, str | None]]
               ) -> list[TimelineEvent]:
    """Add many events (time, text, kind, author) at once; one flush, one audit record.

    Every item is checked before anything is added; the first bad one raises
    BulkEventError naming its index.
    """
    events = []
    for index, (occurred_at, text, kind, author_name) in enumerate(items):
        try:
            events.append(_new_event(actor, incident, occurred_at, text, kind, author_name))
        except TimelineError as exc:
            raise BulkEventError(index, exc) from None
    db.add_all(events)
    db.flush()
    audit.record(db, actor, "timeline_event", events[0].id if events else None,
                 "bulk_create", {"count": len(events),
                                 "ids": [events[0].id, events[-1].id] if events else []},
                 incident.id)
    return events


def edit_event(db: Session, actor: Any, event: TimelineEvent, *, text: str | None = None,
               occurred_at: datetime | None = None, kind: str | None = None,
               annotation: str | None = None) -> dict[str, list[Any]]:
    """Change text, time, kind or annotation; the first original time is kept."""
    values: dict[str, Any] = {}
    if text is not None:
        if not text.strip():
            raise TimelineError("the text cannot be empty", "text")
        values["text"] = text.strip()
    if occurred_at is not None:
        if occurred_at.tzinfo is None:
            raise TimelineError("the time needs a zone", "occurred_at")
        if occurred_at != event.occurred_at and event.original_occurred_at is None:
            event.original_occurred_at = event.occurred_at
        values["occurred_at"] = occurred_at
    if kind is not None:
        values["kind"] = _kind(kind)
    if annotation is not None:
        values["annotation"] = annotation.strip()
    changes = audit.diff(event, values)
    if changes:
        event.edited_by_id = getattr(actor, "id", None)
        event.edited_at = utcnow()
        audit.record(db, actor, "timeline_event", event.id, "edit", changes, event.incident_id)
        db.flush()
    return changes


def set_flags(db: Session, actor: Any, event: TimelineEvent, *, starred: bool | None = None,
              hidden: bool | None = None) -> None:
    """Star or hide an event (hidden events stay stored and auditable, never deleted)."""
    values = {k: v for k, v in {"starred": starred, "hidden": hidden}.items() if v is not None}
    changes = audit.diff(event, values)
    if changes:
        audit.record(db, actor, "timeline_event", event.id, "flags", changes, event.incident_id)
        db.flush()


@dataclass
class EventFilter:
    """Facilitator's timeline filters."""

    source: str | None = None
    kind: str | None = None
    author: str | None = None
    starred: bool = False
    show_hidden: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> EventFilter:
        """Read the filter from query arguments (unknown values are ignored)."""
        kind = args.get("kind") or None
        if kind and kind not in {k.value for k in EventKind}:
            kind = None
        return cls(source=args.get("source") or None, kind=kind,
                   author=args.get("author") or None, starred=args.get("starred") == "1",
                   show_hidden=args.get("hidden") == "1")


def events_query(incident_id: int, flt: EventFilter) -> Select[tuple[TimelineEvent]]:
    """The incident's events in time order, filtered."""
    q = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    if not flt.show_hidden:
        q = q.where(TimelineEvent.hidden.is_(False))
    if flt.source:
        q = q.where(TimelineEvent.source == flt.source)
    if flt.kind:
        q = q.where(TimelineEvent.kind == EventKind(flt.kind))
    if flt.author:
        q = q.where(TimelineEvent.author_name == flt.author)
    if flt.starred:
        q = q.where(TimelineEvent.starred.is_(True))
    return q.order_by(TimelineEvent.occurred_at, TimelineEvent.id)


def event_of(db: Session, incident: Incident, event_id: int) -> TimelineEvent | None:
    """The event if it belongs to `incident`."""
    event = db.get(TimelineEvent, event_id)
    return event if event is not None and event.incident_id == incident.id else None
