"""A separate process for the Whoosh multi-worker tests: `create` or `hang-in-commit`.

    python tests/search/whoosh_worker.py create DB_URL WHOOSH_DIR PREFIX COUNT
    python tests/search/whoosh_worker.py hang-in-commit DB_URL WHOOSH_DIR SIGNAL_FILE
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def make_app(url: str, whoosh_dir: str):
    """An app on the shared database and index directory, as one gunicorn worker has."""
    from app import create_app

    return create_app({"DEBRIEF_DATABASE_URL": url, "DEBRIEF_SEARCH_BACKEND": "whoosh",
                       "DEBRIEF_WHOOSH_DIR": whoosh_dir, "SECRET_KEY": "worker",
                       "INSTANCE_PATH": tempfile.mkdtemp(prefix="debrief-worker-")})


def word(prefix: str, k: int) -> str:
    """A unique, letters-only word per incident (digits spelled as letters)."""
    return prefix + "".join("bcdfghjklm"[int(c)] for c in str(k)) + "x"


def create(url: str, whoosh_dir: str, prefix: str, count: int) -> None:
    """Create `count` incidents, one commit each, as requests of one worker would."""
    from app.db import session
    from app.incidents import service

    app = make_app(url, whoosh_dir)
    with app.app_context():
        db = session()
        for k in range(count):
            service.create_incident(db, None, service.IncidentData(
                title=f"Worker incident {word(prefix, k)}", type="outage", severity=3))
            db.commit()


def hang_in_commit(url: str, whoosh_dir: str, signal: str) -> None:
    """Drain the outbox, but stop between writing the segment and its table of contents."""
    from whoosh.writing import SegmentWriter

    from app.search import backend

    def stuck(self, segments):
        Path(signal).write_text("in commit")
        time.sleep(120)  # the test kills us here

    SegmentWriter._commit_toc = stuck
    app = make_app(url, whoosh_dir)
    backend(app).drain()


if __name__ == "__main__":
    mode, url, whoosh_dir, *rest = sys.argv[1:]
    if mode == "create":
        create(url, whoosh_dir, rest[0], int(rest[1]))
    else:
        hang_in_commit(url, whoosh_dir, rest[0])
