"""Finding actions: visibility, filters from the URL, sorting, counts, CSV rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from app.auth.permissions import visible_incidents_clause
from app.models import (
    Action,
    ActionPriority,
    ActionStatus,
    ActionType,
    Incident,
    Service,
    incident_service,
)

from .service import ACTIVE

SORTS = ("due", "-due", "created", "-created", "priority", "title", "status")
STATUS_CHOICES = ("active",) + tuple(s.value for s in ActionStatus)


def visible_actions_clause(user: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting Action rows to those `user` may see."""
    return Action.incident_id.is_(None) | Action.incident_id.in_(
        select(Incident.id).where(visible_incidents_clause(user)))


@dataclass
class ActionFilter:
    """The list's filters, exactly as they appear in the URL."""

    status: str = ""
    owner: str = ""
    team: str = ""
    service: str = ""
    severity: str = ""
    type: str = ""
    overdue: str = ""
    week: str = ""
    incident: str = ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ActionFilter:
        """Read and check the filters; ValueError naming the bad one."""
        flt = cls(**{f.name: (args.get(f.name) or "").strip() for f in fields(cls)})
        flt.sort = flt.sort or "due"
        if flt.status and flt.status not in STATUS_CHOICES:
            raise ValueError(f"status: one of {', '.join(STATUS_CHOICES)}")
        if flt.type and flt.type not in {t.value for t in ActionType}:
            raise ValueError(f"type: one of {', '.join(t.value for t in ActionType)}")
        if flt.severity and flt.severity not in ("1", "2", "3", "4"):
            raise ValueError("severity: a level from 1 to 4")
        for name in ("team", "incident"):
            if getattr(flt, name) and not getattr(flt, name).isdigit():
                raise ValueError(f"{name}: a number")
        if flt.owner and flt.owner not in ("me", "none") and not flt.owner.isdigit():
            raise ValueError("owner: a user number, 'me' or 'none'")
        if flt.sort not in SORTS:
            raise ValueError(f"sort: one of {', '.join(SORTS)}")
        return flt


def _where(user: Any, flt: ActionFilter, today: date) -> list[ColumnElement[bool]]:
    where = [visible_actions_clause(user)]
    if flt.status == "active":
        where.append(Action.status.in_(ACTIVE))
    elif flt.status:
        where.append(Action.status == ActionStatus(flt.status))
    if flt.owner == "me":
        where.append(Action.owner_id == user.id)
    elif flt.owner == "none":
        where.append(Action.owner_id.is_(None))
    elif flt.owner:
        where.append(Action.owner_id == int(flt.owner))
    if flt.team:
        where.append(Action.team_id == int(flt.team))
    if flt.type:
        where.append(Action.type == ActionType(flt.type))
    if flt.incident:
        where.append(Action.incident_id == int(flt.incident))
    if flt.severity:
        where.append(Incident.severity == int(flt.severity))
    if flt.service:
        where.append(Action.incident_id.in_(
            select(incident_service.c.incident_id).join(
                Service, Service.id == incident_service.c.service_id)
            .where(Service.name == flt.service)))
    if flt.overdue:
        where += [Action.status.in_(ACTIVE), Action.due_date < today]
    if flt.week:
        where += [Action.status.in_(ACTIVE), Action.due_date >= today,
                  Action.due_date < today + timedelta(days=7)]
    return where


_PRIORITY = case({ActionPriority.HIGH.value: 0, ActionPriority.MEDIUM.value: 1,
                  ActionPriority.LOW.value: 2}, value=Action.priority, else_=3)


def actions_query(user: Any, flt: ActionFilter, today: date) -> Select[Any]:
    """Visible actions matching `flt`, sorted, each with its incident (or None)."""
    order = {
        "due": [Action.due_date.asc().nulls_last()],
        "-due": [Action.due_date.desc().nulls_last()],
        "created": [Action.created_at.asc()],
        "-created": [Action.created_at.desc()],
        "priority": [_PRIORITY, Action.due_date.asc().nulls_last()],
        "title": [func.lower(Action.title)],
        "status": [Action.status, Action.due_date.asc().nulls_last()],
    }[flt.sort]
    return (select(Action, Incident).outerjoin(Incident, Incident.id == Action.incident_id)
            .where(*_where(user, flt, today)).order_by(*order, Action.id))


def page(db: Session, query: Select[Any], number: int, size: int) -> tuple[list[Any], int]:
    """One page of rows and the total count."""
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.execute(query.limit(size).offset((max(number, 1) - 1) * size)))
    return rows, total


def counts(db: Session, user: Any, today: date) -> dict[str, int]:
    """Open and overdue visible actions: the definitions every page uses."""
    visible = visible_actions_clause(user)
    active = Action.status.in_(ACTIVE)
    return {
        "open": db.scalar(select(func.count(Action.id)).where(visible, active)) or 0,
        "overdue": db.scalar(select(func.count(Action.id)).where(
            visible, active, Action.due_date < today)) or 0,
        "mine": db.scalar(select(func.count(Action.id)).where(
            visible, active, Action.owner_id == user.id)) or 0,
    }


CSV_HEADER = ("id", "title", "status", "status_reason", "owner", "team", "priority", "type",
              "due_date", "overdue", "incident", "severity", "tracker_url", "created_at",
              "completed_at")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A leading =, +, - or @ makes spreadsheets run the cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(db: Session, query: Select[Any], today: date) -> Iterator[list[str]]:
    """The filtered list as CSV rows, header first."""
    yield list(CSV_HEADER)
    for action, incident in db.execute(query):
        overdue = action.status in ACTIVE and action.due_date is not None and (
            action.due_date < today)
        yield [_cell(v) for v in (
            action.id, action.title, action.status.value, action.status_reason,
            action.owner.email if action.owner else "", action.team.name if action.team else "",
            action.priority.value, action.type.value, action.due_date, "yes" if overdue else "",
            incident.ref if incident else "", incident.severity if incident else "",
            action.tracker_url, action.created_at.isoformat(),
            action.completed_at.isoformat() if action.completed_at else "")]
