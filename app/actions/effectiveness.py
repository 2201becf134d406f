"""Did it come back? Later incidents on the same services with a factor of the same kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.permissions import visible_incidents_clause
from app.models import (
    Action,
    ActionStatus,
    ContributingFactor,
    Incident,
    Team,
    incident_service,
)

from .metrics import ActionRecord
from .queries import visible_actions_clause


def recurrences(db: Session, user: Any, action: Action) -> list[Incident] | None:
    """Later visible incidents where the addressed factor came back; None if unknowable."""
    if action.status is not ActionStatus.DONE or not action.factor_id or not action.incident_id:
        return None
    factor = db.get(ContributingFactor, action.factor_id)
    incident = db.get(Incident, action.incident_id)
    if factor is None or incident is None or not incident.services:
        return None
    since = action.completed_at or incident.started_at or incident.created_at
    return list(db.scalars(select(Incident).where(
        Incident.id != incident.id,
        Incident.started_at > since,
        Incident.id.in_(select(incident_service.c.incident_id).where(
            incident_service.c.service_id.in_([s.id for s in incident.services]))),
        Incident.id.in_(select(ContributingFactor.incident_id).where(
            ContributingFactor.category == factor.category)),
        visible_incidents_clause(user)).order_by(Incident.started_at)))


def records(db: Session, user: Any) -> list[ActionRecord]:
    """Every visible action as a plain record for the metrics, recurrence worked out."""
    rows = db.execute(
        select(Action, Incident, Team.name, ContributingFactor.category)
        .outerjoin(Incident, Incident.id == Action.incident_id)
        .outerjoin(Team, Team.id == Action.team_id)
        .outerjoin(ContributingFactor, ContributingFactor.id == Action.factor_id)
        .where(visible_actions_clause(user))).all()
    later = _factor_incidents(db, user)
    out = []
    for action, incident, team, category in rows:
        services = tuple(s.name for s in incident.services) if incident else ()
        recurred = None
        if action.status is ActionStatus.DONE and category is not None and services:
            since = action.completed_at or incident.started_at
            recurred = any(
                inc_id != incident.id and started is not None and since is not None
                and started > since and cat == category and set(svcs) & set(services)
                for inc_id, started, svcs, cat in later)
        out.append(ActionRecord(
            status=action.status.value, created=action.created_at.date(), due=action.due_date,
            team=team, services=services, severity=incident.severity if incident else None,
            type=action.type.value, category=category.value if category else None,
            recurred=recurred))
    return out


def _factor_incidents(db: Session, user: Any
                      ) -> list[tuple[int, datetime | None, tuple[str, ...], Any]]:
    rows = db.execute(select(Incident, ContributingFactor.category).join(
        ContributingFactor, ContributingFactor.incident_id == Incident.id)
        .where(visible_incidents_clause(user))).all()
    return [(i.id, i.started_at, tuple(s.name for s in i.services), cat) for i, cat in rows]

