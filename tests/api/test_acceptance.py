"""The issue's acceptance: a script with a write token records an incident's whole timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.models import TimelineEvent

START = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def _events(n: int) -> list[dict]:
    return [{"occurred_at": (START + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
             "text": f"step {i}", "kind": "mitigation" if i == 500 else "other"}
            for i in range(n)]


def test_script_creates_incident_bulk_appends_1000_events_and_reads_them_back(
        db, make_user, make_token, api):
    script = api(make_token(make_user("editor"), "write"))
    created = script.post("/incidents", json={
        "title": "Checkout 502s", "type": "outage", "severity": 1,
        "started_at": "2025-03-04T10:00:00Z", "tags": ["payments"]})
    assert created.status_code == 201
    incident = created.get_json()
    assert created.headers["Location"] == f"/api/v1/incidents/{incident['id']}"
    assert incident["moments"]["started_at"] == {"at": "2025-03-04T10:00:00Z",
                                                 "source": "manual"}

    bulk = script.post(f"/incidents/{incident['id']}/events/bulk",
                       json={"events": _events(1000)})
    assert bulk.status_code == 201, bulk.get_json()
    assert bulk.get_json()["count"] == 1000

    texts, url = [], incident["links"]["events"] + "?per_page=400"
    while url:  # follow the next links, as a script would
        page = script.get(url.removeprefix("/api/v1"))
        assert page.status_code == 200
        texts += [e["text"] for e in page.get_json()["items"]]
        url = page.get_json()["links"]["next"]
    assert texts == [f"step {i}" for i in range(1000)]
    assert db.scalar(select(func.count()).select_from(TimelineEvent).where(
        TimelineEvent.incident_id == incident["id"])) == 1000


def test_write_without_token_is_401_and_with_read_token_403(db, make_user, make_token, api,
                                                             make_incident):
    user = make_user("editor")
    incident = make_incident()
    body = {"events": _events(3)}
    anonymous = api(None).post(f"/incidents/{incident.id}/events/bulk", json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    reader = api(make_token(user, "read"))
    refused = reader.post(f"/incidents/{incident.id}/events/bulk", json=body)
    assert refused.status_code == 403
    assert "read scope" in refused.get_json()["detail"]
    assert reader.post("/incidents", json={"title": "x", "type": "outage",
                                           "severity": 2}).status_code == 403
    assert reader.get(f"/incidents/{incident.id}/events").get_json()["total"] == 0
    assert db.scalar(select(func.count()).select_from(TimelineEvent)) == 0
