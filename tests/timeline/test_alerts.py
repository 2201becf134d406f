"""Alert intake: Alertmanager and Checkly webhooks, tokens, replay, linking, unlinked list."""

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models import Alert, Service, TimelineEvent
from app.timeline import alert_intake
from app.timeline.alert_payloads import parse_alertmanager, parse_checkly
from app.timeline.importers import ImportFormatError
from tests.conftest import TEST_DATA

AM = json.loads((TEST_DATA / "alerts" / "alertmanager_v4.json").read_text())
CHECKLY = json.loads((TEST_DATA / "alerts" / "checkly_failure.json").read_text())


def test_alertmanager_payload_parsed():
    alerts = parse_alertmanager(AM)
    assert [a.status for a in alerts] == ["firing", "firing"]
    assert alerts[0].starts_at == datetime(2024, 3, 1, 9, 58, 30, 123000, tzinfo=UTC)
    assert alerts[0].ends_at is None  # the zero time means "not ended"
    assert alerts[0].labels["service"] == "checkout-api"
    assert alerts[0].title == "HighErrorRate: 5xx ratio above 5% for 5 minutes"


def test_checkly_payload_parsed():
    (alert,) = parse_checkly(CHECKLY)
    assert alert.status == "firing" and alert.labels["service"] == "checkout-api"
    assert alert.starts_at == datetime(2024, 3, 1, 9, 59, 10, tzinfo=UTC)
    recovery = dict(CHECKLY, alert_type="ALERT_RECOVERY")
    assert parse_checkly(recovery)[0].status == "resolved"


@pytest.mark.parametrize("payload,field", [
    ({"version": "3", "alerts": []}, "version"),
    ({"version": "4", "alerts": "x"}, "alerts"),
    ({"version": "4", "alerts": [{"status": "firing", "startsAt": "yesterday"}]},
     "alerts[0].startsAt"),
])
def test_bad_alertmanager_payload_names_field(payload, field):
    with pytest.raises(ImportFormatError) as info:
        parse_alertmanager(payload)
    assert info.value.field == field


@pytest.fixture()
def setup(db, make_incident):
    db.add_all([Service(name="checkout-api"), Service(name="search")])
    db.commit()
    incident = make_incident(title="Checkout 5xx", services=["checkout-api"],
                             started_at=datetime(2024, 3, 1, 9, 55, tzinfo=UTC))
    integration, token = alert_intake.create_integration(db, None, "prod-am", "alertmanager")
    cl, cl_token = alert_intake.create_integration(db, None, "checkly", "checkly")
    db.commit()
    return {"incident": incident, "token": token, "checkly_token": cl_token}


def test_webhook_links_to_open_incident_and_keeps_the_rest(client, db, setup):
    resp = client.post("/hooks/alertmanager", json=AM,
                       headers={"Authorization": f"Bearer {setup['token']}"})
    assert resp.status_code == 200
    assert resp.get_json() == {"received": 2, "stored": 2, "linked": 1, "duplicates": 0}
    ev = db.scalar(select(TimelineEvent).where(
        TimelineEvent.incident_id == setup["incident"].id))
    assert ev.source == "alertmanager" and ev.kind.value == "detection"
    assert ev.occurred_at == datetime(2024, 3, 1, 9, 58, 30, 123000, tzinfo=UTC)
    unlinked = db.scalars(select(Alert).where(Alert.incident_id.is_(None))).all()
    assert [a.labels["service"] for a in unlinked] == ["search"]


def test_replayed_payload_is_stored_once(client, db, setup):
    headers = {"Authorization": f"Bearer {setup['token']}"}
    client.post("/hooks/alertmanager", json=AM, headers=headers)
    resp = client.post("/hooks/alertmanager", json=AM, headers=headers)
    assert resp.get_json()["duplicates"] == 2
    assert db.scalar(select(func.count(Alert.id))) == 2
    assert db.scalar(select(func.count(TimelineEvent.id))) == 1


def test_wrong_token_is_refused_and_nothing_stored(client, db, setup):
    resp = client.post("/hooks/alertmanager", json=AM,
                       headers={"Authorization": "Bearer not-the-token"})
    assert resp.status_code == 401
    # A Checkly token is not an Alertmanager token.
    resp = client.post(f"/hooks/alertmanager?token={setup['checkly_token']}", json=AM)
    assert resp.status_code == 401
    assert db.scalar(select(func.count(Alert.id))) == 0


def test_malformed_body_is_a_400(client, db, setup):
    headers = {"Authorization": f"Bearer {setup['token']}"}
    resp = client.post("/hooks/alertmanager", data="{not json", headers=headers,
                       content_type="application/json")
    assert resp.status_code == 400
    resp = client.post("/hooks/alertmanager", json={"version": "4", "alerts": [1]},
                       headers=headers)
    assert resp.status_code == 400 and "alerts[0]" in resp.get_json()["detail"]


def test_checkly_webhook_links_by_tag(client, db, setup):
    resp = client.post(f"/hooks/checkly?token={setup['checkly_token']}", json=CHECKLY)
    assert resp.get_json()["linked"] == 1


def test_unlinked_alert_attached_by_editor(client, db, setup, make_user, login):
    client.post("/hooks/alertmanager", json=AM,
                headers={"Authorization": f"Bearer {setup['token']}"})
    login(make_user("editor"))
    page = client.get("/alerts").get_data(as_text=True)
    assert "HighErrorRate" in page
    alert = db.scalar(select(Alert).where(Alert.incident_id.is_(None)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post(f"/alerts/{alert.id}/attach", data={
        "csrf_token": token, "incident_id": setup["incident"].id})
    assert resp.status_code == 302
    assert db.scalar(select(func.count(TimelineEvent.id)).where(
        TimelineEvent.incident_id == setup["incident"].id)) == 2


def test_viewer_cannot_see_unlinked_alerts(client, make_user, login, setup):
    login(make_user("viewer"))
    assert client.get("/alerts").status_code == 403
