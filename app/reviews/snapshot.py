"""Freeze a review into a snapshot: what the PDF, search and leadership see once published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.incidents import metrics
from app.models import (
    MOMENTS,
    Action,
    ContributingFactor,
    Incident,
    Review,
    TimelineEvent,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def build_snapshot(db: Session, review: Review, incident: Incident) -> dict[str, Any]:
    """The whole review as plain data, frozen at this moment."""
    titles = {s["key"]: s for s in review.template_snapshot.get("sections", [])}
    sections = [{"key": s.key, "title": titles.get(s.key, {}).get("title", s.key),
                 "holds": titles.get(s.key, {}).get("holds", "text"), "content": s.content}
                for s in sorted(review.sections, key=lambda s: s.position)]
    factors = db.scalars(select(ContributingFactor).where(
        ContributingFactor.incident_id == incident.id).order_by(ContributingFactor.id))
    actions = db.scalars(select(Action).where(Action.incident_id == incident.id)
                         .order_by(Action.id))
    starred = db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.starred.is_(True),
        TimelineEvent.hidden.is_(False)).order_by(TimelineEvent.occurred_at))
    durations = metrics.durations(incident)
    return {
        "version": review.published_version + 1,
        "title": incident.title,
        "ref": incident.ref,
        "template": {"key": review.template_key, "name": review.template_snapshot.get("name"),
                     "hash": review.template_hash},
        "incident": {
            "type": incident.type.value, "severity": incident.severity,
            "services": [s.name for s in incident.services],
            "summary": incident.summary, "impact": incident.impact_description,
            "users_affected": incident.users_affected,
            "downtime_minutes": incident.downtime_minutes,
            "moments": {m: {"at": _iso(getattr(incident, m)),
                            "source": (getattr(incident, f"{m}_source").value
                                       if getattr(incident, f"{m}_source") else None)}
                        for m in MOMENTS},
            "durations": {k: (d.value.total_seconds() if d.value is not None else None)
                          for k, d in durations.items()},
        },
        "sections": sections,
        "factors": [{"category": f.category.value, "description": f.description}
                    for f in factors],
        "actions": [{"title": a.title, "type": a.type.value, "status": a.status.value,
                     "owner": a.owner.display_name if a.owner else None,
                     "due": _iso(a.due_date)} for a in actions],
        "timeline": [{"at": _iso(e.occurred_at), "source": e.source, "author": e.author_name,
                      "text": e.text, "annotation": e.annotation} for e in starred],
    }
