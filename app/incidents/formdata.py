"""Translate incident forms to service data and back (times read in the viewer's zone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.choices import choices
from app.models import Incident, Service, User
from app.timefmt import input_value, parse_local

from .forms import IncidentForm
from .service import IncidentData, IncidentError


def fill_choices(form: IncidentForm, db: Session, labels: list[str]) -> None:
    """Load select choices: severities, services, users."""
    form.severity.choices = choices((i + 1, label) for i, label in enumerate(labels))
    form.services.choices = choices((s.name, s.name) for s in db.scalars(
        select(Service).order_by(Service.name)))
    people = choices([(0, "—")] + [(u.id, u.display_name) for u in db.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name))])
    form.commander_id.choices = people
    form.resolution_lead_id.choices = people


def _time(form: IncidentForm, name: str, zone_name: str) -> Any:
    try:
        return parse_local(getattr(form, name).data, zone_name)
    except ValueError:
        raise IncidentError("not a date and time (YYYY-MM-DD HH:MM)", name) from None


def to_data(form: IncidentForm, zone_name: str, *, creating: bool = False) -> IncidentData:
    """The form's values as IncidentData; IncidentError names a bad field.

    On creation an unticked box means "the default for the type" (security: restricted).
    """
    return IncidentData(
        title=form.title.data or "",
        type=form.type.data,
        severity=form.severity.data,
        status=form.status.data,
        summary=form.summary.data or "",
        services=list(form.services.data or []),
        tags=[t for t in (form.tags.data or "").split(",") if t.strip()],
        restricted=(True if form.restricted.data else None) if creating
        else bool(form.restricted.data),
        started_at=_time(form, "started_at", zone_name),
        impact_description=form.impact_description.data or "",
        users_affected=form.users_affected.data,
        downtime_minutes=form.downtime_minutes.data,
        support_tickets=form.support_tickets.data,
        data_loss_from=_time(form, "data_loss_from", zone_name),
        data_loss_to=_time(form, "data_loss_to", zone_name),
        commander_id=form.commander_id.data or None,
        resolution_lead_id=form.resolution_lead_id.data or None,
    )


def from_incident(form: IncidentForm, incident: Incident, zone_name: str) -> None:
    """Pre-fill an edit form from an incident (on GET)."""
    form.title.data = incident.title
    form.type.data = incident.type.value
    form.severity.data = incident.severity
    form.status.data = incident.status.value
    form.services.data = [s.name for s in incident.services]
    form.tags.data = ", ".join(t.name for t in incident.tags)
    form.started_at.data = input_value(incident.started_at, zone_name)
    form.summary.data = incident.summary
    form.impact_description.data = incident.impact_description
    form.users_affected.data = incident.users_affected
    form.downtime_minutes.data = incident.downtime_minutes
    form.support_tickets.data = incident.support_tickets
    form.data_loss_from.data = input_value(incident.data_loss_from, zone_name)
    form.data_loss_to.data = input_value(incident.data_loss_to, zone_name)
    form.commander_id.data = incident.commander_id or 0
    form.resolution_lead_id.data = incident.resolution_lead_id or 0
    form.restricted.data = incident.restricted
