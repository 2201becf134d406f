"""What the dashboard shows: recent incidents, reviews in progress, my actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.permissions import visible_incidents_clause
from app.models import Action, ActionStatus, Incident, Review, ReviewStatus

OPEN_ACTION = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def dashboard(db: Session, user: Any, today: date | None = None) -> dict[str, Any]:
    """The dashboard's figures for `user`, restricted incidents filtered out."""
    today = today or date.today()
    visible = visible_incidents_clause(user)
    recent = list(db.scalars(
        select(Incident).where(visible).order_by(Incident.started_at.desc().nulls_last(),
                                                 Incident.id.desc()).limit(10)))
    in_progress = list(db.execute(
        select(Review, Incident).join(Incident, Incident.id == Review.incident_id)
        .where(visible, Review.status.in_([ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW]))
        .order_by(Review.updated_at.desc()).limit(10)))
    visible_action = Action.incident_id.is_(None) | Action.incident_id.in_(
        select(Incident.id).where(visible))
    mine = list(db.scalars(
        select(Action).where(Action.owner_id == user.id, Action.status.in_(OPEN_ACTION),
                             visible_action)
        .order_by(Action.due_date.asc().nulls_last()).limit(10)))
    overdue = db.scalar(select(func.count(Action.id)).where(
        Action.status.in_(OPEN_ACTION), Action.due_date < today, visible_action)) or 0
    open_count = db.scalar(select(func.count(Action.id)).where(
        Action.status.in_(OPEN_ACTION), visible_action)) or 0
    return {"recent": recent, "in_progress": in_progress, "my_actions": mine,
            "overdue_count": overdue, "open_actions": open_count, "today": today}
