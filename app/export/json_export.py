"""The whole incident as JSON: facts, moments, timeline, review, sections, factors, actions.

Rows are written column by column from the models, so a column added later is exported
without touching this file; ids are left out and people are named by e-mail address.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Action,
    ContributingFactor,
    Incident,
    Review,
    TimelineEvent,
    User,
    factor_event,
)

FORMAT = "debrief.incident"
VERSION = 1
# Bookkeeping, not content: new on every install (ids, optimistic-lock counters, row stamps).
SKIP = {"id", "version", "created_at", "updated_at", "incident_id", "review_id", "factor_id",
        "import_id", "team_id"}


def user_columns(model: Any) -> list[str]:
    """Columns of `model` that point at a user (exported as e-mail addresses)."""
    return [c.name for c in model.__table__.columns
            if any(fk.column.table.name == "user" for fk in c.foreign_keys)]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def dump_row(db: Session, obj: Any, emails: dict[int, str]) -> dict[str, Any]:
    """Every content column of `obj` as plain JSON data, user ids as e-mail addresses."""
    people = set(user_columns(type(obj)))
    out: dict[str, Any] = {}
    for col in type(obj).__table__.columns:
        if col.name in SKIP:
            continue
        value = getattr(obj, col.key)
        if col.name in people:
            out[col.name.removesuffix("_id") + "_email"] = _email(db, value, emails)
        else:
            out[col.name] = _plain(value)
    return out


def _email(db: Session, user_id: int | None, cache: dict[int, str]) -> str | None:
    if user_id is None:
        return None
    if user_id not in cache:
        user = db.get(User, user_id)
        cache[user_id] = user.email if user else ""
    return cache[user_id] or None


def export_incident(db: Session, incident: Incident) -> dict[str, Any]:
    """The incident and its review as one JSON-ready document."""
    emails: dict[int, str] = {}
    events = list(db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.occurred_at,
                                                           TimelineEvent.id)))
    event_key = {e.id: n for n, e in enumerate(events)}
    factors = list(db.scalars(select(ContributingFactor).where(
        ContributingFactor.incident_id == incident.id).order_by(ContributingFactor.id)))
    factor_key = {f.id: n for n, f in enumerate(factors)}
    links = db.execute(select(factor_event.c.factor_id, factor_event.c.event_id).where(
        factor_event.c.factor_id.in_(list(factor_key)))) if factors else []
    factor_events: dict[int, list[int]] = {}
    for fid, eid in links:
        if eid in event_key:
            factor_events.setdefault(fid, []).append(event_key[eid])
    actions = list(db.scalars(select(Action).where(Action.incident_id == incident.id)
                              .order_by(Action.id)))
    review = db.scalar(select(Review).where(Review.incident_id == incident.id))
    return {
        "format": FORMAT, "version": VERSION,
        "incident": {
            **dump_row(db, incident, emails),
            "services": [{"name": s.name, "description": s.description,
                          "rto_minutes": s.rto_minutes, "rpo_minutes": s.rpo_minutes,
                          "team": s.team.name if s.team else None} for s in incident.services],
            "tags": [t.name for t in incident.tags],
            "members": sorted(u.email for u in incident.members),
            "responders": sorted(u.email for u in incident.responders),
        },
        "timeline": [{"key": event_key[e.id], **dump_row(db, e, emails)} for e in events],
        "review": None if review is None else {
            **dump_row(db, review, emails),
            "attendees": sorted(u.email for u in review.attendees),
            "sections": [dump_row(db, s, emails)
                         for s in sorted(review.sections, key=lambda s: s.position)],
        },
        "factors": [{**dump_row(db, f, emails), "key": factor_key[f.id],
                     "events": sorted(factor_events.get(f.id, []))} for f in factors],
        "actions": [{**dump_row(db, a, emails),
                     "factor": factor_key.get(a.factor_id) if a.factor_id else None,
                     "team": a.team.name if a.team else None,
                     "from_review": a.review_id is not None} for a in actions],
    }
