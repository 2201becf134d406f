"""Reminder digests: what to send to whom today, claimed once per day in reminder_log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.permissions import can_view_incident
from app.models import Action, Incident, ReminderLog, Review, User

from .service import ACTIVE

OWNER = "owner"
ESCALATION = "escalation"


@dataclass
class Digest:
    """One e-mail: a recipient, its kind and the actions it lists."""

    recipient: User
    kind: str
    actions: list[Action] = field(default_factory=list)

    @property
    def subject(self) -> str:
        n = len(self.actions)
        noun = "action" if n == 1 else "actions"
        if self.kind == ESCALATION:
            verb = "needs" if n == 1 else "need"
            return f"[Debrief] {n} overdue {noun} {verb} attention"
        return f"[Debrief] {n} follow-up {noun} due soon or overdue"


def _may_see(db: Session, user: User, action: Action) -> bool:
    # A digest never names an action of a restricted incident its reader may not see.
    if action.incident_id is None:
        return True
    incident = db.get(Incident, action.incident_id)
    return incident is not None and can_view_incident(user, incident)


def _add(digests: dict[tuple[int, str], Digest], db: Session, user: User | None, kind: str,
         action: Action) -> None:
    if user is None or not user.active or not user.email or not _may_see(db, user, action):
        return
    digest = digests.setdefault((user.id, kind), Digest(user, kind))
    if action not in digest.actions:
        digest.actions.append(action)


def _escalation_recipients(db: Session, action: Action) -> list[User | None]:
    people: list[User | None] = []
    review_ids = {action.review_id} - {None}
    if action.incident_id:
        review_ids |= set(db.scalars(select(Review.id).where(
            Review.incident_id == action.incident_id)))
    for review_id in review_ids:
        review = db.get(Review, review_id)
        people.append(review.owner if review else None)
    teams = [action.team] if action.team else []
    if not teams and action.incident_id:
        incident = db.get(Incident, action.incident_id)
        teams = [s.team for s in incident.services if s.team] if incident else []
    people += [t.manager for t in teams if t]
    return people


def plan(db: Session, today: date, days: int, escalate_after: int) -> list[Digest]:
    """Owner digests (due within `days`, or overdue) and escalations (overdue long enough)."""
    digests: dict[tuple[int, str], Digest] = {}
    horizon = today + timedelta(days=days)
    due = db.scalars(select(Action).where(
        Action.status.in_(ACTIVE), Action.due_date.is_not(None), Action.due_date <= horizon)
        .order_by(Action.due_date, Action.id))
    for action in due:
        _add(digests, db, action.owner, OWNER, action)
        if action.due_date <= today - timedelta(days=escalate_after):
            for person in _escalation_recipients(db, action):
                _add(digests, db, person, ESCALATION, action)
    return sorted(digests.values(), key=lambda d: (d.kind != OWNER, d.recipient.email))


def claim(db: Session, digest: Digest, today: date) -> bool:
    """Record the digest for today; False when it was already sent (the unique key decides)."""
    try:
        with db.begin_nested():
            db.add(ReminderLog(recipient=digest.recipient.email.lower(), kind=digest.kind,
                               day=today, action_count=len(digest.actions)))
    except IntegrityError:
        return False
    return True


def release(db: Session, digest: Digest, today: date) -> None:
    """Forget today's claim after a failed send, so the next run tries again."""
    db.execute(delete(ReminderLog).where(
        ReminderLog.recipient == digest.recipient.email.lower(),
        ReminderLog.kind == digest.kind, ReminderLog.day == today))


def describe(digest: Digest, today: date) -> list[str]:
    """One line per action, as the digest and the command's output show it."""
    lines = []
    for a in digest.actions:
        late = (today - a.due_date).days if a.due_date and a.due_date < today else 0
        when = f"{late} days overdue" if late else f"due {a.due_date}"
        owner = f", owner {a.owner.display_name}" if digest.kind == ESCALATION and a.owner else ""
        lines.append(f"#{a.id} {a.title} ({when}{owner})")
    return lines


def recipients_summary(digests: list[Any]) -> str:
    """``2 digests: a@x (owner), b@y (escalation)``."""
    if not digests:
        return "no digests"
    return f"{len(digests)} digests: " + ", ".join(
        f"{d.recipient.email} ({d.kind})" for d in digests)
