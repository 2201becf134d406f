"""Action rules: create, edit (optimistic locking), status changes, closing the loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.auth.permissions import can_view_incident
from app.chatops import outbox as webhook_outbox
from app.db import utcnow
from app.incidents.service import set_moment
from app.models import (
    Action,
    ActionPriority,
    ActionStatus,
    ActionType,
    AuditEvent,
    ContributingFactor,
    Incident,
    Provenance,
    Review,
    Role,
    Team,
    User,
)

from . import sla, trackers

ACTIVE = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
CLOSED = (ActionStatus.DONE, ActionStatus.WONT_DO)
DEFAULT_SLA = (15, 30, 60, 90)


class ActionError(ValueError):
    """Invalid action data, naming the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ActionConflict(Exception):
    """Someone else changed the action since the editor loaded it."""


class PermissionDenied(Exception):
    """The acting user may not change this action."""


@dataclass
class ActionData:
    """What a form, the reviews feature or the API gives to create or edit an action."""

    title: str
    description: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    priority: str = ActionPriority.MEDIUM.value
    type: str = ActionType.PREVENT.value
    due_date: date | None = None
    due_reason: str = ""
    factor_id: int | None = None
    tracker_url: str = ""
    incident_id: int | None = None
    review_id: int | None = None


def today_utc() -> date:
    """Today's date in UTC, the calendar every due date is counted in."""
    return utcnow().date()


def incident_of(db: Session, action: Action) -> Incident | None:
    """The incident an action came from, if any."""
    return db.get(Incident, action.incident_id) if action.incident_id else None


def can_view_action(db: Session, user: Any, action: Action) -> bool:
    """Standalone actions are open to every user; others follow their incident."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    incident = incident_of(db, action)
    return incident is None or can_view_incident(user, incident)


def can_edit_action(db: Session, user: Any, action: Action) -> bool:
    """Editors and above who can see the action may change it."""
    return can_view_action(db, user, action) and user.can(Role.EDITOR)


def can_set_status(db: Session, user: Any, action: Action) -> bool:
    """Editors, and the action's owner whatever their role, may move its status."""
    return can_view_action(db, user, action) and (
        user.can(Role.EDITOR) or action.owner_id == getattr(user, "id", None))


def _enum(cls: Any, value: str, field: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise ActionError(f"unknown {field} {value!r}; one of {allowed}", field) from None


def _validate(db: Session, data: ActionData, incident: Incident | None) -> dict[str, Any]:
    title = (data.title or "").strip()
    if not title:
        raise ActionError("the title cannot be empty", "title")
    if len(title) > 300:
        raise ActionError("the title is longer than 300 characters", "title")
    if len(data.description or "") > 20000:
        raise ActionError("the description is longer than 20,000 characters", "description")
    if data.owner_id is not None:
        owner = db.get(User, data.owner_id)
        if owner is None or not owner.active:
            raise ActionError("no such active user", "owner_id")
    if data.team_id is not None and db.get(Team, data.team_id) is None:
        raise ActionError("no such team", "team_id")
    if data.factor_id is not None:
        factor = db.get(ContributingFactor, data.factor_id)
        if factor is None or incident is None or factor.incident_id != incident.id:
            raise ActionError("the contributing factor must belong to this action's incident",
                              "factor_id")
    url = (data.tracker_url or "").strip()
    if url and (len(url) > 500 or not url.lower().startswith(("https://", "http://"))):
        raise ActionError("give an http(s) link of at most 500 characters", "tracker_url")
    ref = trackers.recognise(url) if url else None
    return {
        "title": title, "description": data.description or "", "owner_id": data.owner_id,
        "team_id": data.team_id, "priority": _enum(ActionPriority, data.priority, "priority"),
        "type": _enum(ActionType, data.type, "type"), "factor_id": data.factor_id,
        "tracker_url": url or None, "tracker_key": ref.key if ref else None,
    }


def _due_reason(data: ActionData, severity: int | None, start: date,
                days: tuple[int, ...]) -> str:
    reason = (data.due_reason or "").strip()
    if sla.beyond_sla(data.due_date, severity, start, days) and not reason:
        limit = sla.default_due(severity, start, days)
        raise ActionError(f"{data.due_date} is past the SLA ({limit}); give a reason",
                          "due_reason")
    return reason


def create_action(db: Session, actor: Any, data: ActionData, *,
                  sla_days: tuple[int, ...] = DEFAULT_SLA, today: date | None = None) -> Action:
    """Create an action (standalone, from an incident or from a review); due from the SLA."""
    today = today or today_utc()
    review = db.get(Review, data.review_id) if data.review_id else None
    if data.review_id and review is None:
        raise ActionError("no such review", "review_id")
    incident_id = data.incident_id or (review.incident_id if review else None)
    incident = db.get(Incident, incident_id) if incident_id else None
    if incident_id and incident is None:
        raise ActionError("no such incident", "incident_id")
    if review and incident and review.incident_id != incident.id:
        raise ActionError("the review belongs to another incident", "review_id")
    if actor is not None and not (actor.can(Role.EDITOR) and (
            incident is None or can_view_incident(actor, incident))):
        raise PermissionDenied()
    values = _validate(db, data, incident)
    severity = incident.severity if incident else None
    reason = _due_reason(data, severity, today, sla_days)
    due = data.due_date or sla.default_due(severity, today, sla_days)
    action = Action(**values, due_date=due, incident_id=incident_id,
                    review_id=review.id if review else None,
                    created_by_id=getattr(actor, "id", None))
    db.add(action)
    db.flush()
    details: dict[str, Any] = {"title": action.title, "due_date": due}
    if reason:
        details["due_reason"] = reason
    audit.record(db, actor, "action", action.id, "create", details, incident_id)
    sync_resolution(db, actor, incident_id)
    return action


def update_action(db: Session, actor: Any, action: Action, data: ActionData, *,
                  expected_version: int, sla_days: tuple[int, ...] = DEFAULT_SLA) -> bool:
    """Edit an action's fields; ActionConflict when it changed since `expected_version`."""
    if actor is not None and not can_edit_action(db, actor, action):
        raise PermissionDenied()
    if expected_version != action.version:
        raise ActionConflict()
    incident = incident_of(db, action)
    values = _validate(db, data, incident)
    start = action.created_at.date()
    reason = ""
    if data.due_date != action.due_date:
        reason = _due_reason(data, incident.severity if incident else None, start, sla_days)
    values["due_date"] = data.due_date
    changes: dict[str, Any] = audit.diff(action, values)
    if not changes:
        return False
    if reason and "due_date" in changes:
        changes["due_reason"] = reason
    audit.record(db, actor, "action", action.id, "update", changes, action.incident_id)
    db.flush()
    return True


def set_status(db: Session, actor: Any, action: Action, status: str, reason: str = "", *,
               source: str | None = None, now: datetime | None = None) -> bool:
    """Move an action to `status` (wont_do needs a reason); False when nothing changed."""
    if actor is not None and not can_set_status(db, actor, action):
        raise PermissionDenied()
    new = _enum(ActionStatus, status, "status")
    reason = (reason or "").strip()
    if new is ActionStatus.WONT_DO and not reason:
        raise ActionError("say why this action will not be done", "reason")
    if new is action.status and reason == (action.status_reason or ""):
        return False
    old = action.status
    action.status = new
    action.status_reason = reason if new is ActionStatus.WONT_DO else ""
    if new in CLOSED and old not in CLOSED:
        action.completed_at = now or utcnow()
    elif new in ACTIVE:
        action.completed_at = None
    changes: dict[str, Any] = {"status": [old, new]}
    if reason:
        changes["reason"] = reason
    if source:
        changes["source"] = source
    audit.record(db, actor, "action", action.id, "status", changes, action.incident_id)
    if new is not old:
        webhook_outbox.action_status_changed(db, action, old, new)  # sent after the commit
    db.flush()
    sync_resolution(db, actor, action.incident_id)
    return True


def bulk_set_status(db: Session, actor: Any, ids: list[int], status: str,
                    reason: str = "") -> tuple[int, int]:
    """Set the status of several actions; (changed, skipped: hidden or not allowed)."""
    _enum(ActionStatus, status, "status")
    found = list(db.scalars(select(Action).where(Action.id.in_(ids)).order_by(Action.id)))
    changed, skipped = 0, len(set(ids)) - len(found)
    for action in found:
        if not can_edit_action(db, actor, action):
            skipped += 1
            continue
        changed += set_status(db, actor, action, status, reason)
    return changed, skipped


def sync_resolution(db: Session, actor: Any, incident_id: int | None) -> None:
    """Derive resolved_at from the incident's actions; a manual value is never touched."""
    if incident_id is None:
        return
    incident = db.get(Incident, incident_id)
    if incident is None:
        return
    rows = db.execute(select(Action.status, Action.completed_at).where(
        Action.incident_id == incident_id)).all()
    value, source = incident.moment("resolved_at")
    if source is Provenance.MANUAL and value is not None:
        return
    if rows and all(status in CLOSED for status, _ in rows):
        last = max((at for _, at in rows if at is not None), default=None) or utcnow()
        if value != last or source is not Provenance.DERIVED:
            set_moment(db, actor, incident, "resolved_at", last, Provenance.DERIVED,
                       overwrite_manual=False)
    elif value is not None and source is Provenance.DERIVED:
        set_moment(db, actor, incident, "resolved_at", None, Provenance.DERIVED)


def history(db: Session, action: Action) -> list[Any]:
    """The action's audit rows, oldest first."""
    return list(db.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "action", AuditEvent.object_id == action.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)))
