"""The metrics dashboard, its PDF, and the incidents behind each of its figures."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from app.actions.service import today_utc
from app.db import session

from . import render, report

bp = Blueprint("reports", __name__)


def _query() -> report.ReportQuery:
    try:
        return report.parse_query(request.args, today_utc())
    except ValueError as exc:
        abort(400, str(exc))


@bp.get("/reports")
@login_required
def index():
    """Period metrics with filters in the URL; every figure links to its incidents."""
    q = _query()
    ctx = render.report_context(session(), current_user, q, current_user.timezone)
    csv_args = {k: v for k, v in q.args().items() if k != "team"}  # the list has no team filter
    return render_template("reports/index.html", **ctx, linkable=True, csv_args=csv_args)


@bp.get("/reports/export.pdf")
@login_required
def export_pdf():
    """The period report as PDF, charts included."""
    q = _query()
    html = render.report_html(session(), current_user, q, current_user.timezone)
    return Response(render.to_pdf(html), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="report-{q.start}-{q.end}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.get("/reports/incidents")
@login_required
def incidents():
    """The incidents behind one figure of the report (?pick=severity:1 and the filters)."""
    q = _query()
    pick = request.args.get("pick", "all")
    try:
        rows = report.incidents_for(session(), current_user, q, pick, today_utc(),
                                    current_user.timezone)
    except ValueError as exc:
        abort(400, str(exc))
    return render_template("reports/incidents.html", rows=rows, q=q, pick=pick,
                           what=report.describe(pick))
