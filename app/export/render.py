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

from . import onepager, report
from .review_data import review_document

_KEY_DURATIONS = ("time_to_detect", "time_to_acknowledge", "time_to_repair", "time_to_recover")
# (rows per list, summary characters) tried in turn until the one-pager fits one sheet;
# what is cut is counted on the page ("and 3 more"), never dropped silently.
_FIT_STEPS = ((8, 700), (5, 450), (3, 250), (2, 120))


# WeasyPrint and matplotlib are imported where a PDF or a chart is made, not at start:
# together they are most of a worker's memory, and importers and most pages never use them.
def _frame(title: str, stamp: str, zone: str, restricted: bool,
           watermark: str | None) -> dict[str, Any]:
    from . import charts, pdf

    cfg = current_app.config
    return {"doc_title": title, "stamp": stamp, "zone": zone, "restricted": restricted,
            "watermark_uri": charts.watermark_data_uri(watermark) if watermark else None,
            "page_size": pdf.page_size_css(cfg["DEBRIEF_PDF_PAGE_SIZE"])}


def _data_limit() -> int:
    return int(current_app.config["DEBRIEF_PDF_DATA_URI_MAX_KB"]) * 1024


def to_pdf(html: str) -> bytes:
    """The PDF of an export page, loading only Debrief's own static files."""
    from . import pdf

    return pdf.render_pdf(html, current_app.static_folder or "", _data_limit())


def _glance(d: dict[str, Any], objectives: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cover's four figures: recovery, reach, the recovery objective, the actions."""
    recover = next(r for r in d["durations"] if r["key"] == "time_to_recover")
    band = metrics.dora_band(recover["value"])
    users = d["impact"]["users_affected"]
    rto = [o for o in objectives if o["kind"] == "RTO" and o["objective"] is not None]
    # The worst service decides: one missed objective is what leadership must see.
    worst = next((o for o in rto if o["verdict"] == "missed"), rto[0] if rto else None)
    done = sum(1 for a in d["actions"] if a["status"] == "done")
    open_ = sum(1 for a in d["actions"] if a["status"] in ("open", "in_progress"))
    return [
        {"label": "Time to recover", "value": recover["text"] or "unknown",
         "note": f"DORA band: {band}" if band else recover["reason"]},
        {"label": "Users affected", "value": f"{users:,}" if users is not None else "unknown",
         "note": (f"{d['impact']['downtime_minutes']} min downtime"
                  if d["impact"]["downtime_minutes"] is not None else "")},
        {"label": "Recovery objective", "value": worst["verdict"] if worst else "none set",
         "tone": worst["verdict"] if worst else "",
         "note": (f"{worst['service']}: RTO {worst['objective']} min, took "
                  f"{worst['actual_text'] or 'unknown'}" if worst else "no RTO on the services")},
        {"label": "Actions", "value": f"{open_} open",
         "note": f"{done} done of {len(d['actions'])}"},
    ]


def _objectives(incident: Incident, d: dict[str, Any]) -> list[dict[str, Any]]:
    recover = next(r for r in d["durations"] if r["key"] == "time_to_recover")["value"]
    rows = onepager.objectives(incident, recover)
    for row in rows:
        row["actual_text"] = metrics.format_duration(row["actual"]) if row["actual"] else None
    return rows


def review_html(db: Session, viewer: Any, incident: Incident, zone: str, *,
                timeline: str = "starred", one_pager: bool = False,
                fit: int = 0) -> str:
    """The print HTML of a review (or its leadership one-pager), times in `zone`.

    `fit` (one-pager only) shortens the lists step by step so the page stays one sheet.
    """
    d = review_document(db, incident, zone, timeline=timeline,
                        labels=current_app.config["DEBRIEF_SEVERITY_LABELS"])
    frame = _frame(f"{d['ref']} · {d['title']}", d["stamp"], zone, d["restricted"],
                   None if d["published"] else "DRAFT")
    common = {"d": d, "frame": frame, "generated": show(utcnow(), zone),
              "viewer": getattr(viewer, "display_name", None) or "the command line"}
    objectives = _objectives(incident, d)
    if not one_pager:
        return render_template("export/review.html", **common,
                               glance=_glance(d, objectives))
    by_key = {r["key"]: r for r in d["durations"]}
    rows, summary = _FIT_STEPS[min(fit, len(_FIT_STEPS) - 1)]
    return render_template(
        "export/one_pager.html", **common, max_rows=rows,
        summary_html=markdown_to_html(onepager.trim(d["summary"], summary)),
        key_durations=[by_key[k] for k in _KEY_DURATIONS],
        dora=metrics.dora_band(by_key["time_to_recover"]["value"]), objectives=objectives,
        earlier=onepager.earlier_actions(db, viewer, incident, today_utc(), max_rows=rows))


def one_pager_pdf(db: Session, viewer: Any, incident: Incident, zone: str) -> bytes:
    """The leadership one-pager as a one-page PDF (lists shortened until it fits)."""
    from . import pdf

    for fit in range(len(_FIT_STEPS)):
        html = review_html(db, viewer, incident, zone, one_pager=True, fit=fit)
        doc = pdf.render_document(html, current_app.static_folder or "", _data_limit())
        if len(doc.pages) == 1 or fit == len(_FIT_STEPS) - 1:
            return doc.write_pdf()
    raise AssertionError("unreachable")


def report_context(db: Session, viewer: Any, query: report.ReportQuery, zone: str
                   ) -> dict[str, Any]:
    """The period report's data and charts, for the web page and the PDF alike."""
    from . import charts

    labels = current_app.config["DEBRIEF_SEVERITY_LABELS"]
    data = report.build(db, viewer, query, today_utc(), zone)
    return {"r": data, "q": query, "charts": charts.report_charts(data, labels), "zone": zone,
            "generated": show(utcnow(), zone), "small_n": report.SMALL_N, "labels": labels}


def report_html(db: Session, viewer: Any, query: report.ReportQuery, zone: str) -> str:
    """The print HTML of a period report."""
    ctx = report_context(db, viewer, query, zone)
    # A report that lists restricted incidents is itself restricted material.
    frame = _frame(f"Incident report {query.label()}", "PERIOD REPORT", zone,
                   ctx["r"]["restricted"] > 0, None)
    frame["restricted_note"] = "includes restricted incidents (marked)."
    return render_template("export/report.html", **ctx, frame=frame, linkable=False,
                           viewer=getattr(viewer, "display_name", None) or "the command line")
