"""The review meeting: agenda with timeboxes, parking lot, attendee feedback, invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import ParkingItem, Review, ReviewFeedback

from .service import ReviewError

# Used when a template has no agenda: Etsy's and PagerDuty's 60-minute outline.
DEFAULT_AGENDA = [
    {"key": "opening", "title": "Opening: purpose and ground rules", "minutes": 5},
    {"key": "timeline", "title": "Walk the timeline", "minutes": 35},
    {"key": "learning", "title": "Learning points", "minutes": 8},
    {"key": "actions", "title": "Actions", "minutes": 7},
    {"key": "impact", "title": "Customer impact and messaging", "minutes": 5},
]


def agenda(review: Review) -> list[dict[str, Any]]:
    """The meeting's phases with minutes, from the template version the review uses."""
    phases = review.template_snapshot.get("agenda") or DEFAULT_AGENDA
    return [{"key": p["key"], "title": p["title"], "minutes": int(p["minutes"])}
            for p in phases]


def park(db: Session, actor: Any, review: Review, text: str) -> ParkingItem:
    """Park a fix idea for later, so the timeline walk keeps going."""
    if not text or not text.strip():
        raise ReviewError("write the idea to park", "text")
    item = ParkingItem(review_id=review.id, text=text.strip()[:2000],
                       created_by_id=getattr(actor, "id", None))
    db.add(item)
    db.flush()
    return item


def parking_lot(db: Session, review: Review) -> list[ParkingItem]:
    """Parked ideas, oldest first."""
    return list(db.scalars(select(ParkingItem).where(ParkingItem.review_id == review.id)
                           .order_by(ParkingItem.id)))


def record_feedback(db: Session, user: Any, review: Review, learned: bool,
                    would_return: bool) -> ReviewFeedback:
    """Store (or change) an attendee's two answers."""
    allowed = {u.id for u in review.attendees} | {review.owner_id, review.facilitator_id}
    if user.id not in allowed:
        raise ReviewError("only the review's attendees answer its questions", "user")
    row = db.scalar(select(ReviewFeedback).where(ReviewFeedback.review_id == review.id,
                                                 ReviewFeedback.user_id == user.id))
    if row is None:
        row = ReviewFeedback(review_id=review.id, user_id=user.id, learned=learned,
                             would_return=would_return)
        db.add(row)
    else:
        row.learned, row.would_return = learned, would_return
    audit.record(db, user, "review", review.id, "feedback",
                 {"learned": learned, "would_return": would_return}, review.incident_id)
    db.flush()
    return row


@dataclass
class Quality:
    """Etsy's two questions, answered: n, and how many said yes to each."""

    n: int
    learned: int
    would_return: int

    @property
    def met(self) -> bool | None:
        """At least one learned something and at least half would come again."""
        if self.n == 0:
            return None
        return self.learned >= 1 and self.would_return * 2 >= self.n


def quality(db: Session, review: Review) -> Quality:
    """The review-quality answers so far."""
    rows = list(db.scalars(select(ReviewFeedback).where(ReviewFeedback.review_id == review.id)))
    return Quality(len(rows), sum(r.learned for r in rows), sum(r.would_return for r in rows))


def invitation(review: Review, title: str, url: str, minutes: int = 60) -> bytes:
    """An .ics invitation for the review meeting."""
    if review.meeting_at is None:
        raise ReviewError("set a meeting time first", "meeting_at")
    cal = Calendar()
    cal.add("prodid", "-//Debrief//review meeting//EN")
    cal.add("version", "2.0")
    ev = Event()
    ev.add("uid", f"review-{review.id}@debrief")
    ev.add("summary", f"Blameless review: {title}")
    ev.add("dtstart", review.meeting_at)
    ev.add("dtend", review.meeting_at + timedelta(minutes=minutes))
    ev.add("dtstamp", review.created_at)
    ev.add("description", f"Learning, not blame. Review draft: {url}")
    ev.add("url", url)
    for person in review.attendees:
        ev.add("attendee", f"mailto:{person.email}")
    cal.add_component(ev)
    return cal.to_ical()


def parking_to_action(db: Session, actor: Any, review: Review, incident: Any,
                      item: ParkingItem) -> Any:
    """Create an action from a parked idea (due date from the severity's SLA)."""
    from flask import current_app

    from app.actions import service as actions
    from app.actions import sla

    data = actions.ActionData(title=item.text[:300], incident_id=incident.id,
                              review_id=review.id)
    days = sla.parse_days(current_app.config["DEBRIEF_ACTION_SLA_DAYS"])
    action = actions.create_action(db, actor, data, sla_days=days)
    item.action_id = action.id
    db.flush()
    return action
