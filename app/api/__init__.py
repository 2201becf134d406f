"""JSON API under /api/v1: bearer tokens, problem details, rate limits, OpenAPI."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.exceptions import HTTPException

from .auth import rate_limit_key, require_token
from .blueprint import PREFIX, bp
from .openapi_schemas import MAX_ID
from .problems import ApiProblem, field_error, from_http, from_problem
from .query_args import check_query


def _limit() -> str:
    return current_app.config["DEBRIEF_API_RATE_LIMIT"]


@bp.before_request
def _guard() -> None:
    """Authenticate, then refuse what no database could look up."""
    require_token()
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            raise ApiProblem(404, f"no such {name.removesuffix('_id')}, or you may not see it")
    for name, value in request.args.items(multi=True):
        if "\x00" in value or len(value) > 2000:
            raise field_error(400, name, "too long or contains a NUL character")
    check_query()


bp.register_error_handler(ApiProblem, from_problem)
bp.register_error_handler(HTTPException, from_http)


def init_app(app: Flask) -> None:
    """Register the endpoints, exempt them from CSRF (no cookies) and limit each token."""
    from app.security import csrf

    from . import actions, incidents, insights, meta, reviews, timeline  # noqa: F401

    try:
        parse_many(app.config["DEBRIEF_API_RATE_LIMIT"])
    except ValueError:
        raise RuntimeError("DEBRIEF_API_RATE_LIMIT: not a rate limit; write e.g. "
                           "'600 per minute' or '100/minute;5000/hour'") from None
    csrf.exempt(bp)
    app.register_blueprint(bp)
    limiter = Limiter(
        key_func=rate_limit_key, app=app, default_limits=[_limit],
        storage_uri=app.config["DEBRIEF_API_RATE_LIMIT_STORAGE_URI"], headers_enabled=True,
        key_prefix="debrief-api")
    # Only the API is limited here; the web pages have their own login throttling.
    limiter.request_filter(lambda: not request.path.startswith(PREFIX + "/"))
    app.extensions["debrief.api_limiter"] = limiter
