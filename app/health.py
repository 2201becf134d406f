"""Health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .db import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 with the database reachable, 503 otherwise."""
    db = database()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", dialect=db.dialect)
