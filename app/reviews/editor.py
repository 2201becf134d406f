"""What the review pages show: start choices, the editor's sections, history with diffs."""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Action,
    FactorCategory,
    Incident,
    Review,
    ReviewStatus,
    Role,
    TimelineEvent,
    User,
)

from . import language, meeting, service
from . import templates as loader
from .factors import factors_of


def start_context(db: Session, incident: Incident, templates: dict[str, Any]) -> dict[str, Any]:
    """Template choices with the suggested one first; people to pick from."""
    suggested = loader.suggest_template(templates, f"SEV{incident.severity}",
                                        incident.type.value) if templates else None
    users = list(db.scalars(select(User).where(User.active.is_(True))
                            .order_by(User.display_name)))
    involved = {u.id for u in incident.responders} | {incident.commander_id,
                                                       incident.resolution_lead_id}
    return {"incident": incident, "templates": list(templates.values()),
            "suggested": suggested.key if suggested else None, "users": users,
            "involved": involved,
            "facilitators": [u for u in users if u.can(Role.FACILITATOR)]}


def edit_context(db: Session, user: Any, incident: Incident, review: Review) -> dict[str, Any]:
    """Sections with their template prompts, factors, actions, starred events, findings."""
    by_key = {s.key: s for s in review.sections}
    writer = user.can(Role.EDITOR)
    names = language.people_names(db, review) if writer else []
    sections = []
    for tpl in service.template_sections(review):
        stored = by_key.get(tpl["key"])
        content = stored.content if stored else ""
        sections.append({
            **tpl, "content": content, "version": stored.version if stored else 0,
            "findings": language.findings(db, review, tpl["key"], content,
                                          tpl.get("holds", "text"), names)
            if writer and content else [],
        })
    starred = list(db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.starred.is_(True),
        TimelineEvent.hidden.is_(False)).order_by(TimelineEvent.occurred_at)))
    events = list(db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.hidden.is_(False))
        .order_by(TimelineEvent.occurred_at).limit(500)))
    return {
        "incident": incident, "review": review, "sections": sections, "writer": writer,
        "published_view": not writer or review.status is ReviewStatus.PUBLISHED,
        "factors": factors_of(db, incident.id), "categories": [c.value for c in FactorCategory],
        "actions": list(db.scalars(select(Action).where(Action.incident_id == incident.id)
                                   .order_by(Action.id))),
        "starred": starred, "events": events,
        "parking": meeting.parking_lot(db, review), "quality": meeting.quality(db, review),
        "is_attendee": user.id in {u.id for u in review.attendees} | {
            review.owner_id, review.facilitator_id},
        "missing": service.missing_required(db, review) if writer else [],
    }


def history_entries(db: Session, review: Review) -> list[dict[str, Any]]:
    """Revisions newest first, each with a unified diff against the version before it."""
    revisions = list(reversed(service.changelog(db, review)))
    previous: dict[str, str] = {}
    entries = []
    for rev in revisions:
        if rev.section_key == "*":
            entries.append({"revision": rev, "diff": None})
            continue
        before = previous.get(rev.section_key, "")
        diff = "\n".join(difflib.unified_diff(
            before.splitlines(), rev.content.splitlines(), "before", "after", lineterm="",
            n=2))
        previous[rev.section_key] = rev.content
        entries.append({"revision": rev, "diff": diff})
    authors = {u.id: u.display_name for u in db.scalars(select(User))}
    for e in entries:
        e["author"] = authors.get(e["revision"].user_id, "—")
    return list(reversed(entries))
