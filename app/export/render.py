"""Turn export data into HTML pages and PDFs with the app's templates and print CSS."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from sqlalchemy.orm import Session

from app.actions.service import today_utc
from app.db import utcnow
from app.incidents import metrics
from app.models import Incident
from app.rendering import markdown_to_html
from app.timefmt import show

from . import charts, onepager, pdf, report
from .review_data import review_document

_KEY_DURATIONS = ("time_to_detect", "time_to_acknowledge", "time_to_repair", "time_to_recover")


def _frame(title: str, stamp: str, zone: str, restricted: bool,
           watermark: str | None) -> dict[str, Any]:
    cfg = current_app.config
    return {"doc_title": title, "stamp": stamp, "zone": zone, "restricted": restricted,
            "watermark": watermark, "page_size": pdf.page_size_css(cfg["DEBRIEF_PDF_PAGE_SIZE"])}


def to_pdf(html: str) -> bytes:
    """The PDF of an export page, loading only Debrief's own static files."""
    limit = int(current_app.config["DEBRIEF_PDF_DATA_URI_MAX_KB"]) * 1024
    return pdf.render_pdf(html, current_app.static_folder or "", limit)


def review_html(db: Session, viewer: Any, incident: Incident, zone: str, *,
                timeline: str = "starred", one_pager: bool = False) -> str:
    """The print HTML of a review (or its leadership one-pager), times in `zone`."""
    d = review_document(db, incident, zone, timeline=timeline,
                        labels=current_app.config["DEBRIEF_SEVERITY_LABELS"])
    frame = _frame(f"{d['ref']} · {d['title']}", d["stamp"], zone, d["restricted"],
                   None if d["published"] else "DRAFT")
    common = {"d": d, "frame": frame, "generated": show(utcnow(), zone),
              "viewer": getattr(viewer, "display_name", None) or "the command line"}
    if not one_pager:
        return render_template("export/review.html", **common)
    by_key = {r["key"]: r for r in d["durations"]}
    recover = by_key["time_to_recover"]["value"]
    rows = onepager.objectives(incident, recover)
    for row in rows:
        row["actual_text"] = metrics.format_duration(row["actual"]) if row["actual"] else None
    return render_template(
        "export/one_pager.html", **common, max_rows=8,
        summary_html=markdown_to_html(onepager.trim(d["summary"])),
        key_durations=[by_key[k] for k in _KEY_DURATIONS], dora=metrics.dora_band(recover),
        objectives=rows, earlier=onepager.earlier_actions(db, viewer, incident, today_utc()))


def report_context(db: Session, viewer: Any, query: report.ReportQuery, zone: str
                   ) -> dict[str, Any]:
    """The period report's data and charts, for the web page and the PDF alike."""
    labels = current_app.config["DEBRIEF_SEVERITY_LABELS"]
    data = report.build(db, viewer, query, today_utc(), zone)
    return {"r": data, "q": query, "charts": charts.report_charts(data, labels), "zone": zone,
            "generated": show(utcnow(), zone), "small_n": report.SMALL_N, "labels": labels}


def report_html(db: Session, viewer: Any, query: report.ReportQuery, zone: str) -> str:
    """The print HTML of a period report."""
    ctx = report_context(db, viewer, query, zone)
    frame = _frame(f"Incident report {query.label()}", "PERIOD REPORT", zone, False, None)
    return render_template("export/report.html", **ctx, frame=frame, linkable=False,
                           viewer=getattr(viewer, "display_name", None) or "the command line")
