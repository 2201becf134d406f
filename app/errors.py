"""Error pages for people: what went wrong, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
        if _wants_json():
            body = {"type": "about:blank", "title": exc.name, "status": code,
                    "detail": exc.description}
            return jsonify(body), code, {"Content-Type": "application/problem+json"}
        return render_template("error.html", code=code, title=exc.name,
                               message=exc.description), code
