"""Incident rules: create, update, list with filters, set lifecycle moments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth.permissions import can_edit_incident, visible_incidents_clause
from app.models import (
    MOMENTS,
    Incident,
    IncidentStatus,
    IncidentType,
    Provenance,
    Service,
    Tag,
    User,
    incident_service,
)


class IncidentError(ValueError):
    """Invalid incident data, naming the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PermissionDenied(Exception):
    """The acting user may not do this."""


@dataclass
class IncidentData:
    """What a form, the CLI or the API gives to create or update an incident."""

    title: str
    type: str
    severity: int
    status: str = IncidentStatus.INVESTIGATING.value
    summary: str = ""
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    restricted: bool | None = None
    started_at: datetime | None = None
    impact_description: str = ""
    users_affected: int | None = None
    downtime_minutes: int | None = None
    support_tickets: int | None = None
    data_loss_from: datetime | None = None
    data_loss_to: datetime | None = None
    commander_id: int | None = None
    resolution_lead_id: int | None = None


def _validate(db: Session, data: IncidentData) -> tuple[IncidentType, IncidentStatus]:
    if not data.title or not data.title.strip():
        raise IncidentError("the title cannot be empty", "title")
    if len(data.title) > 200:
        raise IncidentError("the title is longer than 200 characters", "title")
    try:
        itype = IncidentType(data.type)
    except ValueError:
        raise IncidentError(
            f"unknown type {data.type!r}; one of {', '.join(t.value for t in IncidentType)}",
            "type") from None
    try:
        status = IncidentStatus(data.status)
    except ValueError:
        raise IncidentError(f"unknown status {data.status!r}", "status") from None
    if data.severity not in (1, 2, 3, 4):
        raise IncidentError("severity must be level 1 to 4", "severity")
    for name in ("users_affected", "downtime_minutes", "support_tickets"):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise IncidentError("cannot be negative", name)
    if data.data_loss_from and data.data_loss_to and data.data_loss_to < data.data_loss_from:
        raise IncidentError("the data-loss window ends before it starts", "data_loss_to")
    for name in ("commander_id", "resolution_lead_id"):
        uid = getattr(data, name)
        if uid is not None and db.get(User, uid) is None:
            raise IncidentError("no such user", name)
    return itype, status


def _services(db: Session, names: list[str]) -> list[Service]:
    result = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        svc = db.scalar(select(Service).where(Service.name == name))
        if svc is None:
            raise IncidentError(f"unknown service {name!r}", "services")
        result.append(svc)
    return result


def _tags(db: Session, names: list[str]) -> list[Tag]:
    result = []
    for name in dict.fromkeys(n.strip().lower() for n in names if n.strip()):
        tag = db.scalar(select(Tag).where(Tag.name == name[:60]))
        if tag is None:
            tag = Tag(name=name[:60])
            db.add(tag)
        result.append(tag)
    return result


def create_incident(db: Session, actor: Any, data: IncidentData) -> Incident:
    """Create an incident; security incidents are restricted by default."""
    itype, status = _validate(db, data)
    restricted = data.restricted if data.restricted is not None else itype is IncidentType.SECURITY
    incident = Incident(
        title=data.title.strip(), type=itype, severity=data.severity, status=status,
        summary=data.summary, restricted=restricted,
        impact_description=data.impact_description, users_affected=data.users_affected,
        downtime_minutes=data.downtime_minutes, support_tickets=data.support_tickets,
        data_loss_from=data.data_loss_from, data_loss_to=data.data_loss_to,
        commander_id=data.commander_id, resolution_lead_id=data.resolution_lead_id,
        created_by_id=getattr(actor, "id", None),
    )
    incident.services = _services(db, data.services)
    incident.tags = _tags(db, data.tags)
    if data.started_at is not None:
        incident.started_at = data.started_at
        incident.started_at_source = Provenance.MANUAL
    if restricted and actor is not None and getattr(actor, "id", None):
        # Whoever opens a restricted incident must be able to see it.
        incident.members = [actor]
    db.add(incident)
    db.flush()
    audit.record(db, actor, "incident", incident.id, "create", {"title": incident.title},
                 incident.id)
    return incident


def update_incident(db: Session, actor: Any, incident: Incident, data: IncidentData) -> None:
    """Update an incident's fields and record what changed."""
    if not can_edit_incident(actor, incident):
        raise PermissionDenied()
    itype, status = _validate(db, data)
    changes = audit.diff(incident, {
        "title": data.title.strip(), "type": itype, "severity": data.severity,
        "status": status, "summary": data.summary,
        "impact_description": data.impact_description, "users_affected": data.users_affected,
        "downtime_minutes": data.downtime_minutes, "support_tickets": data.support_tickets,
        "data_loss_from": data.data_loss_from, "data_loss_to": data.data_loss_to,
        "commander_id": data.commander_id, "resolution_lead_id": data.resolution_lead_id,
    })
    if data.restricted is not None and data.restricted != incident.restricted:
        changes["restricted"] = [incident.restricted, data.restricted]
        incident.restricted = data.restricted
        if data.restricted and actor not in incident.members:
            incident.members.append(actor)
    services = _services(db, data.services)
    if {s.id for s in services} != {s.id for s in incident.services}:
        changes["services"] = [[s.name for s in incident.services], [s.name for s in services]]
        incident.services = services
    tags = _tags(db, data.tags)
    if {t.name for t in tags} != {t.name for t in incident.tags}:
        changes["tags"] = [[t.name for t in incident.tags], [t.name for t in tags]]
        incident.tags = tags
    if changes:
        audit.record(db, actor, "incident", incident.id, "update", changes, incident.id)
    db.flush()


def set_moment(db: Session, actor: Any, incident: Incident, name: str, value: datetime | None,
               provenance: Provenance = Provenance.MANUAL, *, overwrite_manual: bool = True
               ) -> bool:
    """Set (or clear) a lifecycle moment with its provenance; False if refused.

    With ``overwrite_manual=False`` a moment a person set by hand is left alone, so bulk
    acceptance of suggestions never silently replaces a manual decision.
    """
    if name not in MOMENTS:
        raise IncidentError(f"unknown moment {name!r}", "moment")
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise IncidentError("a moment needs a time zone", name)
    old, old_source = incident.moment(name)
    if not overwrite_manual and old is not None and old_source is Provenance.MANUAL:
        return False
    setattr(incident, name, value)
    setattr(incident, f"{name}_source", provenance if value is not None else None)
    audit.record(db, actor, "incident", incident.id, "moment",
                 {name: [old, value], "provenance": provenance.value}, incident.id)
    db.flush()
    return True


def set_members(db: Session, actor: Any, incident: Incident, user_ids: list[int]) -> None:
    """Replace the explicit members of a restricted incident."""
    users = list(db.scalars(select(User).where(User.id.in_(user_ids)))) if user_ids else []
    if incident.restricted and actor not in users and getattr(actor, "id", None):
        users.append(actor)
    audit.record(db, actor, "incident", incident.id, "members",
                 {"members": [[u.email for u in incident.members], [u.email for u in users]]},
                 incident.id)
    incident.members = users
    db.flush()


def set_responders(db: Session, actor: Any, incident: Incident, user_ids: list[int]) -> None:
    """Replace the resolution team."""
    incident.responders = (
        list(db.scalars(select(User).where(User.id.in_(user_ids)))) if user_ids else [])
    audit.record(db, actor, "incident", incident.id, "responders",
                 {"responders": [u.email for u in incident.responders]}, incident.id)
    db.flush()


@dataclass
class IncidentFilter:
    """Filters shared by the incident list page, the CLI and the API."""

    type: str | None = None
    severity: int | None = None
    service: str | None = None
    status: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    sort: str = "-started"


_SORTS: dict[str, Any] = {
    "started": Incident.started_at.asc(),
    "-started": Incident.started_at.desc(),
    "severity": Incident.severity.asc(),
    "-severity": Incident.severity.desc(),
    "title": Incident.title.asc(),
    "-title": Incident.title.desc(),
}


def incidents_query(user: Any, flt: IncidentFilter) -> Select[tuple[Incident]]:
    """Incidents `user` may see, filtered and sorted."""
    q = select(Incident).where(visible_incidents_clause(user))
    if flt.type:
        q = q.where(Incident.type == IncidentType(flt.type))
    if flt.severity:
        q = q.where(Incident.severity == flt.severity)
    if flt.status:
        q = q.where(Incident.status == IncidentStatus(flt.status))
    if flt.service:
        q = q.where(Incident.id.in_(
            select(incident_service.c.incident_id).join(
                Service, Service.id == incident_service.c.service_id
            ).where(Service.name == flt.service)))
    if flt.start:
        q = q.where(Incident.started_at >= flt.start)
    if flt.end:
        q = q.where(Incident.started_at < flt.end)
    order = _SORTS.get(flt.sort, _SORTS["-started"])
    return q.order_by(order, Incident.id.desc())


def page(db: Session, query: Select[tuple[Incident]], number: int, size: int
         ) -> tuple[list[Incident], int]:
    """One page of results and the total count."""
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.scalars(query.limit(size).offset(max(0, number - 1) * size)))
    return rows, total
