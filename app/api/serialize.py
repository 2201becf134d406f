"""Models as the API's JSON shapes (times in UTC, RFC 3339, ``Z``)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from flask import url_for

from app.models import (
    MOMENTS,
    Action,
    ApiToken,
    ContributingFactor,
    Incident,
    Review,
    TimelineEvent,
)


def iso(value: datetime | date | None) -> str | None:
    """RFC 3339 in UTC (``...Z``), or a plain date, or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def incident(i: Incident) -> dict[str, Any]:
    """An incident with its moments (value and provenance) and impact."""
    return {
        "id": i.id, "ref": i.ref, "title": i.title, "type": i.type.value,
        "severity": i.severity, "status": i.status.value, "summary": i.summary,
        "restricted": i.restricted, "services": [s.name for s in i.services],
        "tags": [t.name for t in i.tags],
        "moments": {m: {"at": iso(getattr(i, m)),
                        "source": getattr(i, f"{m}_source").value
                        if getattr(i, f"{m}_source") else None} for m in MOMENTS},
        "impact": {"description": i.impact_description, "users_affected": i.users_affected,
                   "downtime_minutes": i.downtime_minutes,
                   "support_tickets": i.support_tickets,
                   "data_loss_from": iso(i.data_loss_from),
                   "data_loss_to": iso(i.data_loss_to)},
        "commander_id": i.commander_id, "resolution_lead_id": i.resolution_lead_id,
        "created_at": iso(i.created_at), "updated_at": iso(i.updated_at),
        "links": {"self": url_for("api.get_incident", incident_id=i.id),
                  "events": url_for("api.list_events", incident_id=i.id),
                  "review": url_for("api.get_review", incident_id=i.id)},
    }


def event(e: TimelineEvent) -> dict[str, Any]:
    """A timeline event."""
    return {
        "id": e.id, "incident_id": e.incident_id, "occurred_at": iso(e.occurred_at),
        "text": e.text, "kind": e.kind.value, "source": e.source,
        "author_name": e.author_name, "starred": e.starred, "hidden": e.hidden,
        "annotation": e.annotation, "original_occurred_at": iso(e.original_occurred_at),
        "created_at": iso(e.created_at),
    }


def review(r: Review) -> dict[str, Any]:
    """A review: status, sections with their versions, and the published snapshot."""
    meta = {s.get("key"): s for s in r.template_snapshot.get("sections", [])}
    return {
        "id": r.id, "incident_id": r.incident_id, "status": r.status.value,
        "status_reason": r.status_reason, "template_key": r.template_key,
        "template_name": r.template_snapshot.get("name"), "owner_id": r.owner_id,
        "facilitator_id": r.facilitator_id, "meeting_at": iso(r.meeting_at),
        "sections": [{"key": s.key, "title": meta.get(s.key, {}).get("title", s.key),
                      "holds": meta.get(s.key, {}).get("holds", "text"),
                      "required": bool(meta.get(s.key, {}).get("required")),
                      "content": s.content, "version": s.version}
                     for s in sorted(r.sections, key=lambda s: s.position)],
        "published_version": r.published_version, "published_at": iso(r.published_at),
        "published_snapshot": r.published_snapshot,
        "created_at": iso(r.created_at), "updated_at": iso(r.updated_at),
    }


def review_etag(r: Review) -> str:
    """Changes whenever the review or any of its sections is saved (the UI's versions)."""
    parts = [f"{r.id}:{r.version}"] + [f"{s.key}={s.version}" for s in
                                        sorted(r.sections, key=lambda s: s.key)]
    return '"r' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20] + '"'


def factor(f: ContributingFactor) -> dict[str, Any]:
    """A contributing factor with the ids of its supporting events."""
    return {"id": f.id, "incident_id": f.incident_id, "review_id": f.review_id,
            "category": f.category.value, "description": f.description,
            "event_ids": sorted(e.id for e in f.events), "created_at": iso(f.created_at)}


def action(a: Action) -> dict[str, Any]:
    """A follow-up action."""
    return {
        "id": a.id, "title": a.title, "description": a.description,
        "status": a.status.value, "status_reason": a.status_reason,
        "priority": a.priority.value, "type": a.type.value, "owner_id": a.owner_id,
        "team_id": a.team_id, "due_date": iso(a.due_date), "incident_id": a.incident_id,
        "review_id": a.review_id, "factor_id": a.factor_id, "tracker_url": a.tracker_url,
        "completed_at": iso(a.completed_at), "version": a.version,
        "created_at": iso(a.created_at), "updated_at": iso(a.updated_at),
        "links": {"self": url_for("api.get_action", action_id=a.id)},
    }


def action_etag(a: Action) -> str:
    """The action's version as an entity tag (the edit form's hidden version field)."""
    return f'"a{a.id}-v{a.version}"'


def token(t: ApiToken) -> dict[str, Any]:
    """Who a token acts for, and its scope (never its secret or hash)."""
    return {"id": t.id, "name": t.name, "scope": t.scope, "prefix": t.prefix,
            "user": {"id": t.user.id, "email": t.user.email,
                     "display_name": t.user.display_name, "role": str(t.user.role)},
            "created_at": iso(t.created_at), "expires_at": iso(t.expires_at),
            "last_used_at": iso(t.last_used_at)}
