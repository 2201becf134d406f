"""Everything the incident page shows, gathered in one place for a thin view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from app.auth.permissions import can_edit_incident
from app.choices import choices
from app.models import (
    MOMENTS,
    Action,
    ContributingFactor,
    EventKind,
    Incident,
    Review,
    TimelineEvent,
    TimelineImport,
    User,
)
from app.search.service import similar_incidents
from app.timeline import moments
from app.timeline.service import EventFilter, events_query
from app.web import viewer_zone

from . import metrics
from .event_html import row_renderer
from .forms import MembersForm, MomentForm

MOMENT_LABELS = {
    "started_at": "Started",
    "detected_at": "Detected",
    "acknowledged_at": "Acknowledged",
    "identified_at": "Identified",
    "mitigated_at": "Mitigated",
    "recovered_at": "Recovered",
    "resolved_at": "Resolved",
}


# What the timeline rows (templates/incidents/_event.html) and moment suggestions read.
# The raw item stays last: the row cache keys on every column but that one.
_ROW_COLUMNS = (
    TimelineEvent.id, TimelineEvent.occurred_at, TimelineEvent.original_occurred_at,
    TimelineEvent.source, TimelineEvent.channel, TimelineEvent.author_name,
    TimelineEvent.kind, TimelineEvent.event_type, TimelineEvent.starred, TimelineEvent.hidden,
    TimelineEvent.edited_at, TimelineEvent.text, TimelineEvent.text_original,
    TimelineEvent.annotation, TimelineEvent.raw)


def people_choices(db: Session) -> list[SelectChoice]:
    """Active users as select choices."""
    return choices((u.id, f"{u.display_name} <{u.email}>") for u in db.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name)))


def moment_rows(incident: Incident) -> list[dict[str, Any]]:
    """Each lifecycle moment with its value and provenance."""
    rows = []
    for name in MOMENTS:
        value, source = incident.moment(name)
        rows.append({"name": name, "label": MOMENT_LABELS[name], "value": value,
                     "source": source.value if source else None})
    return rows


def duration_rows(incident: Incident) -> list[dict[str, Any]]:
    """Each duration of DOMAIN.md with its definition; unknown when a moment is missing."""
    values = metrics.durations(incident)
    rows = []
    for m in metrics.METRICS:
        d = values[m.key]
        rows.append({"key": m.key, "label": m.label, "definition": m.definition,
                     "text": metrics.format_duration(d.value) if d.value is not None else None,
                     "reason": d.reason})
    recover = values["time_to_recover"].value
    return rows if recover is None else rows + [{
        "key": "dora", "label": "DORA recovery band",
        "definition": "elite < 1 h; high < 1 day; medium < 1 week; low otherwise",
        "text": metrics.dora_band(recover), "reason": None}]


def incident_page_context(db: Session, user: Any, incident: Incident,
                          args: Mapping[str, str],
                          status_mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """Template variables for the incident page."""
    flt = EventFilter.from_args(args)
    # Plain rows, not ORM objects: the page only reads them, and a 500-event timeline
    # loads several times faster this way.
    events = list(db.execute(events_query(incident.id, flt).with_only_columns(*_ROW_COLUMNS)))
    sources = list(db.scalars(select(TimelineEvent.source).distinct().where(
        TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.source)))
    authors = list(db.scalars(select(TimelineEvent.author_name).distinct().where(
        TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.author_name)))
    moment_form = MomentForm()
    moment_form.moment.choices = choices((m, MOMENT_LABELS[m]) for m in MOMENTS)
    people_form = MembersForm()
    people_form.members.choices = people_form.responders.choices = people_choices(db)
    people_form.members.data = [u.id for u in incident.members]
    people_form.responders.data = [u.id for u in incident.responders]
    can_edit = can_edit_incident(user, incident)
    events_url = url_for("timeline.add", incident_id=incident.id)
    return {
        "incident": incident,
        "can_edit": can_edit,
        "events_url": events_url,
        "event_row": row_renderer(viewer_zone(), can_edit, events_url),
        "moments": moment_rows(incident),
        "durations": duration_rows(incident),
        "events": events,
        "event_filter": flt,
        "sources": sources,
        "authors": authors,
        "kinds": [k.value for k in EventKind],
        "imports": list(db.scalars(select(TimelineImport).where(
            TimelineImport.incident_id == incident.id).order_by(TimelineImport.id))),
        "review": db.scalar(select(Review).where(Review.incident_id == incident.id)),
        "factors": list(db.scalars(select(ContributingFactor).where(
            ContributingFactor.incident_id == incident.id))),
        "actions": list(db.scalars(select(Action).where(Action.incident_id == incident.id))),
        "suggestions": moments.suggestions(
            db, incident, status_mapping,
            events if flt == EventFilter() else None) if can_edit else [],
        "moment_form": moment_form,
        "similar": similar_incidents(db, user, incident),
        "people_form": people_form,
    }
