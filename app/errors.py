"""Error pages for people: what went wrong, never a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/hooks/"))


def init_app(app: Flask) -> None:
    """Render HTTP errors as pages (or problem JSON under /api and /hooks)."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        message = "The form expired or was not sent from this site. Reload the page and retry."
        if _wants_json():
            return jsonify(title="CSRF check failed", status=400, detail=message), 400
        return render_template("error.html", code=400, title="Form check failed",
                               message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        description = exc.description
        if code == 413 and description == RequestEntityTooLarge.description:
            # Werkzeug's text does not say what the limit is, which is what people need.
            limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
            description = (f"The upload is too large: the limit is {limit:g} MiB per request "
                           "(setting DEBRIEF_MAX_UPLOAD_MB). Split the file or ask an admin.")
        if _wants_json():
            body = {"type": "about:blank", "title": exc.name, "status": code,
                    "detail": description, "instance": request.path}
            # Keep the protocol headers the error carries (Allow on 405, Retry-After on 429).
            headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
            headers["Content-Type"] = "application/problem+json"
            return jsonify(body), code, headers
        return render_template("error.html", code=code, title=exc.name,
                               message=description), code
