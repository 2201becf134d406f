"""Timeline editing on the incident page: add, edit, star, hide."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.decorators import editable_incident_or_404
from app.db import session
from app.timefmt import parse_local

from . import service

bp = Blueprint("timeline", __name__)


def _back(incident_id: int, anchor: str = "timeline"):
    return redirect(url_for("incidents.show", incident_id=incident_id) + f"#{anchor}")


def _time(value: str | None, field: str = "occurred_at"):
    try:
        return parse_local(value, current_user.timezone)
    except ValueError:
        abort(400, f"{field}: not a date and time (YYYY-MM-DD HH:MM)")


@bp.post("/incidents/<int:incident_id>/events")
@login_required
def add(incident_id: int):
    """Add an event by hand."""
    incident = editable_incident_or_404(incident_id)
    when = _time(request.form.get("occurred_at"))
    if when is None:
        abort(400, "occurred_at: give the time of the event")
    try:
        service.add_event(session(), current_user, incident, when,
                          request.form.get("text", ""), request.form.get("kind"))
    except service.TimelineError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    flash("Event added.", "success")
    return _back(incident.id)


@bp.get("/incidents/<int:incident_id>/events/<int:event_id>/edit")
@login_required
def edit_form(incident_id: int, event_id: int):
    """One event's editor: time, kind, text, annotation, flags, and "set as moment"."""
    from app.incidents.display import MOMENT_LABELS
    from app.models import MOMENTS, EventKind

    incident = editable_incident_or_404(incident_id)
    event = service.event_of(session(), incident, event_id) or abort(404)
    return render_template("timeline/edit_event.html", incident=incident, event=event,
                           kinds=[k.value for k in EventKind],
                           moments=[(m, MOMENT_LABELS[m]) for m in MOMENTS])


@bp.post("/incidents/<int:incident_id>/events/<int:event_id>")
@login_required
def edit(incident_id: int, event_id: int):
    """Edit an event's text, time, kind or annotation (the original stays)."""
    incident = editable_incident_or_404(incident_id)
    event = service.event_of(session(), incident, event_id) or abort(404)
    form = request.form
    occurred_at = _time(form.get("occurred_at")) if form.get("occurred_at") else None
    stored = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(
        tzinfo=UTC)
    if occurred_at is not None and occurred_at == stored.replace(microsecond=0):
        # The time field was sent as shown (to the second): editing only the text or the
        # annotation must keep the exact imported time and not mark the time as changed.
        occurred_at = None
    try:
        service.edit_event(
            session(), current_user, event, text=form.get("text"), occurred_at=occurred_at,
            kind=form.get("kind") or None, annotation=form.get("annotation"))
    except service.TimelineError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    return _back(incident.id, f"event-{event.id}")


@bp.post("/incidents/<int:incident_id>/events/<int:event_id>/flags")
@login_required
def flags(incident_id: int, event_id: int):
    """Star/unstar or hide/unhide an event."""
    incident = editable_incident_or_404(incident_id)
    event = service.event_of(session(), incident, event_id) or abort(404)
    flag = {"star": ("starred", True), "unstar": ("starred", False),
            "hide": ("hidden", True), "unhide": ("hidden", False)}.get(request.form.get("op"))
    if flag is None:
        abort(400, "op: one of star, unstar, hide, unhide")
    service.set_flags(session(), current_user, event, **{flag[0]: flag[1]})
    session().commit()
    return _back(incident.id, f"event-{event.id}")
