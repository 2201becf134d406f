"""Large imports run as background jobs: a progress page, then the preview and the result.

These tests use their own app on a file database (not the per-test transaction of the
shared fixtures) because the job writes from another thread through its own session.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app, migrate
from app.db import database
from app.models import TimelineEvent
from tests.conftest import PASSWORD, TEST_DATA, csrf_token


@pytest.fixture()
def bg(tmp_path: Path):
    """An app whose every import is 'large', with an editor, an outsider and an incident."""
    from app.auth import service as auth
    from app.incidents.service import IncidentData, create_incident

    url = f"sqlite:///{tmp_path / 'bg.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DEBRIEF_DATABASE_URL": url, "SECRET_KEY": "test-secret",
                      "DEBRIEF_IMPORT_BACKGROUND_MB": 0})
    with app.app_context():
        db = database(app).sessionmaker()
        editor = auth.create_user(db, "ed@example.com", PASSWORD, role="editor")
        auth.create_user(db, "other@example.com", PASSWORD, role="editor")
        from datetime import UTC, datetime
        inc = create_incident(db, editor, IncidentData(
            title="Payments down", type="outage", severity=2,
            started_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC)))
        db.commit()
        incident_id = inc.id
        db.close()
    yield app, incident_id
    database(app).engine.dispose()


def _login(client, email: str) -> None:
    resp = client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == 302


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _follow_job(client, job_page: str) -> dict:
    """Poll the job's JSON like the progress page does, until it ends."""
    assert "<progress" in client.get(job_page).get_data(as_text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = client.get(job_page + ".json").get_json()
        if state["state"] != "running":
            return state
        time.sleep(0.05)
    raise AssertionError("the job did not finish within 30 s")


def _count(app, incident_id: int) -> int:
    with app.app_context():
        db = database(app).sessionmaker()
        try:
            return db.scalar(select(func.count(TimelineEvent.id)).where(
                TimelineEvent.incident_id == incident_id))
        finally:
            db.close()


def _upload(client, incident_id: int, path: Path, **fields) -> str:
    data = {"csrf_token": _csrf(client, f"/incidents/{incident_id}/import"),
            "file": (io.BytesIO(path.read_bytes()), path.name), "since": "", "until": "",
            **fields}
    resp = client.post(f"/incidents/{incident_id}/import", data=data,
                       content_type="multipart/form-data")
    assert resp.status_code == 303
    return resp.headers["Location"]


def test_large_import_shows_progress_then_preview_then_result(bg, tmp_path: Path) -> None:
    app, incident_id = bg
    client = app.test_client()
    _login(client, "ed@example.com")
    archive = Path(shutil.make_archive(str(tmp_path / "export"), "zip",
                                       TEST_DATA / "slack" / "export"))
    preview_url = _upload(client, incident_id, archive)
    # The preview of a large file is a job: its page follows progress, then comes back.
    resp = client.get(preview_url)
    assert resp.status_code == 303 and "/jobs/" in resp.headers["Location"]
    job_page = resp.headers["Location"]
    state = _follow_job(client, job_page)
    assert state["state"] == "done", state
    page = client.get(state["url"]).get_data(as_text=True)
    kept = int(re.search(r"Events to keep</th><td><strong>(\d+)", page).group(1))
    assert kept > 5 and _count(app, incident_id) == 0
    # Someone else cannot see the job (404, as if it did not exist).
    other = app.test_client()
    _login(other, "other@example.com")
    assert other.get(job_page + ".json").status_code == 404
    # Confirming is a job too; it stores everything in one transaction.
    resp = client.post(preview_url, data={"csrf_token": _csrf(client, state["url"]),
                                          "expected": kept})
    assert resp.status_code == 303 and "/jobs/" in resp.headers["Location"]
    state = _follow_job(client, resp.headers["Location"])
    assert state["state"] == "done", state
    assert _count(app, incident_id) == kept
    result = client.get(state["url"]).get_data(as_text=True)
    assert f"<strong>{kept}</strong>" in result


def test_failed_background_import_names_the_problem_and_writes_nothing(
        bg, tmp_path: Path) -> None:
    app, incident_id = bg
    client = app.test_client()
    _login(client, "ed@example.com")
    bad = tmp_path / "timeline.csv"
    bad.write_text("timestamp,author,text\n2024-03-01T09:05:00Z,Ana,fine\n"
                   "not-a-time,Bo,broken\n")
    preview_url = _upload(client, incident_id, bad)
    state = _follow_job(client, client.get(preview_url).headers["Location"])
    assert state["state"] == "failed"
    assert "timeline.csv" in state["error"] and "line 3" in state["error"]
    assert _count(app, incident_id) == 0
