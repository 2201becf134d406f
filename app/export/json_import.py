"""Restore an incident exported as JSON into this Debrief: new ids, people matched by e-mail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Enum, func, select
from sqlalchemy.orm import Session

from app import audit
from app.db import UTCDateTime
from app.models import (
    Action,
    ContributingFactor,
    Incident,
    Review,
    ReviewSection,
    Service,
    Tag,
    Team,
    TimelineEvent,
    User,
)

from .json_export import FORMAT, SKIP, VERSION, user_columns


class JSONImportError(ValueError):
    """The file cannot be imported; the message names the place (e.g. ``timeline[3].kind``)."""


class _People:
    """E-mail -> user, remembering the addresses nobody here has."""

    def __init__(self, db: Session):
        self.db = db
        self.cache: dict[str, User | None] = {}
        self.unknown: set[str] = set()

    def get(self, email: str | None) -> User | None:
        if not email:
            return None
        key = email.strip().lower()
        if key not in self.cache:
            self.cache[key] = self.db.scalar(select(User).where(func.lower(User.email) == key))
            if self.cache[key] is None:
                self.unknown.add(key)
        return self.cache[key]


def _value(col: Any, raw: Any, where: str) -> Any:
    if raw is None:
        return None
    try:
        if isinstance(col.type, UTCDateTime):
            value = datetime.fromisoformat(raw)
            if value.tzinfo is None:
                raise ValueError("the time has no zone")
            return value
        if isinstance(col.type, Date):
            return date.fromisoformat(raw)
        if isinstance(col.type, Enum) and col.type.enum_class is not None:
            return col.type.enum_class(raw)
    except (TypeError, ValueError) as exc:
        raise JSONImportError(f"{where}: {exc}") from None
    return raw


def load_row(model: Any, data: dict[str, Any], people: _People, where: str,
             **fixed: Any) -> Any:
    """A new `model` row from exported columns; unknown keys are ignored."""
    if not isinstance(data, dict):
        raise JSONImportError(f"{where}: expected an object")
    user_cols = set(user_columns(model))
    values: dict[str, Any] = {}
    for col in model.__table__.columns:
        if col.name in SKIP:
            continue
        if col.name in user_cols:
            person = people.get(data.get(col.name.removesuffix("_id") + "_email"))
            values[col.key] = person.id if person else None
        elif col.name in data:
            values[col.key] = _value(col, data[col.name], f"{where}.{col.name}")
        elif not col.nullable and col.default is None and col.server_default is None:
            raise JSONImportError(f"{where}.{col.name}: missing")
    values.update(fixed)
    return model(**values)


def _service(db: Session, spec: Any, where: str) -> Service:
    if not isinstance(spec, dict) or not str(spec.get("name") or "").strip():
        raise JSONImportError(f"{where}.name: missing")
    found = db.scalar(select(Service).where(Service.name == spec["name"]))
    if found:
        return found
    team = db.scalar(select(Team).where(Team.name == spec.get("team"))) if spec.get(
        "team") else None
    svc = Service(name=spec["name"], description=spec.get("description") or "",
                  rto_minutes=spec.get("rto_minutes"), rpo_minutes=spec.get("rpo_minutes"),
                  team_id=team.id if team else None)
    db.add(svc)
    db.flush()
    return svc


def _tag(db: Session, name: str) -> Tag:
    found = db.scalar(select(Tag).where(Tag.name == name))
    if found is None:
        found = Tag(name=name)
        db.add(found)
        db.flush()
    return found


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise JSONImportError(f"{key}: expected a list")
    return value


def import_incident(db: Session, actor: Any, doc: Any) -> tuple[Incident, list[str]]:
    """Create the incident of an export document; returns it and warnings. Flushes only."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise JSONImportError(f"format: not a Debrief incident export (expected {FORMAT!r})")
    if doc.get("version") != VERSION:
        raise JSONImportError(f"version: {doc.get('version')!r} is not supported "
                           f"(this Debrief reads version {VERSION})")
    people = _People(db)
    data = doc.get("incident")
    incident = load_row(Incident, data, people, "incident")
    incident.services = [_service(db, s, f"incident.services[{n}]")
                         for n, s in enumerate(data.get("services") or [])]
    incident.tags = [_tag(db, str(t)) for t in data.get("tags") or []]
    incident.members = [u for e in data.get("members") or [] if (u := people.get(e))]
    incident.responders = [u for e in data.get("responders") or [] if (u := people.get(e))]
    db.add(incident)
    db.flush()
    events: dict[int, TimelineEvent] = {}
    for n, row in enumerate(_list(doc, "timeline")):
        event = load_row(TimelineEvent, row, people, f"timeline[{n}]", incident_id=incident.id)
        db.add(event)
        events[row.get("key", n)] = event
    review = None
    if doc.get("review"):
        rdoc = doc["review"]
        review = load_row(Review, rdoc, people, "review", incident_id=incident.id)
        review.attendees = [u for e in rdoc.get("attendees") or [] if (u := people.get(e))]
        review.sections = [load_row(ReviewSection, s, people, f"review.sections[{n}]")
                           for n, s in enumerate(rdoc.get("sections") or [])]
        db.add(review)
    db.flush()
    factors: dict[int, ContributingFactor] = {}
    for n, row in enumerate(_list(doc, "factors")):
        factor = load_row(ContributingFactor, row, people, f"factors[{n}]",
                          incident_id=incident.id, review_id=review.id if review else None)
        factor.events = [events[k] for k in row.get("events") or [] if k in events]
        db.add(factor)
        factors[row.get("key", n)] = factor
    db.flush()
    for n, row in enumerate(_list(doc, "actions")):
        team = db.scalar(select(Team).where(Team.name == row.get("team"))) if row.get(
            "team") else None
        factor = factors.get(row["factor"]) if row.get("factor") is not None else None
        db.add(load_row(Action, row, people, f"actions[{n}]", incident_id=incident.id,
                        review_id=review.id if review and row.get("from_review") else None,
                        factor_id=factor.id if factor else None,
                        team_id=team.id if team else None))
    db.flush()
    audit.record(db, actor, "incident", incident.id, "import", {"title": incident.title},
                 incident.id)
    warnings = [f"no user here with the e-mail {e}; left empty" for e in sorted(people.unknown)]
    return incident, warnings
