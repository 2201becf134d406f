"""Incidents: list with the web list's filters, create, read, set moments."""

from __future__ import annotations

from flask import request

from app.db import session
from app.incidents import service
from app.incidents.filters import filter_from_args
from app.models import MOMENTS, Provenance, Role

from . import serialize
from .access import editable_incident, visible_incident
from .auth import api_user, require_role
from .blueprint import bp
from .bodies import aware_time, validated
from .paging import page_args, paged
from .problems import ApiProblem, field_error

SORTS = ("started", "-started", "severity", "-severity", "title", "-title")


def incident_filter() -> service.IncidentFilter:
    """The list filters from the query (dates in the token user's zone); 400 names one."""
    sort = request.args.get("sort")
    if sort is not None and sort not in SORTS:
        raise field_error(400, "sort", f"one of {', '.join(SORTS)}")
    try:
        return filter_from_args(request.args, api_user().timezone)
    except ValueError as exc:
        name, _, message = str(exc).partition(": ")
        raise field_error(400, name, message or str(exc)) from None


@bp.get("/incidents")
def list_incidents():
    """Incidents the token's user may see, filtered and sorted like the web list."""
    flt = incident_filter()
    number, size = page_args()
    rows, total = service.page(session(), service.incidents_query(api_user(), flt), number,
                               size)
    body, headers = paged([serialize.incident(i) for i in rows], total, number, size)
    return body, 200, headers


@bp.post("/incidents")
def create_incident():
    """Open an incident (editors and above)."""
    require_role(Role.EDITOR)
    data = validated("IncidentCreate")
    db = session()
    try:
        incident = service.create_incident(db, api_user(), service.IncidentData(
            title=data["title"], type=data["type"], severity=data["severity"],
            status=data.get("status", "investigating"), summary=data.get("summary", ""),
            services=data.get("services", []), tags=data.get("tags", []),
            restricted=data.get("restricted"),
            started_at=aware_time(data.get("started_at"), "started_at"),
            impact_description=data.get("impact_description", ""),
            users_affected=data.get("users_affected"),
            downtime_minutes=data.get("downtime_minutes"),
            support_tickets=data.get("support_tickets"),
            commander_id=data.get("commander_id"),
            resolution_lead_id=data.get("resolution_lead_id")))
    except service.IncidentError as exc:
        db.rollback()
        raise field_error(422, exc.field or "body", str(exc)) from None
    db.commit()
    body = serialize.incident(incident)
    return body, 201, {"Location": body["links"]["self"]}


@bp.get("/incidents/<int:incident_id>")
def get_incident(incident_id: int):
    """One incident."""
    return serialize.incident(visible_incident(incident_id))


@bp.patch("/incidents/<int:incident_id>/moments")
def update_moments(incident_id: int):
    """Set or clear lifecycle moments (provenance manual); all or none are applied."""
    incident = editable_incident(incident_id)
    data = validated("MomentsUpdate")
    values = {name: aware_time(value, name) for name, value in data.items()}
    db = session()
    try:
        for name in MOMENTS:  # in lifecycle order, so the audit trail reads naturally
            if name in values:
                service.set_moment(db, api_user(), incident, name, values[name],
                                   Provenance.MANUAL)
    except service.IncidentError as exc:
        db.rollback()
        raise ApiProblem(422, str(exc), errors=[{"field": exc.field or "body",
                                                 "message": str(exc)}]) from None
    db.commit()
    return serialize.incident(incident)
