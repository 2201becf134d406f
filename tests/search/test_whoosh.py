"""Whoosh under several processes: concurrent writers, a writer killed in its commit,
a rebuild under an open searcher. Real processes, a real SQLite file in WAL mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from whoosh import index as windex

from app import migrate
from app.db import session
from app.incidents.service import IncidentData, create_incident
from app.models import SearchOutbox
from app.search import backend, service
from app.search.cli import Operator

WORKER = Path(__file__).with_name("whoosh_worker.py")
sys.path.insert(0, str(WORKER.parent))
from whoosh_worker import make_app, word  # noqa: E402


@pytest.fixture()
def shared(tmp_path):
    """A migrated SQLite file and an index directory, as a server's workers share them."""
    url = "sqlite:///" + str(tmp_path / "debrief.sqlite3")
    migrate.upgrade(url)
    return url, str(tmp_path / "whoosh")


@pytest.fixture()
def open_app():
    """make_app(url, dir) for this process; searchers are closed after the test."""
    apps = []

    def make(url: str, whoosh_dir: str):
        apps.append(make_app(url, whoosh_dir))
        return apps[-1]

    yield make
    for app in apps:  # close files now rather than leave them to the garbage collector
        backend(app).store.close()


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _found(app, text: str) -> list[int]:
    with app.app_context():
        page = service.search(session(), Operator(), text)
        assert page.error is None
        return [h.incident_id for h in page.results.hits]


def test_concurrent_writer_processes_lose_no_update(shared, open_app):
    url, whoosh_dir = shared
    procs = [_spawn("create", url, whoosh_dir, prefix, "12") for prefix in ("qua", "zor")]
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
    app = open_app(url, whoosh_dir)
    for prefix in ("qua", "zor"):
        for k in range(12):
            assert len(_found(app, word(prefix, k))) == 1, word(prefix, k)
    with app.app_context():
        status = backend(app).status(session())
    assert status.documents == status.incidents == 24 and status.pending == 0


def test_writer_killed_in_commit_leaves_a_working_index_and_its_rows(shared, tmp_path,
                                                                   open_app):
    url, whoosh_dir = shared
    app = open_app(url, whoosh_dir)
    engine = backend(app)
    with app.app_context():
        db = session()
        with engine.store.lock():  # another writer is busy: our commits only queue rows
            for k in range(40):
                create_incident(db, None, IncidentData(title=f"Queued {word('kil', k)}",
                                                       type="outage", severity=2))
            db.commit()
        assert engine.status(db).pending == 40
    out = app.test_cli_runner().invoke(args=["search", "status"])
    assert "pending: 40" in out.output and "outbox rows: 40" in out.output

    signal_file = tmp_path / "in-commit"
    proc = _spawn("hang-in-commit", url, whoosh_dir, str(signal_file))
    deadline = time.monotonic() + 60
    while not signal_file.exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the worker never reached its commit"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    live = engine.store.current()
    ix = windex.open_dir(Path(whoosh_dir) / live)  # the index still opens
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 0  # the killed commit never became visible
    with app.app_context():
        assert session().scalar(select(func.count()).select_from(SearchOutbox)) == 40
    # The next writer (here: the next query) takes the lock and drains every row.
    for k in range(40):
        assert len(_found(app, word("kil", k))) == 1, word("kil", k)
    with app.app_context():
        status = engine.status(session())
    assert status.pending == 0 and status.documents == 40


def test_rebuild_swaps_in_a_new_generation_under_an_open_searcher(shared, open_app):
    url, whoosh_dir = shared
    app = open_app(url, whoosh_dir)
    engine = backend(app)
    with app.app_context():
        db = session()
        for k in range(3):
            create_incident(db, None, IncidentData(title=f"Before {word('reb', k)}",
                                                   type="outage", severity=2))
            db.commit()
        old_generation = engine.store.current()
        old_searcher = engine.store.open().searcher()  # e.g. another worker's
        seen_during = []

        def progress(done: int, total: int) -> None:
            # Mid-rebuild: another request still searches the old generation.
            with app.app_context():
                seen_during.append(_found(app, word("reb", 1)))

        assert service.reindex(db, progress) == 3
        db.commit()
    assert seen_during and all(len(hits) == 1 for hits in seen_during)
    new_generation = engine.store.current()
    assert new_generation != old_generation
    assert [p.name for p in Path(whoosh_dir).glob("gen-*")] == [new_generation]
    # The searcher opened before the swap still answers from its (now unlinked) files.
    from whoosh.query import Term

    from app.search.whoosh_query import tokens

    assert len(old_searcher.search(Term("public", tokens("Before")[0]), limit=5)) == 3
    old_searcher.close()
    assert len(_found(app, word("reb", 2))) == 1
