"""Endpoints: pagination, problem details, bulk all-or-nothing, moments, flags, roles."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.models import AuditEvent, TimelineEvent
from app.timeline.service import add_event
from tests.api.conftest import API, bearer


def test_incident_list_pages_with_links_and_the_web_filters(api, make_user, make_token,
                                                            make_incident):
    reader = api(make_token(make_user("viewer"), "read"))
    for day in range(1, 8):
        make_incident(title=f"Incident {day}", severity=1 if day % 2 else 3,
                      started_at=datetime(2025, 5, day, 12, tzinfo=UTC))
    first = reader.get("/incidents?severity=1&per_page=2&sort=started")
    body = first.get_json()
    assert [i["title"] for i in body["items"]] == ["Incident 1", "Incident 3"]
    assert (body["total"], body["pages"], body["page"]) == (4, 2, 1)
    assert body["links"]["prev"] is None
    assert 'rel="next"' in first.headers["Link"] and "severity=1" in body["links"]["next"]
    second = reader.get(body["links"]["next"].removeprefix(API)).get_json()
    assert [i["title"] for i in second["items"]] == ["Incident 5", "Incident 7"]
    assert second["links"]["next"] is None
    window = reader.get("/incidents?from=2025-05-02&to=2025-05-03").get_json()
    assert sorted(i["title"] for i in window["items"]) == ["Incident 2", "Incident 3"]


def test_bad_query_arguments_are_400_naming_the_argument(api, make_user, make_token):
    reader = api(make_token(make_user("viewer"), "read"))
    for query, field in [("severity=9", "severity"), ("sort=colour", "sort"),
                         ("from=yesterday", "from"), ("per_page=5000", "per_page"),
                         ("serverity=1", "serverity"), ("type=", "type")]:
        resp = reader.get(f"/incidents?{query}")
        assert resp.status_code == 400, query
        assert resp.get_json()["detail"].startswith(field + ":"), resp.get_json()
    assert reader.get("/actions?owner=someone").get_json()["errors"][0]["field"] == "owner"


def test_every_error_is_problem_json(api, client, make_user, make_token, make_incident):
    writer = api(make_token(make_user("editor"), "write"))
    incident = make_incident()
    cases = {
        404: writer.get("/no-such-thing"),
        405: writer("DELETE", f"/incidents/{incident.id}"),
        415: writer.post("/incidents", data="title=x", content_type="text/plain"),
        400: writer.post("/incidents", data="{not json", content_type="application/json"),
        422: writer.post("/incidents", json={"title": "x", "type": "meteor", "severity": 2}),
        401: client.get(API + "/incidents", headers=bearer("dbt_not-a-real-token")),
    }
    for status, resp in cases.items():
        assert resp.status_code == status
        assert resp.mimetype == "application/problem+json"
        problem = resp.get_json()
        assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "PATCH" not in cases[405].headers["Allow"] and "GET" in cases[405].headers["Allow"]
    assert cases[422].get_json()["errors"] == [{"field": "type", "message": cases[422]
                                                .get_json()["errors"][0]["message"]}]


def test_validation_names_every_bad_field(api, make_user, make_token):
    writer = api(make_token(make_user("editor"), "write"))
    resp = writer.post("/incidents", json={"type": "outage", "severity": 7, "colour": "red",
                                           "started_at": "2025-03-04T10:00:00"})
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert resp.status_code == 422 and {"title", "severity", "colour"} <= fields
    naive = writer.post("/incidents", json={"title": "x", "type": "outage", "severity": 2,
                                            "started_at": "2025-03-04T10:00:00"})
    assert naive.status_code == 422 and naive.get_json()["errors"][0]["field"] == "started_at"
    unknown = writer.post("/incidents", json={"title": "x", "type": "outage", "severity": 2,
                                              "services": ["no-such-service"]})
    assert unknown.status_code == 422 and "services" in unknown.get_json()["detail"]


def test_viewer_with_write_token_still_cannot_write(api, make_user, make_token,
                                                    make_incident):
    viewer = api(make_token(make_user("viewer"), "write"))
    incident = make_incident()
    resp = viewer.post(f"/incidents/{incident.id}/events",
                       json={"occurred_at": "2025-03-04T10:00:00Z", "text": "hello"})
    assert resp.status_code == 403 and "editor role" in resp.get_json()["detail"]


def test_bulk_is_all_or_nothing_and_names_item_and_field(db, api, make_user, make_token,
                                                         make_incident):
    writer = api(make_token(make_user("editor"), "write"))
    incident = make_incident()
    good = {"occurred_at": "2025-03-04T10:00:00Z", "text": "fine"}
    events = [good] * 10 + [{"occurred_at": "2025-03-04T10:00:00", "text": "no zone"}] + [
        good] * 5 + [{"occurred_at": "2025-03-04T10:00:00Z", "text": "   "},
                     {"occurred_at": "2025-03-04T10:00:00Z", "text": "x", "kind": "boom"}]
    resp = writer.post(f"/incidents/{incident.id}/events/bulk", json={"events": events})
    assert resp.status_code == 422
    fields = [e["field"] for e in resp.get_json()["errors"]]
    assert "events[17].kind" in fields and "events[16].text" in fields
    only_times = [good] * 3 + [{"occurred_at": "2025-03-04T10:00:00", "text": "no zone"}]
    resp = writer.post(f"/incidents/{incident.id}/events/bulk", json={"events": only_times})
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "events[3].occurred_at"
    assert db.scalar(select(func.count()).select_from(TimelineEvent)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "timeline_event")) == 0


def test_append_star_hide_and_list_filters(db, api, make_user, make_token, make_incident):
    writer = api(make_token(make_user("editor"), "write"))
    incident = make_incident()
    base = f"/incidents/{incident.id}/events"
    one = writer.post(base, json={"occurred_at": "2025-03-04T11:00:00+01:00",
                                  "text": "rolled back", "kind": "mitigation"})
    assert one.status_code == 201
    event = one.get_json()
    assert event["occurred_at"] == "2025-03-04T10:00:00Z" and event["source"] == "manual"
    two = writer.post(base, json={"occurred_at": "2025-03-04T10:05:00Z", "text": "noise"})
    assert writer.patch(f"{base}/{event['id']}", json={"starred": True}).get_json()["starred"]
    hidden = writer.patch(f"{base}/{two.get_json()['id']}", json={"hidden": True})
    assert hidden.get_json()["hidden"] is True
    assert [e["text"] for e in writer.get(base).get_json()["items"]] == ["rolled back"]
    assert writer.get(base + "?hidden=1").get_json()["total"] == 2
    assert writer.get(base + "?kind=mitigation&starred=1").get_json()["total"] == 1
    assert writer.patch(f"{base}/999999", json={"starred": True}).status_code == 404


def test_moments_are_set_manually_and_all_or_nothing(db, api, make_user, make_token,
                                                     make_incident):
    writer = api(make_token(make_user("editor"), "write"))
    incident = make_incident()
    url = f"/incidents/{incident.id}/moments"
    resp = writer.patch(url, json={"detected_at": "2025-03-04T10:07:00Z",
                                   "mitigated_at": "2025-03-04T10:40:00Z"})
    assert resp.status_code == 200
    moments = resp.get_json()["moments"]
    assert moments["detected_at"] == {"at": "2025-03-04T10:07:00Z", "source": "manual"}
    bad = writer.patch(url, json={"recovered_at": "2025-03-04T11:00:00Z",
                                  "resolved_at": "soon"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "resolved_at"
    db.refresh(incident)
    assert incident.recovered_at is None
    cleared = writer.patch(url, json={"detected_at": None}).get_json()["moments"]
    assert cleared["detected_at"] == {"at": None, "source": None}


def test_search_speaks_the_query_language(api, make_user, make_token, make_incident):
    reader = api(make_token(make_user("viewer"), "read"))
    make_incident(title="Zanzibar cache stampede", severity=1)
    make_incident(title="Zanzibar disk full", severity=3)
    hits = reader.get("/search?q=zanzibar severity:1").get_json()
    assert [h["title"] for h in hits["items"]] == ["Zanzibar cache stampede"]
    broken = reader.get("/search?q=zanzibar)")
    assert broken.status_code == 400 and broken.get_json()["errors"][0]["field"] == "q"
    assert reader.get("/search?q=x&sort=random").status_code == 400


def test_metrics_follow_the_list_filters(api, db, make_user, make_token, make_incident):
    reader = api(make_token(make_user("viewer"), "read"))
    for severity, minutes in ((1, 30), (1, 90), (2, 600)):
        i = make_incident(severity=severity)
        i.recovered_at = datetime(2025, 3, 4, 10, tzinfo=UTC).replace(
            hour=10 + minutes // 60, minute=minutes % 60)
    make_incident(severity=1)  # no recovery yet: left out, and said so
    db.commit()
    body = reader.get("/metrics?severity=1").get_json()
    recover = body["metrics"]["time_to_recover"]
    assert body["incidents"] == 3 and recover["n"] == 2 and recover["missing_n"] == 1
    assert recover["median_seconds"] == 3600 and recover["dora"] == {
        "elite": 1, "high": 1, "medium": 0, "low": 0}
    assert recover["left_out"][0]["reason"] == "recovered_at missing"
    assert recover["definition"] == "time to recover = recovered_at − started_at"


def test_event_added_by_service_is_listed(db, api, make_user, make_token, make_incident):
    user = make_user("editor")
    incident = make_incident()
    add_event(db, user, incident, datetime(2025, 3, 4, 10, 1, tzinfo=UTC), "from the page")
    db.commit()
    items = api(make_token(user, "read")).get(f"/incidents/{incident.id}/events").get_json()
    assert [e["text"] for e in items["items"]] == ["from the page"]


def test_hostile_bodies_are_refused_not_crashed(api, make_user, make_token):
    writer = api(make_token(make_user("editor"), "write"))
    for depth in (900, 990, 100_000):
        resp = writer.post("/incidents", data="[" * depth + "]" * depth,
                           content_type="application/json")
        assert resp.status_code in (400, 422), depth
    missing = writer.post("/incidents", json={"colour": "red", "size": 3}).get_json()
    fields = [e["field"] for e in missing["errors"]]
    assert sorted(fields) == ["colour", "severity", "size", "title", "type"]
    nul = writer.post("/incidents", json={"title": "a\u0000b", "type": "outage",
                                          "severity": 2})
    assert nul.status_code == 422 and nul.get_json()["errors"][0]["field"] == "title"
    whole = writer.post("/incidents", json={"title": "Float severity", "type": "outage",
                                            "severity": 2.0, "users_affected": 1e3})
    assert whole.status_code == 201
    assert whole.get_json()["severity"] == 2 and type(whole.get_json()["severity"]) is int
    assert type(whole.get_json()["impact"]["users_affected"]) is int
