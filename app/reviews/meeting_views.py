"""Facilitator mode, parking lot, factors, attendee feedback and the meeting invitation."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.db import session
from app.models import ContributingFactor, ParkingItem, ReviewSection, TimelineEvent

from . import factors, meeting, service
from .access import readable_review, writable_review

bp = Blueprint("review_meeting", __name__)

QUESTIONS = [
    "What did you see that made it seem off? What did you think was happening?",
    "What options did you consider? What did you do next?",
    "How did that make sense at the time? What could lead any responder to do that?",
    "What else was going on? What does normal work look like here?",
    "What made you ask for help, and whom? How did you know that?",
    "How much of this is new to the people in the room?",
    "What surprised you? What should others know?",
]


def _back(incident_id: int, anchor: str = ""):
    return redirect(url_for("reviews.edit", incident_id=incident_id) + anchor)


@bp.get("/incidents/<int:incident_id>/review/meeting")
@login_required
def facilitate(incident_id: int):
    """The meeting view for a projector: agenda, timers, current event, questions."""
    incident, review = writable_review(incident_id)
    db = session()
    events = list(db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.hidden.is_(False))
        .order_by(TimelineEvent.starred.desc(), TimelineEvent.occurred_at)))
    # Walk the starred events first (in time order), then the rest if time allows.
    events.sort(key=lambda e: (not e.starred, e.occurred_at))
    notes = next((s.content for s in review.sections if s.key == "meeting_notes"), "")
    return render_template("reviews/meeting.html", incident=incident, review=review,
                           agenda=meeting.agenda(review), events=events, questions=QUESTIONS,
                           parking=meeting.parking_lot(db, review), notes=notes,
                           notes_version=next((s.version for s in review.sections
                                               if s.key == "meeting_notes"), 0))


@bp.post("/incidents/<int:incident_id>/review/notes")
@login_required
def save_notes(incident_id: int):
    """Keep the meeting notes in the review (a section of their own)."""
    incident, review = writable_review(incident_id)
    db = session()
    if not any(s.key == "meeting_notes" for s in review.sections):
        review.sections.append(ReviewSection(key="meeting_notes", position=999, content=""))
        db.flush()
    try:
        service.save_section(db, current_user, review, "meeting_notes",
                             request.form.get("content", ""),
                             request.form.get("version", type=int) or 1)
    except service.SectionConflict:
        db.rollback()
        abort(409, "Someone else saved the notes meanwhile; reload to merge.")
    db.commit()
    return redirect(url_for("review_meeting.facilitate", incident_id=incident.id) + "#notes")


@bp.post("/incidents/<int:incident_id>/review/parking")
@login_required
def park(incident_id: int):
    """Park a fix idea so the timeline walk keeps going."""
    incident, review = writable_review(incident_id)
    try:
        meeting.park(session(), current_user, review, request.form.get("text", ""))
    except service.ReviewError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    target = request.form.get("back") == "meeting"
    return redirect(url_for("review_meeting.facilitate", incident_id=incident.id)
                    + "#parking") if target else _back(incident.id, "#parking")


@bp.post("/incidents/<int:incident_id>/review/parking/<int:item_id>/action")
@login_required
def parking_to_action(incident_id: int, item_id: int):
    """Turn a parked idea into an action of this incident."""
    incident, review = writable_review(incident_id)
    db = session()
    item = db.get(ParkingItem, item_id)
    if item is None or item.review_id != review.id:
        abort(404)
    action = meeting.parking_to_action(db, current_user, review, incident, item)
    db.commit()
    flash(f"Action created: {action.title}", "success")
    return _back(incident.id, "#actions")


@bp.post("/incidents/<int:incident_id>/review/factors")
@login_required
def add_factor(incident_id: int):
    """Add a contributing factor (category, description, supporting events)."""
    incident, review = writable_review(incident_id)
    try:
        factors.add_factor(session(), current_user, review, request.form.get("category", ""),
                           request.form.get("description", ""),
                           [int(x) for x in request.form.getlist("event_ids") if x.isdigit()])
    except service.ReviewError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    return _back(incident.id, "#factors")


@bp.post("/incidents/<int:incident_id>/review/factors/<int:factor_id>/delete")
@login_required
def delete_factor(incident_id: int, factor_id: int):
    """Remove a contributing factor."""
    incident, review = writable_review(incident_id)
    factor = session().get(ContributingFactor, factor_id)
    if factor is None or factor.incident_id != incident.id:
        abort(404)
    factors.delete_factor(session(), current_user, factor)
    session().commit()
    return _back(incident.id, "#factors")


@bp.route("/incidents/<int:incident_id>/review/feedback", methods=["GET", "POST"])
@login_required
def feedback(incident_id: int):
    """After the meeting: did you learn something? would you come again?"""
    incident, review = readable_review(incident_id)
    if request.method == "POST":
        yes = {"yes", "1", "true"}
        try:
            meeting.record_feedback(session(), current_user, review,
                                    request.form.get("learned", "") in yes,
                                    request.form.get("would_return", "") in yes)
        except service.ReviewError as exc:
            abort(403, str(exc))
        session().commit()
        flash("Thank you: your answers help the next review.", "success")
        return _back(incident.id)
    return render_template("reviews/feedback.html", incident=incident, review=review)


@bp.get("/incidents/<int:incident_id>/review/invite.ics")
@login_required
def invite(incident_id: int):
    """Download the meeting invitation."""
    incident, review = readable_review(incident_id)
    try:
        body = meeting.invitation(review, incident.title, url_for(
            "reviews.edit", incident_id=incident.id, _external=True))
    except service.ReviewError as exc:
        abort(400, str(exc))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="review-{incident.ref}.ics"'})
