"""Search: a backend per app, kept current in the same transaction as the data."""

from __future__ import annotations

from flask import Flask, current_app

from .protocol import SearchBackend
from .tracking import mark_dirty

__all__ = ["backend", "init_app", "mark_dirty"]


def init_app(app: Flask) -> None:
    """Create the configured backend and hook the app's sessions to it."""
    from app.db import database

    from . import registry, tracking

    db = database(app)
    engine = registry.create(app.config, db.dialect)
    app.extensions["debrief.search"] = engine
    tracking.install(db.sessionmaker, engine)


def backend(app: Flask | None = None) -> SearchBackend:
    """The search backend of `app` (default: the current app)."""
    return (app or current_app).extensions["debrief.search"]
