"""A restricted incident is invisible through the API to non-members: 404, never listed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.actions.service import ActionData, create_action
from app.timeline.service import add_event

WORD = "quetzalcoatl"


@pytest.fixture()
def secret_world(db, make_user, make_incident, make_token):
    member, outsider, admin = make_user("editor"), make_user("editor"), make_user("admin")
    incident = make_incident(title=f"Leaked {WORD} key", type="security", actor=member,
                             started_at=datetime(2025, 1, 1, 9, tzinfo=UTC))
    incident.recovered_at = datetime(2025, 1, 1, 10, tzinfo=UTC)
    event = add_event(db, member, incident, datetime(2025, 1, 1, 9, 5, tzinfo=UTC), "rotated")
    action = create_action(db, member, ActionData(title="Rotate keys",
                                                  incident_id=incident.id))
    db.commit()
    return {"incident": incident, "event": event, "action": action,
            "member": make_token(member), "outsider": make_token(outsider),
            "admin": make_token(admin, "read")}


def test_non_member_gets_404_on_every_route_of_the_incident(api, secret_world):
    outsider = api(secret_world["outsider"])
    iid, eid = secret_world["incident"].id, secret_world["event"].id
    for method, path, body in [
            ("GET", f"/incidents/{iid}", None),
            ("GET", f"/incidents/{iid}/events", None),
            ("POST", f"/incidents/{iid}/events",
             {"occurred_at": "2025-01-01T09:00:00Z", "text": "x"}),
            ("POST", f"/incidents/{iid}/events/bulk",
             {"events": [{"occurred_at": "2025-01-01T09:00:00Z", "text": "x"}]}),
            ("PATCH", f"/incidents/{iid}/events/{eid}", {"starred": True}),
            ("PATCH", f"/incidents/{iid}/moments", {"detected_at": "2025-01-01T09:01:00Z"}),
            ("GET", f"/incidents/{iid}/review", None),
            ("GET", f"/incidents/{iid}/factors", None),
            ("POST", f"/incidents/{iid}/factors", {"category": "process", "description": "x"}),
            ("GET", f"/actions/{secret_world['action'].id}", None),
            ("POST", "/actions", {"title": "x", "incident_id": iid})]:
        resp = outsider(method, path, json=body)
        assert resp.status_code == 404, (method, path, resp.status_code)
        assert resp.get_json()["detail"].startswith("no such")


def test_non_member_never_sees_it_in_lists_search_or_metrics(api, secret_world):
    outsider = api(secret_world["outsider"])
    iid = secret_world["incident"].id
    assert iid not in [i["id"] for i in outsider.get("/incidents").get_json()["items"]]
    assert outsider.get("/incidents?type=security").get_json()["total"] == 0
    assert secret_world["action"].id not in [
        a["id"] for a in outsider.get("/actions").get_json()["items"]]
    assert outsider.get(f"/search?q={WORD}").get_json()["total"] == 0
    metrics = outsider.get("/metrics").get_json()
    assert metrics["incidents"] == 0
    assert metrics["metrics"]["time_to_recover"]["n"] == 0
    assert iid not in metrics["dashboard"]["recent_incident_ids"]


def test_members_and_admins_see_it(api, secret_world):
    iid = secret_world["incident"].id
    for who in ("member", "admin"):
        client = api(secret_world[who])
        assert client.get(f"/incidents/{iid}").status_code == 200
        assert [h["incident_id"] for h in client.get(
            f"/search?q={WORD}").get_json()["items"]] == [iid]
        metrics = client.get("/metrics").get_json()["metrics"]["time_to_recover"]
        assert metrics["n"] == 1 and metrics["median_seconds"] == 3600
