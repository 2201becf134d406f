"""Security by default: CSRF on every form, security headers on every response."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script or style anywhere: every asset is served from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


# Hook senders that cannot set headers pass their secret as ?token= (Alertmanager, Jira):
# request lines in access logs must not carry it.
_QUERY_SECRET = re.compile(r"(?i)([?&](?:token|secret|api_key|key|sig|signature)=)[^&\s\"']+")


class RedactQuerySecrets(logging.Filter):
    """Replace secret query values in log lines (werkzeug's and gunicorn's access logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _QUERY_SECRET.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _install_log_filter() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuerySecrets) for f in logger.filters):
            logger.addFilter(RedactQuerySecrets())


def init_app(app: Flask) -> None:
    """Enable CSRF protection, add security headers, keep secrets out of access logs."""
    csrf.init_app(app)
    _install_log_filter()

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
