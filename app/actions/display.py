"""What the action pages show, gathered for thin views."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Action, ContributingFactor, Review, Service, Team, User

from . import effectiveness, metrics, quality, service, sla, trackers
from .forms import StatusForm
from .queries import ACTIVE


def tracker_label(action: Action) -> str | None:
    """The issue key people recognise (``o/r#12``, ``ABC-12``), or None for other links."""
    ref = trackers.recognise(action.tracker_url) if action.tracker_url else None
    return ref.label if ref else None


def overdue_days(action: Action, today: date) -> int:
    """Days past due for an active action, else 0."""
    if action.status in ACTIVE and action.due_date and action.due_date < today:
        return (today - action.due_date).days
    return 0


def row(action: Action, incident: Any, today: date) -> dict[str, Any]:
    """One action as a list row shows it."""
    return {"action": action, "incident": incident, "hints": quality.hints(action),
            "overdue": overdue_days(action, today), "tracker": tracker_label(action)}


def action_page(db: Session, user: Any, action: Action, today: date) -> dict[str, Any]:
    """Template variables for the action page."""
    incident = service.incident_of(db, action)
    form = StatusForm()
    form.status.data = action.status.value
    actors = {e.actor_id for e in service.history(db, action)} - {None}
    return {
        "action": action, "incident": incident, "today": today,
        "overdue": overdue_days(action, today), "hints": quality.hints(action),
        "tracker": tracker_label(action),
        "factor": db.get(ContributingFactor, action.factor_id) if action.factor_id else None,
        "review": db.get(Review, action.review_id) if action.review_id else None,
        "history": service.history(db, action),
        "people": {u.id: u for u in db.scalars(select(User).where(User.id.in_(actors)))},
        "recurrences": effectiveness.recurrences(db, user, action),
        "can_edit": service.can_edit_action(db, user, action),
        "can_set_status": service.can_set_status(db, user, action),
        "status_form": form,
    }


def sla_hint(severity: int | None, days: tuple[int, ...], today: date,
             labels: list[str]) -> str | None:
    """``SEV2: 30 days, due 2025-04-03 by default``."""
    n = sla.sla_days(severity, days)
    if n is None or severity is None:
        return None
    return f"{labels[severity - 1]}: {n} days, due {sla.default_due(severity, today, days)} " \
           "by default; a later date needs a reason"


def filter_options(db: Session) -> dict[str, Any]:
    """Choices for the list's filter form."""
    return {
        "owners": list(db.scalars(select(User).where(User.active.is_(True))
                                  .order_by(User.display_name))),
        "teams": list(db.scalars(select(Team).order_by(Team.name))),
        "services": list(db.scalars(select(Service.name).order_by(Service.name))),
    }


def report(db: Session, user: Any, today: date, labels: list[str]) -> dict[str, Any]:
    """The actions report: completion, age, overdue by team, service, severity; recurrence."""
    records = effectiveness.records(db, user)
    return {
        "overall": metrics.summarise("all", records, today),
        "by_team": metrics.by_team(records, today),
        "by_service": metrics.by_service(records, today),
        "by_severity": metrics.by_severity(records, today, labels),
        "recurrence_by_type": metrics.recurrence(records, lambda r: r.type),
        "recurrence_by_category": metrics.recurrence(records, lambda r: r.category),
        "small_n": metrics.SMALL_N, "today": today,
    }
