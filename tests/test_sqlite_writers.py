"""SQLite under several gunicorn workers: a writing request is never failed by another's commit.

Found by benchmarks/load.py: a POST that read first, then wrote after another worker had
committed, failed at once with "database is locked" (a stale WAL snapshot cannot be
upgraded; the busy timeout does not apply) and the user got a 500.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import create_app, migrate
from app.db import session
from app.models import Service


@pytest.fixture()
def sqlite_app(tmp_path: Path):
    """The app on its own SQLite file, as a gunicorn worker runs it (no test transaction)."""
    path = tmp_path / "workers.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DEBRIEF_DATABASE_URL": url, "SECRET_KEY": "test"})
    yield app, path
    from app.db import database

    database(app).engine.dispose()


def other_worker_writes(path: Path, name: str) -> None:
    """Another worker's short write transaction, giving up quickly instead of queueing."""
    conn = sqlite3.connect(path, timeout=0.2)
    try:
        conn.execute("INSERT INTO service (name, description) VALUES (?, '')", (name,))
        conn.commit()
    finally:
        conn.close()


def test_writing_request_keeps_its_write_after_another_worker_commits(sqlite_app) -> None:
    app, path = sqlite_app
    with app.test_request_context("/incidents/1/events", method="POST"):
        db = session()
        db.scalar(select(func.count()).select_from(Service))  # reads first, as views do
        # The other worker now waits for the lock (here: gives up) instead of slipping a
        # commit in between this request's read and its write.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_worker_writes(path, "payments")
        db.add(Service(name="checkout", description=""))
        db.commit()  # before the fix: "database is locked", a 500 for the user
    other_worker_writes(path, "payments")
    with app.test_request_context("/services"):
        assert sorted(session().scalars(select(Service.name))) == ["checkout", "payments"]


def test_reading_request_never_blocks_writers(sqlite_app) -> None:
    app, path = sqlite_app
    with app.test_request_context("/services", method="GET"):
        db = session()
        before = db.scalar(select(func.count()).select_from(Service))
        other_worker_writes(path, "search")  # a page being rendered holds no write lock
        assert db.scalar(text("SELECT count(*) FROM service")) == before  # its snapshot
