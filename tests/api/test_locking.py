"""Reviews and actions: ETag on reads, If-Match required on updates (412, 428), as in the UI."""

from __future__ import annotations

import pytest

from app.actions.service import ActionData, create_action
from app.models import Review, ReviewSection

TEMPLATE = {"key": "quick", "name": "Quick", "sections": [
    {"key": "summary", "title": "Summary", "holds": "text", "required": True},
    {"key": "factors", "title": "Contributing factors", "holds": "factors",
     "required": True}]}


@pytest.fixture()
def reviewed(db, make_user, make_incident, make_token):
    editor = make_user("editor")
    incident = make_incident(title="Queue backlog")
    db.add(Review(incident_id=incident.id, template_key="quick", template_snapshot=TEMPLATE,
                  sections=[ReviewSection(key="summary", position=0, content=""),
                            ReviewSection(key="factors", position=1, content="")]))
    action = create_action(db, editor, ActionData(title="Alert on queue depth",
                                                  incident_id=incident.id))
    db.commit()
    return {"incident": incident, "action": action, "editor": make_token(editor),
            "viewer": make_token(make_user("viewer"), "read")}


def test_action_update_needs_the_current_etag(api, reviewed):
    writer = api(reviewed["editor"])
    url = f"/actions/{reviewed['action'].id}"
    read = writer.get(url)
    etag = read.headers["ETag"]
    missing = writer.patch(url, json={"status": "in_progress"})
    assert missing.status_code == 428 and "If-Match" in missing.get_json()["detail"]
    done = writer.patch(url, json={"status": "in_progress"}, headers={"If-Match": etag})
    assert done.status_code == 200 and done.get_json()["status"] == "in_progress"
    assert done.headers["ETag"] != etag
    stale = writer.patch(url, json={"status": "done"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.headers["ETag"] == done.headers["ETag"]
    assert writer.get(url).get_json()["status"] == "in_progress"
    reason = writer.patch(url, json={"status": "wont_do"},
                          headers={"If-Match": done.headers["ETag"]})
    assert reason.status_code == 422 and reason.get_json()["errors"][0]["field"] == "reason"


def test_action_created_and_listed_through_the_api(api, reviewed):
    writer = api(reviewed["editor"])
    iid = reviewed["incident"].id
    created = writer.post("/actions", json={"title": "Add a runbook", "type": "process",
                                            "incident_id": iid, "priority": "high"})
    assert created.status_code == 201 and created.headers["ETag"]
    assert created.get_json()["due_date"]  # from the severity's SLA
    listed = writer.get(f"/actions?incident={iid}&sort=title").get_json()
    assert [a["title"] for a in listed["items"]] == ["Add a runbook", "Alert on queue depth"]
    assert api(reviewed["viewer"]).post("/actions", json={"title": "x"}).status_code == 403


def test_review_read_edit_and_publish_with_etags(api, reviewed):
    writer = api(reviewed["editor"])
    iid = reviewed["incident"].id
    first = writer.get(f"/incidents/{iid}/review")
    etag = first.headers["ETag"]
    assert first.get_json()["published_snapshot"] is None
    section = f"/incidents/{iid}/review/sections/summary"
    nowhere = writer.put(f"/incidents/{iid}/review/sections/lessons", json={"content": "x"},
                         headers={"If-Match": etag})
    assert nowhere.status_code == 404 and "no such section" in nowhere.get_json()["detail"]
    assert writer.put(section, json={"content": "x"}).status_code == 428
    saved = writer.put(section, json={"content": "Consumers stalled for 40 minutes."},
                       headers={"If-Match": etag})
    assert saved.status_code == 200 and saved.headers["ETag"] != etag
    # A second writer who read before that save is refused, and nothing is overwritten.
    lost = writer.put(section, json={"content": "mine"}, headers={"If-Match": etag})
    assert lost.status_code == 412
    assert writer.get(f"/incidents/{iid}/review").get_json()["sections"][0]["content"] == \
        "Consumers stalled for 40 minutes."
    status = f"/incidents/{iid}/review/status"
    early = writer.post(status, json={"to": "published"},
                        headers={"If-Match": saved.headers["ETag"]})
    assert early.status_code == 409 and "factor" in early.get_json()["detail"]
    factor = writer.post(f"/incidents/{iid}/factors",
                         json={"category": "detection", "description": "no depth alert"})
    assert factor.status_code == 201
    etag = writer.get(f"/incidents/{iid}/review").headers["ETag"]
    published = writer.post(status, json={"to": "published"}, headers={"If-Match": etag})
    assert published.status_code == 200
    snapshot = published.get_json()["published_snapshot"]
    assert snapshot["factors"] == [{"category": "detection", "description": "no depth alert"}]
    assert snapshot["sections"][0]["content"] == "Consumers stalled for 40 minutes."
    viewer = api(reviewed["viewer"]).get(f"/incidents/{iid}/review")
    assert viewer.status_code == 200 and viewer.get_json()["status"] == "published"


def test_viewer_cannot_read_a_draft_review_and_factors_need_a_review(api, db, reviewed,
                                                                     make_incident):
    iid = reviewed["incident"].id
    viewer = api(reviewed["viewer"])
    assert viewer.get(f"/incidents/{iid}/review").status_code == 403
    assert viewer.get(f"/incidents/{iid}/factors").status_code == 403
    bare = make_incident(title="No review yet")
    writer = api(reviewed["editor"])
    assert writer.get(f"/incidents/{bare.id}/review").status_code == 404
    resp = writer.post(f"/incidents/{bare.id}/factors",
                       json={"category": "process", "description": "x"})
    assert resp.status_code == 409 and "start the review" in resp.get_json()["detail"]
