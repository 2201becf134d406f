"""Review pages: start, write section by section, publish, history."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from app import REPO_ROOT
from app.auth.decorators import editable_incident_or_404
from app.db import session
from app.models import Review
from app.rendering import markdown_to_html
from app.search.service import similar_incidents
from app.timefmt import parse_local

from . import catalog, editor, language, service
from .access import readable_review, writable_review
from .snapshot import build_snapshot

bp = Blueprint("reviews", __name__)


def _templates():
    return catalog.available(REPO_ROOT, current_app.instance_path)


def _to_editor(incident_id: int, anchor: str = ""):
    return redirect(url_for("reviews.edit", incident_id=incident_id) + anchor)


@bp.route("/incidents/<int:incident_id>/review/start", methods=["GET", "POST"])
@login_required
def start(incident_id: int):
    """Choose a template (suggested by severity and type), owner, facilitator, meeting."""
    incident = editable_incident_or_404(incident_id)
    db = session()
    if db.scalar(select(Review.id).where(Review.incident_id == incident.id)):
        return _to_editor(incident.id)
    templates = _templates()
    if request.method == "GET":
        return render_template("reviews/start.html", **editor.start_context(
            db, incident, templates))
    form = request.form
    template = templates.get(form.get("template", ""))
    if template is None:
        abort(400, "template: choose one of the templates offered")
    try:
        meeting_at = parse_local(form.get("meeting_at"), current_user.timezone)
    except ValueError:
        abort(400, "meeting_at: not a date and time")
    review, warnings = service.start_review(
        db, current_user, incident, template,
        owner_id=form.get("owner_id", type=int) or None,
        facilitator_id=form.get("facilitator_id", type=int) or None,
        attendee_ids=[int(x) for x in form.getlist("attendee_ids") if x.isdigit()],
        meeting_at=meeting_at)
    db.commit()
    for warning in warnings:
        flash(warning, "error")
    return _to_editor(incident.id)


@bp.get("/incidents/<int:incident_id>/review")
@login_required
def edit(incident_id: int):
    """The review: editable for writers, the published text for viewers."""
    incident, review = readable_review(incident_id)
    db = session()
    # Beside the editor: past incidents this one resembles, among those the user may see.
    similar = similar_incidents(db, current_user, incident, limit=3)
    return render_template("reviews/edit.html", similar=similar, **editor.edit_context(
        db, current_user, incident, review))


@bp.post("/incidents/<int:incident_id>/review/sections/<key>")
@login_required
def save_section(incident_id: int, key: str):
    """Save one section; a stale version gets the conflict view (nothing is lost)."""
    incident, review = writable_review(incident_id)
    db = session()
    wants_json = request.accept_mimetypes.best == "application/json"
    version = request.form.get("version", type=int)
    if version is None:
        abort(400, "version: missing (reload the page)")
    try:
        sec = service.save_section(db, current_user, review, key,
                                   request.form.get("content", ""), version)
    except service.SectionConflict as conflict:
        db.rollback()
        if wants_json:
            return jsonify(conflict=True, theirs=conflict.theirs,
                           version=conflict.their_version, author=conflict.their_author), 409
        return render_template("reviews/conflict.html", incident=incident, review=review,
                               conflict=conflict), 409
    except service.ReviewError as exc:
        abort(404 if exc.field == "section" else 400, str(exc))
    db.commit()
    if wants_json:
        return jsonify(ok=True, version=sec.version)
    flash("Section saved.", "success")
    return _to_editor(incident.id, f"#section-{key}")


@bp.post("/incidents/<int:incident_id>/review/preview")
@login_required
def preview(incident_id: int):
    """Live preview: safe HTML and the blameless-language findings for a draft text."""
    incident, review = writable_review(incident_id)
    text = request.form.get("content", "")[:200_000]
    key = request.form.get("key", "")
    holds = {s["key"]: s.get("holds", "text") for s in service.template_sections(review)}
    found = language.findings(session(), review, key, text, holds.get(key, "text"))
    return jsonify(html=markdown_to_html(text),
                   findings=[language.finding_dict(f) for f in found])


@bp.post("/incidents/<int:incident_id>/review/dismiss")
@login_required
def dismiss(incident_id: int):
    """Dismiss a language finding with a reason."""
    incident, review = writable_review(incident_id)
    try:
        language.dismiss(session(), current_user, review, request.form.get("key", ""),
                         request.form.get("rule", ""), request.form.get("text", ""),
                         request.form.get("reason", ""))
    except service.ReviewError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("reviews.edit", incident_id=incident.id))


@bp.get("/incidents/<int:incident_id>/review/publish")
@login_required
def publish_check(incident_id: int):
    """Before publishing: what is missing and what the language checker found."""
    incident, review = writable_review(incident_id)
    db = session()
    return render_template(
        "reviews/publish.html", incident=incident, review=review,
        missing=service.missing_required(db, review),
        findings=language.all_findings(db, review),
        titles={s["key"]: s["title"] for s in service.template_sections(review)})


@bp.post("/incidents/<int:incident_id>/review/status")
@login_required
def change_status(incident_id: int):
    """Move the review to in_review, published, or back to draft (with a reason)."""
    incident, review = writable_review(incident_id)
    db = session()
    to = request.form.get("to", "")
    try:
        snapshot = build_snapshot(db, review, incident) if to == "published" else None
        service.change_status(db, current_user, review, to, request.form.get("reason", ""),
                              snapshot)
    except service.ReviewError as exc:
        db.rollback()
        flash(str(exc), "error")
        target = "reviews.publish_check" if to == "published" else "reviews.edit"
        return redirect(url_for(target, incident_id=incident.id)), 303
    db.commit()
    flash(f"Review is now {review.status.value.replace('_', ' ')}.", "success")
    return _to_editor(incident.id)


@bp.get("/incidents/<int:incident_id>/review/history")
@login_required
def history(incident_id: int):
    """Every saved version with diffs; edits after publishing marked as the changelog."""
    incident, review = writable_review(incident_id)
    return render_template("reviews/history.html", incident=incident, review=review,
                           entries=editor.history_entries(session(), review))
