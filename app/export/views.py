"""Downloads of one incident (PDF, one-pager, Markdown, JSON) and of the incident list (CSV)."""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required

from app.auth.decorators import visible_incident_or_404
from app.db import session
from app.incidents.filters import filter_from_args

from . import csv_export, json_export, render
from .markdown_export import review_markdown
from .review_data import review_document

bp = Blueprint("export", __name__)


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.get("/incidents/<int:incident_id>/export.pdf")
@login_required
def review_pdf(incident_id: int):
    """The review as PDF (?one_pager=1 for leadership, ?timeline=all for every event)."""
    incident = visible_incident_or_404(incident_id)
    timeline = request.args.get("timeline", "starred")
    if timeline not in ("starred", "all"):
        abort(400, "timeline: give 'starred' or 'all'")
    one_pager = request.args.get("one_pager") in ("1", "true", "yes")
    if one_pager:
        body = render.one_pager_pdf(session(), current_user, incident, current_user.timezone)
    else:
        body = render.to_pdf(render.review_html(session(), current_user, incident,
                                                current_user.timezone, timeline=timeline))
    name = f"{incident.ref}{'-one-pager' if one_pager else ''}.pdf"
    return _download(body, "application/pdf", name)


@bp.get("/incidents/<int:incident_id>/export.md")
@login_required
def review_md(incident_id: int):
    """The review as Markdown, for wikis."""
    incident = visible_incident_or_404(incident_id)
    d = review_document(session(), incident, current_user.timezone)
    return _download(review_markdown(d), "text/markdown; charset=utf-8", f"{incident.ref}.md")


@bp.get("/incidents/<int:incident_id>/export.json")
@login_required
def review_json(incident_id: int):
    """The whole incident as JSON (restorable with `flask import json`)."""
    incident = visible_incident_or_404(incident_id)
    doc = json_export.export_incident(session(), incident)
    return _download(json.dumps(doc, ensure_ascii=False, indent=1), "application/json",
                     f"{incident.ref}.json")


@bp.get("/incidents.csv")
@login_required
def incidents_csv():
    """The incident list as CSV, with the list page's filters; visible incidents only."""
    try:
        flt = filter_from_args(request.args, current_user.timezone)
    except ValueError as exc:
        abort(400, str(exc))
    out = io.StringIO()
    csv.writer(out).writerows(csv_export.incident_rows(session(), current_user, flt))
    return _download(out.getvalue(), "text/csv; charset=utf-8", "incidents.csv")
