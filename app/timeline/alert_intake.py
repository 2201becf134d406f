"""Alert intake rules: authenticate integrations, store alerts once, link them to incidents."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.models import (
    Alert,
    AlertIntegration,
    EventKind,
    Incident,
    IncidentStatus,
    Service,
    TimelineEvent,
    incident_service,
)

from .alert_payloads import PARSERS, ParsedAlert

OPEN_STATUSES = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED,
                 IncidentStatus.MONITORING)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_integration(db: Session, actor: Any, name: str, kind: str,
                       service_label: str = "service",
                       service_map: dict[str, str] | None = None) -> tuple[AlertIntegration, str]:
    """Create an integration; returns it and its token (shown once, stored hashed)."""
    if kind not in PARSERS:
        raise ValueError(f"kind: one of {', '.join(PARSERS)}")
    if not name.strip():
        raise ValueError("name: cannot be empty")
    if db.scalar(select(AlertIntegration).where(AlertIntegration.name == name.strip())):
        raise ValueError(f"name: an integration called {name!r} exists")
    token = "dbr_" + secrets.token_urlsafe(24)
    integration = AlertIntegration(name=name.strip(), kind=kind, token_hash=_hash(token),
                                   service_label=service_label or "service",
                                   service_map=service_map or {})
    db.add(integration)
    db.flush()
    audit.record(db, actor, "alert_integration", integration.id, "create",
                 {"name": integration.name, "kind": kind})
    return integration, token


def authenticate(db: Session, kind: str, token: str | None) -> AlertIntegration | None:
    """The integration of this kind whose token matches, else None."""
    if not token:
        return None
    digest = _hash(token)
    integration = db.scalar(select(AlertIntegration).where(
        AlertIntegration.token_hash == digest, AlertIntegration.kind == kind))
    # The lookup is by hash; compare again in constant time for good measure.
    if integration is None or not hmac.compare_digest(integration.token_hash, digest):
        return None
    return integration


def _service(db: Session, integration: AlertIntegration, alert: ParsedAlert) -> Service | None:
    value = alert.labels.get(integration.service_label)
    if value is None:
        return None
    # The map renames label values to service names (e.g. "checkout" -> "checkout-api").
    name = (integration.service_map or {}).get(value, value)
    return db.scalar(select(Service).where(Service.name == name))


def open_incident_for(db: Session, service: Service) -> Incident | None:
    """The most recently started open incident on `service`."""
    return db.scalar(
        select(Incident).join(incident_service, incident_service.c.incident_id == Incident.id)
        .where(incident_service.c.service_id == service.id, Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.started_at.desc().nulls_last(), Incident.id.desc()).limit(1))


def _event_for(db: Session, alert: Alert, integration: AlertIntegration,
               incident: Incident) -> TimelineEvent:
    when = alert.ends_at if alert.status == "resolved" and alert.ends_at else alert.starts_at
    word = "Resolved" if alert.status == "resolved" else "Firing"
    text = f"**{word}**: {alert.title}" + (f"\n\n{alert.description}" if alert.description
                                           else "")
    existing = db.scalar(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.source == integration.kind,
        TimelineEvent.source_id == alert.dedupe_key))
    if existing is not None:
        return existing
    event = TimelineEvent(
        incident_id=incident.id, occurred_at=when, author_name=integration.name,
        text=text, text_original=text, source=integration.kind, source_id=alert.dedupe_key,
        event_type="alert", raw={"status": alert.status, "labels": alert.labels},
        kind=EventKind.RECOVERY if alert.status == "resolved" else EventKind.DETECTION,
        attachments=[{"name": "alert", "url": alert.link, "mime": None}] if alert.link else [])
    db.add(event)
    db.flush()
    return event


def receive(db: Session, integration: AlertIntegration, payload: Any) -> dict[str, int]:
    """Store each alert once; link it to its service's open incident when there is one."""
    parsed = PARSERS[integration.kind](payload)
    counts = {"received": len(parsed), "stored": 0, "linked": 0, "duplicates": 0}
    integration.last_used_at = utcnow()
    for item in parsed:
        if db.scalar(select(Alert.id).where(Alert.integration_id == integration.id,
                                            Alert.dedupe_key == item.dedupe_key)):
            counts["duplicates"] += 1
            continue
        service = _service(db, integration, item)
        alert = Alert(integration_id=integration.id, dedupe_key=item.dedupe_key,
                      status=item.status, title=item.title[:300],
                      description=item.description[:5000], labels=item.labels,
                      starts_at=item.starts_at, ends_at=item.ends_at, link=item.link,
                      service_id=service.id if service else None)
        try:
            with db.begin_nested():  # a concurrent replay loses the race on the unique key
                db.add(alert)
                db.flush()
        except IntegrityError:
            counts["duplicates"] += 1
            continue
        counts["stored"] += 1
        incident = open_incident_for(db, service) if service else None
        if incident is not None:
            alert.incident_id = incident.id
            alert.event_id = _event_for(db, alert, integration, incident).id
            counts["linked"] += 1
    db.flush()
    return counts


def attach(db: Session, actor: Any, alert: Alert, incident: Incident) -> TimelineEvent:
    """Attach an unlinked alert to an incident's timeline."""
    event = _event_for(db, alert, alert.integration, incident)
    alert.incident_id = incident.id
    alert.event_id = event.id
    audit.record(db, actor, "alert", alert.id, "attach", {"incident": incident.id},
                 incident.id)
    db.flush()
    return event
