"""Suggested moments, promotion of events to moments, and pasting events in bulk."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.auth.decorators import editable_incident_or_404
from app.db import session
from app.models import MOMENTS

from . import moments
from .import_options import ImportRequestError, zone_or_error
from .service import TimelineError, event_of

bp = Blueprint("moments", __name__)


def status_mapping() -> dict[str, str] | None:
    """The configured tracker-status -> moment mapping (None: the built-in one)."""
    return current_app.config.get("DEBRIEF_STATUS_MOMENTS") or None


def _back(incident_id: int, anchor: str = "moments"):
    return redirect(url_for("incidents.show", incident_id=incident_id) + f"#{anchor}")


def _moment() -> str:
    moment = request.form.get("moment", "")
    if moment not in MOMENTS:
        abort(400, f"moment: one of {', '.join(MOMENTS)}")
    return moment


@bp.post("/incidents/<int:incident_id>/suggestions/accept")
@login_required
def accept(incident_id: int):
    """Accept one suggested moment (provenance: suggested)."""
    incident = editable_incident_or_404(incident_id)
    moment = _moment()
    event = event_of(session(), incident, request.form.get("event_id", 0, type=int))
    if event is None:
        abort(400, "event_id: no such event on this incident")
    done = moments.accept(session(), current_user, incident, moment, event,
                          overwrite_manual=request.form.get("overwrite") == "1")
    if not done:
        flash(f"{moment} was set by hand; tick 'replace' to overwrite it.", "error")
    session().commit()
    return _back(incident.id)


@bp.post("/incidents/<int:incident_id>/suggestions/accept-pager")
@login_required
def accept_pager(incident_id: int):
    """Accept every pager and alert moment at once (manual values are kept)."""
    incident = editable_incident_or_404(incident_id)
    accepted = moments.accept_pager_moments(session(), current_user, incident,
                                            status_mapping())
    session().commit()
    flash(f"Accepted: {', '.join(accepted) or 'nothing new'}.", "success")
    return _back(incident.id)


@bp.post("/incidents/<int:incident_id>/events/<int:event_id>/promote")
@login_required
def promote(incident_id: int, event_id: int):
    """Make this event's time a lifecycle moment (provenance: manual)."""
    incident = editable_incident_or_404(incident_id)
    event = event_of(session(), incident, event_id) or abort(404)
    moments.promote(session(), current_user, incident, event, _moment())
    session().commit()
    return _back(incident.id)


@bp.post("/incidents/<int:incident_id>/events/paste")
@login_required
def paste(incident_id: int):
    """Add events from pasted 'HH:MM text' lines in a chosen zone."""
    incident = editable_incident_or_404(incident_id)
    try:
        zone = zone_or_error(request.form.get("tz") or current_user.timezone)
        day = date.fromisoformat(request.form.get("date", ""))
    except ImportRequestError as exc:
        abort(400, str(exc))
    except ValueError:
        abort(400, "date: give the day of the first line (YYYY-MM-DD)")
    try:
        added = moments.paste_events(session(), current_user, incident,
                                     request.form.get("lines", ""), day, zone)
    except TimelineError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    flash(f"Added {len(added)} events.", "success")
    return _back(incident.id, "timeline")
