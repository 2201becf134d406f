"""Outgoing webhook events: one delivery row per endpoint, written in the caller's transaction.

Services call `review_published` / `action_status_changed`; the rows commit (or roll back)
with the change that caused them, and are delivered after the commit (see delivery.py).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Action, Incident, Review, WebhookDelivery, WebhookEndpoint

# Event name -> what it means (the admin page offers these).
EVENTS = {
    "review.published": "a review is published or republished",
    "action.status_changed": "a follow-up action changes status",
}
# Session.info key: ids of deliveries written in the current transaction.
PENDING_KEY = "debrief.webhooks.pending"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def incident_data(incident: Incident) -> dict[str, Any]:
    """What an event says about its incident; a restricted incident's title stays home."""
    data: dict[str, Any] = {"id": incident.id, "ref": incident.ref,
                            "type": incident.type.value, "severity": incident.severity,
                            "status": incident.status.value, "restricted": incident.restricted}
    if not incident.restricted:
        data["title"] = incident.title
    return data


def enqueue(db: Session, event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Write a pending delivery for every active endpoint subscribed to `event`."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [e for e in db.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)) if event in e.events]
    now = utcnow()
    rows = []
    for endpoint in endpoints:
        event_id = str(uuid.uuid4())
        rows.append(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event_id, event=event, status="pending",
            attempts=0, next_attempt_at=now, last_error="",
            payload={"id": event_id, "type": event, "created_at": now.isoformat(),
                     "data": data}))
    if rows:
        db.add_all(rows)
        db.flush()
        db.info.setdefault(PENDING_KEY, set()).update(r.id for r in rows)
    return rows


def requeue(db: Session, delivery: WebhookDelivery) -> None:
    """Make a delivery due now (one more attempt, even after it was marked failed)."""
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    db.flush()
    db.info.setdefault(PENDING_KEY, set()).add(delivery.id)


def review_published(db: Session, review: Review) -> None:
    """Queue `review.published` for the review's current published version."""
    incident = db.get(Incident, review.incident_id)
    if incident is None:
        return
    enqueue(db, "review.published", {
        "incident": incident_data(incident),
        "review": {"id": review.id, "status": "published",
                   "published_version": review.published_version,
                   "published_at": _iso(review.published_at)}})


def action_status_changed(db: Session, action: Action, old: Any, new: Any) -> None:
    """Queue `action.status_changed` with the old and new status."""
    incident = db.get(Incident, action.incident_id) if action.incident_id else None
    hide = incident is not None and incident.restricted
    data: dict[str, Any] = {
        "incident": incident_data(incident) if incident else None,
        "action": {"id": action.id, "status": getattr(new, "value", new),
                   "previous_status": getattr(old, "value", old),
                   "due_date": _iso(action.due_date),
                   "completed_at": _iso(action.completed_at)}}
    if not hide:
        data["action"]["title"] = action.title
    enqueue(db, "action.status_changed", data)
