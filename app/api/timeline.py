"""Timeline events: list, append one, append many in one transaction, star and hide."""

from __future__ import annotations

from flask import request, url_for

from app.db import session
from app.incidents.service import page as page_of
from app.models import EventKind
from app.timeline import service

from . import serialize
from .access import editable_incident, visible_incident
from .auth import api_user
from .blueprint import bp
from .bodies import aware_time, validated
from .paging import page_args, paged
from .problems import ApiProblem, field_error

MAX_BULK = 5000


def _event_filter() -> service.EventFilter:
    for name in ("starred", "hidden"):
        if request.args.get(name) not in (None, "0", "1"):
            raise field_error(400, name, "0 or 1")
    kind = request.args.get("kind")
    if kind and kind not in {k.value for k in EventKind}:
        raise field_error(400, "kind", f"one of {', '.join(k.value for k in EventKind)}")
    return service.EventFilter.from_args(request.args)


@bp.get("/incidents/<int:incident_id>/events")
def list_events(incident_id: int):
    """The incident's events in time order (hidden ones only with hidden=1)."""
    incident = visible_incident(incident_id)
    flt = _event_filter()
    number, size = page_args()
    rows, total = page_of(session(), service.events_query(incident.id, flt), number, size)
    body, headers = paged([serialize.event(e) for e in rows], total, number, size)
    return body, 200, headers


def _add(incident, item: dict, where: str):
    try:
        return service.add_event(session(), api_user(), incident,
                                 aware_time(item["occurred_at"], f"{where}occurred_at"),
                                 item["text"], item.get("kind"), item.get("author_name"))
    except service.TimelineError as exc:
        field = f"{where}{exc.field or 'text'}"
        raise field_error(422, field, str(exc)) from None


@bp.post("/incidents/<int:incident_id>/events")
def append_event(incident_id: int):
    """Append one event (source manual, written as the token's user unless named)."""
    incident = editable_incident(incident_id)
    data = validated("EventCreate")
    db = session()
    try:
        event = _add(incident, data, "")
    except ApiProblem:
        db.rollback()
        raise
    db.commit()
    return serialize.event(event), 201


@bp.post("/incidents/<int:incident_id>/events/bulk")
def append_events(incident_id: int):
    """Append many events in one transaction: all are added, or none (errors name the item)."""
    incident = editable_incident(incident_id)
    data = validated("EventBulk")
    items = data["events"]
    if len(items) > MAX_BULK:
        raise field_error(422, "events", f"at most {MAX_BULK} events per call")
    db = session()
    # Every time is checked before anything is written, so errors list all bad items.
    problems = []
    for index, item in enumerate(items):
        try:
            aware_time(item["occurred_at"], f"events[{index}].occurred_at")
        except ApiProblem as exc:
            problems += exc.errors
    if problems:
        raise ApiProblem(422, f"{problems[0]['field']}: {problems[0]['message']}"
                         + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                         errors=problems[:50])
    try:
        events = service.add_events(db, api_user(), incident, [
            (aware_time(item["occurred_at"], f"events[{i}].occurred_at"), item["text"],
             item.get("kind"), item.get("author_name")) for i, item in enumerate(items)])
    except service.BulkEventError as exc:
        db.rollback()
        raise field_error(422, f"events[{exc.index}].{exc.field or 'text'}", str(exc)) from None
    db.commit()
    return {"count": len(events), "ids": [e.id for e in events],
            "links": {"events": url_for("api.list_events", incident_id=incident.id)}}, 201


@bp.patch("/incidents/<int:incident_id>/events/<int:event_id>")
def flag_event(incident_id: int, event_id: int):
    """Star/unstar or hide/unhide an event (hidden events stay stored)."""
    incident = editable_incident(incident_id)
    event = service.event_of(session(), incident, event_id)
    if event is None:
        raise ApiProblem(404, "no such event on this incident")
    data = validated("EventFlags")
    service.set_flags(session(), api_user(), event, starred=data.get("starred"),
                      hidden=data.get("hidden"))
    session().commit()
    return serialize.event(event)
