"""Jinja helpers: times in the viewer's zone, safe Markdown, severity labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, request
from flask_login import current_user

from .rendering import render_markdown
from .timefmt import input_value, show


def viewer_zone() -> str:
    """The zone times are shown in: the signed-in user's, else the default."""
    # Looked up once per request: a 500-event page asks three times per event, and each
    # current_user lookup goes through Flask-Login's proxy.
    if "viewer_zone" not in g:
        if getattr(current_user, "is_authenticated", False):
            g.viewer_zone = current_user.timezone
        else:
            return current_app.config["DEBRIEF_DEFAULT_TIMEZONE"]
    return g.viewer_zone


def localtime(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time shown in the viewer's zone, with the zone named."""
    return show(dt, viewer_zone(), fmt)


def severity_label(level: int | None) -> str:
    """The configured label of severity `level` (1..4)."""
    labels = current_app.config["DEBRIEF_SEVERITY_LABELS"]
    if level is None or not 1 <= level <= len(labels):
        return "—"
    return labels[level - 1]


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return request.path + ("?" + urlencode(args) if args else "")


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["severity"] = severity_label
    app.jinja_env.filters["input_time"] = lambda dt, seconds=False: input_value(
        dt, viewer_zone(), seconds=seconds)
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["viewer_zone"] = viewer_zone
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
