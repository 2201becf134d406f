"""Import a timeline file from the incident page: upload, preview, confirm, result."""

from __future__ import annotations

from pathlib import Path

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

from app import jobs
from app.auth.decorators import editable_incident_or_404
from app.db import session
from app.models import TimelineImport

from . import background, imports, uploads
from .import_options import ImportRequestError, form_defaults, parse_options, source_for
from .importers import ImportFormatError, Source, all_importers

bp = Blueprint("imports", __name__)


@bp.get("/incidents/<int:incident_id>/import")
@login_required
def form(incident_id: int):
    """The upload form, with the default time window filled in."""
    incident = editable_incident_or_404(incident_id)
    return render_template("timeline/import.html", incident=incident,
                           importers=all_importers(), values=form_defaults(incident,
                                                                           current_user))


@bp.post("/incidents/<int:incident_id>/import")
@login_required
def upload(incident_id: int):
    """Keep the uploaded file and go to its preview."""
    incident = editable_incident_or_404(incident_id)
    file = request.files.get("file")
    if file is None or not file.filename:
        abort(400, "file: choose a file to import")
    try:
        options = parse_options(request.form, current_user.timezone)
    except ImportRequestError as exc:
        abort(400, str(exc))
    pending = uploads.save(current_app.instance_path, incident.id, current_user.id,
                           file.filename, file.stream, options)
    url = url_for("imports.preview", incident_id=incident.id, token=pending.token)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(preview_url=url)  # the upload page's progress bar follows this
    return redirect(url, 303)


def _large(path: Path) -> bool:
    limit = current_app.config["DEBRIEF_IMPORT_BACKGROUND_MB"] * 1024 * 1024
    return path.stat().st_size >= limit


@bp.get("/incidents/<int:incident_id>/import/<token>")
@login_required
def preview(incident_id: int, token: str):
    """What the import would do: counts, window, zone, skipped, redacted.

    A large file is read by a background job with a progress page, which comes back here
    with ?job= to show the result.
    """
    incident = editable_incident_or_404(incident_id)
    found = uploads.load(current_app.instance_path, token, incident.id, current_user.id)
    if found is None:
        abort(404)
    pending, path = found
    job_id = request.args.get("job")
    if job_id:
        job = jobs.load(current_app.instance_path, job_id, current_user.id)
        result = (job or {}).get("result") or {}
        if job is None or result.get("token") != token:
            abort(404)
        summary = imports.ImportSummary.from_job_dict(result["summary"])
    elif _large(path):
        url = url_for("imports.preview", incident_id=incident.id, token=token)
        job_id = background.start_preview(current_app._get_current_object(), current_user.id,
                                          incident.id, pending, path, url)
        return redirect(url_for("jobs.show", job_id=job_id), 303)
    else:
        try:
            fmt, tz, sel = source_for(pending.options)
            summary = imports.preview(session(), incident, _source(pending, path), fmt, tz,
                                      sel)
        except ImportFormatError as exc:
            return render_template("timeline/import_error.html", incident=incident,
                                   error=exc), 400
    return render_template("timeline/preview.html", incident=incident, summary=summary,
                           token=token, options=pending.options)


@bp.post("/incidents/<int:incident_id>/import/<token>")
@login_required
def confirm(incident_id: int, token: str):
    """Run the import in one transaction and show the result."""
    incident = editable_incident_or_404(incident_id)
    found = uploads.load(current_app.instance_path, token, incident.id, current_user.id)
    if found is None:
        abort(404)
    pending, path = found
    if _large(path):
        expected = request.form.get("expected", type=int)
        job_id = background.start_import(current_app._get_current_object(), current_user.id,
                                         incident.id, pending, path, expected,
                                         request.script_root)
        return redirect(url_for("jobs.show", job_id=job_id), 303)
    db = session()
    try:
        fmt, tz, sel = source_for(pending.options)
        summary = imports.run_import(db, current_user, incident, _source(pending, path), fmt,
                                     tz, sel)
    except ImportFormatError as exc:
        db.rollback()
        return render_template("timeline/import_error.html", incident=incident,
                               error=exc), 400
    db.commit()
    uploads.discard(current_app.instance_path, token)
    flash(f"Imported {summary.kept} events ({summary.duplicates} already present).", "success")
    record = db.scalar(select(TimelineImport).where(TimelineImport.incident_id == incident.id)
                       .order_by(TimelineImport.id.desc()))
    return redirect(url_for("imports.result", incident_id=incident.id, import_id=record.id))


@bp.get("/incidents/<int:incident_id>/imports/<int:import_id>")
@login_required
def result(incident_id: int, import_id: int):
    """The stored report of one import."""
    incident = editable_incident_or_404(incident_id)
    record = session().get(TimelineImport, import_id)
    if record is None or record.incident_id != incident.id:
        abort(404)
    return render_template("timeline/result.html", incident=incident, record=record)


def _source(pending: uploads.PendingUpload, path: Path) -> Source:
    return Source(pending.filename, path=path)
