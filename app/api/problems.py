"""RFC 9457 problem details: every API error is an application/problem+json body."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """An error to answer with a problem body; `errors` name the fields at fault."""

    def __init__(self, status: int, detail: str, *, errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None, title: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.title = title or HTTPStatus(status).phrase


def field_error(status: int, field: str, message: str) -> ApiProblem:
    """A problem about one field, named in the detail and in `errors`."""
    return ApiProblem(status, f"{field}: {message}", errors=[{"field": field, "message": message}])


def problem_response(status: int, detail: str, *, title: str | None = None,
                     errors: list[dict[str, str]] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    """The problem+json response for `status` with a detail for people."""
    body: dict[str, Any] = {"type": "about:blank", "title": title or HTTPStatus(status).phrase,
                            "status": status, "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_problem(exc: ApiProblem) -> Response:
    """Render an ApiProblem."""
    return problem_response(exc.status, exc.detail, title=exc.title, errors=exc.errors,
                            headers=exc.headers)


def from_http(exc: HTTPException) -> Response:
    """Render a werkzeug HTTP error (abort, 404, 405, 413, 429...) as a problem."""
    code = exc.code or 500
    # Keep the protocol headers the error carries (Allow on 405, Retry-After on 429).
    keep = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return problem_response(code, exc.description or HTTPStatus(code).phrase, title=exc.name,
                            headers=keep)
