"""The search page: /search?q=..."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from app.db import session

from . import query as query_language
from . import service

bp = Blueprint("search", __name__)


@bp.get("/search")
@login_required
def index():
    """Search the incidents the user may see; a query syntax error answers 400."""
    try:
        result = service.search(
            session(), current_user, request.args.get("q", ""),
            sort=request.args.get("sort", "relevance"), page=request.args.get("page", "1"),
            per_page=current_app.config["DEBRIEF_SEARCH_PAGE_SIZE"],
            labels=current_app.config["DEBRIEF_SEVERITY_LABELS"])
    except service.SearchInputError as exc:
        abort(400, str(exc))
    body = render_template("search/index.html", result=result, sorts=query_language.SORTS,
                           add_filter=query_language.add_filter, fields=query_language.FIELDS)
    return body, 400 if result.error else 200
