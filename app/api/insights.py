"""Search (the search page's query language) and metrics (the dashboard's figures)."""

from __future__ import annotations

from flask import current_app, request

from app.actions import queries as action_queries
from app.actions import service as actions
from app.db import session
from app.incidents import dashboard, metrics
from app.incidents import service as incidents
from app.search import service as search_service

from .auth import api_user
from .blueprint import bp
from .incidents import incident_filter
from .problems import ApiProblem, field_error

MAX_METRIC_INCIDENTS = 10_000


@bp.get("/search")
def search():
    """Incidents the user may see matching `q` (fields, phrases, filters as on /search)."""
    for name in ("page", "per_page"):
        raw = request.args.get(name, "")
        if raw and (not raw.isdigit() or not 1 <= int(raw) <= search_service.MAX_PAGE):
            raise field_error(400, name, f"a whole number from 1 to {search_service.MAX_PAGE}")
    per_page = int(request.args.get("per_page") or
                   current_app.config["DEBRIEF_SEARCH_PAGE_SIZE"])
    try:
        result = search_service.search(
            session(), api_user(), request.args.get("q", ""),
            sort=request.args.get("sort", "relevance"), page=request.args.get("page") or 1,
            per_page=min(per_page, 100), labels=current_app.config["DEBRIEF_SEVERITY_LABELS"])
    except search_service.SearchInputError as exc:
        raise field_error(400, exc.field, str(exc).partition(": ")[2]) from None
    if result.error is not None:
        raise ApiProblem(400, f"q: {result.error}", errors=[{
            "field": "q", "message": result.error.message,
            "position": str(result.error.position)}])
    return {
        "query": result.text, "sort": result.sort, "page": result.page,
        "per_page": result.per_page, "total": result.results.total, "pages": result.pages,
        "suggestion": result.suggestion,
        "items": [{"incident_id": h.incident_id, "ref": h.ref, "title": h.title,
                   "score": h.score, "snippet_html": str(h.snippet)}
                  for h in result.results.hits],
        "facets": {name: [{"value": f.value, "label": f.label, "count": f.count}
                          for f in values]
                   for name, values in result.results.facets.items()},
    }


def _seconds(td):
    return td.total_seconds() if td is not None else None


@bp.get("/metrics")
def get_metrics():
    """Durations (n, median, p90...) over the filtered incidents, and the dashboard counts."""
    flt = incident_filter()
    db, user = session(), api_user()
    rows = list(db.scalars(incidents.incidents_query(user, flt).limit(MAX_METRIC_INCIDENTS)))
    figures = dashboard.dashboard(db, user, actions.today_utc())
    counts = action_queries.counts(db, user, actions.today_utc())
    out = {}
    for m in metrics.METRICS:
        s = metrics.summarize_metric(rows, m.key)
        out[m.key] = {
            "label": m.label, "definition": s.metric.definition, "n": s.n,
            "missing_n": s.summary.missing_n, "median_seconds": _seconds(s.median),
            "p90_seconds": _seconds(s.p90), "min_seconds": _seconds(s.summary.min),
            "max_seconds": _seconds(s.summary.max), "warning": s.warning,
            "histogram": [{"label": b.label, "count": b.count} for b in s.histogram],
            "left_out": [{"incident_id": lo.incident.id, "reason": lo.reason}
                         for lo in s.left_out],
            "dora": s.dora,
        }
    return {
        "incidents": len(rows), "percentile_method": metrics.PERCENTILE_METHOD,
        "dora_definition": metrics.DORA_DEFINITION, "metrics": out,
        "dashboard": {
            "recent_incident_ids": [i.id for i in figures["recent"]],
            "reviews_in_progress": [{"review_id": r.id, "incident_id": i.id,
                                     "status": r.status.value}
                                    for r, i in figures["in_progress"]],
            "my_open_action_ids": [a.id for a in figures["my_actions"]],
            "open_actions": counts["open"], "overdue_actions": counts["overdue"],
        },
    }
