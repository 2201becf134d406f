"""Outgoing webhooks: signed events to a real loopback server, retries, the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.actions import service as actions
from app.models import Review, ReviewSection, WebhookDelivery, WebhookEndpoint
from tests.chatops import receiver as loopback
from tests.conftest import csrf_token

SECRET = "whsec-test-0123456789abcdef"


@pytest.fixture()
def receiver():
    rec, server = loopback.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture()
def private_ok(app, monkeypatch):
    """Tests deliver to 127.0.0.1, which production refuses unless told otherwise."""
    monkeypatch.setitem(app.config, "DEBRIEF_WEBHOOKS_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "DEBRIEF_WEBHOOK_TIMEOUT_SECONDS", 5)


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


@pytest.fixture()
def endpoint(client, db, login, admin, receiver, private_ok):
    """An admin adds the receiver through the admin page."""
    login(admin)
    resp = client.post("/admin/webhooks", data={
        "name": "Leadership bot", "url": receiver.url, "secret": SECRET,
        "events": ["review.published", "action.status_changed"],
        "csrf_token": csrf_token(client)})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert SECRET in resp.get_data(as_text=True)  # shown once, on creation
    assert SECRET not in client.get("/admin/webhooks").get_data(as_text=True)
    client.delete_cookie("session")
    return db.scalar(select(WebhookEndpoint))


def _verified(received) -> dict:
    """Check the signature with the documented recipe; return the JSON event."""
    ts = received.headers["x-debrief-timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + received.body,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, received.headers["x-debrief-signature"])
    assert abs(int(ts) - datetime.now(UTC).timestamp()) < 60
    return json.loads(received.body)


def _deliveries(db) -> list[WebhookDelivery]:
    db.expire_all()
    return list(db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _action(db, editor, incident):
    action = actions.create_action(db, editor, actions.ActionData(
        title="Alert on queue depth", incident_id=incident.id))
    db.commit()
    return action


def test_action_status_change_is_delivered_signed_right_after_the_request(
        client, db, login, make_user, make_incident, endpoint, receiver):
    editor = make_user("editor")
    incident = make_incident(title="Checkout errors")
    action = _action(db, editor, incident)
    login(editor)
    resp = client.post(f"/actions/{action.id}/status", buffered=True,
                       data={"status": "done", "csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    [got] = receiver.received
    event = _verified(got)
    assert got.headers["x-debrief-event"] == "action.status_changed"
    assert event["type"] == "action.status_changed"
    assert (event["data"]["action"]["status"], event["data"]["action"]["previous_status"]) == (
        "done", "open")
    assert event["data"]["action"]["title"] == "Alert on queue depth"
    assert event["data"]["incident"]["ref"] == f"INC-{incident.id}"
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert got.headers["x-debrief-delivery"] == delivery.event_id == event["id"]


def test_a_refused_change_queues_nothing(client, db, login, make_user, make_incident, endpoint,
                                         receiver):
    editor = make_user("editor")
    action = _action(db, editor, make_incident())
    login(editor)
    resp = client.post(f"/actions/{action.id}/status", buffered=True,
                       data={"status": "wont_do", "csrf_token": csrf_token(client)})
    assert resp.status_code == 400  # won't do needs a reason
    assert _deliveries(db) == [] and receiver.received == []


def _publishable_review(db, incident) -> Review:
    review = Review(incident_id=incident.id, template_key="quick",
                    template_snapshot={"key": "quick", "name": "Quick", "sections": [
                        {"key": "summary", "title": "Summary", "holds": "text"}]},
                    sections=[ReviewSection(key="summary", content="What happened.")])
    db.add(review)
    db.commit()
    return review


def test_published_review_retried_after_a_500_then_delivered_by_the_cron_command(
        app, client, db, login, make_user, make_incident, endpoint, receiver):
    receiver.statuses = [500]
    editor = make_user("editor")
    incident = make_incident(title="Search latency")
    _publishable_review(db, incident)
    login(editor)
    resp = client.post(f"/incidents/{incident.id}/review/status", buffered=True,
                       data={"to": "published", "csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at > datetime.now(UTC)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["webhooks", "deliver"])
    assert "delivered 0" in result.output and len(receiver.received) == 1  # not due yet
    delivery.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    first, second = receiver.received
    assert first.body == second.body and first.headers["x-debrief-delivery"] == \
        second.headers["x-debrief-delivery"]
    event = _verified(second)
    assert event["type"] == "review.published"
    assert event["data"]["review"]["published_version"] == 1
    assert event["data"]["incident"]["title"] == "Search latency"
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)


def test_delivery_gives_up_after_the_last_attempt(app, db, make_user, make_incident, endpoint,
                                                  receiver, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_WEBHOOK_MAX_ATTEMPTS", 1)
    receiver.statuses = [503]
    action = _action(db, make_user("editor"), make_incident())
    actions.set_status(db, None, action, "in_progress")
    db.commit()
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 1 and "failed for good 1" in result.output
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.last_status_code, delivery.next_attempt_at) == (
        "failed", 503, None)


def test_restricted_incident_titles_stay_home(app, db, make_user, make_incident, endpoint,
                                              receiver):
    editor = make_user("editor")
    incident = make_incident(title="Credential leak", type="security", actor=editor)
    action = _action(db, editor, incident)
    actions.set_status(db, editor, action, "done")
    db.commit()
    app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    [got] = receiver.received
    assert b"Credential leak" not in got.body and b"Alert on queue depth" not in got.body
    assert _verified(got)["data"]["incident"]["restricted"] is True


def test_delivery_log_is_for_admins_only(client, db, login, make_user, make_incident, admin,
                                         endpoint, receiver, app):
    receiver.statuses = [500]
    action = _action(db, make_user("editor"), make_incident())
    actions.set_status(db, None, action, "done")
    db.commit()
    app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert client.get("/admin/webhooks/deliveries").status_code == 302  # to the login page
    login(make_user("editor"))
    assert client.get("/admin/webhooks/deliveries").status_code == 403
    login(make_user("facilitator"))
    assert client.get("/admin/webhooks/deliveries").status_code == 403
    login(admin)
    html = client.get("/admin/webhooks/deliveries").get_data(as_text=True)
    assert "Leadership bot" in html and "HTTP 500" in html and "pending" in html
    assert SECRET not in html


def test_retry_now_from_the_log(client, db, login, make_user, make_incident, admin, endpoint,
                                receiver, app):
    receiver.statuses = [500]
    action = _action(db, make_user("editor"), make_incident())
    actions.set_status(db, None, action, "done")
    db.commit()
    app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    [delivery] = _deliveries(db)
    login(admin)
    resp = client.post(f"/admin/webhooks/deliveries/{delivery.id}/retry", buffered=True,
                       data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    assert len(receiver.received) == 2
    assert _deliveries(db)[0].status == "delivered"


@pytest.mark.parametrize("url, allow, message", [
    ("http://169.254.169.254/latest/meta-data/", True, "link-local or cloud metadata"),
    ("http://[fd00:ec2::254]/", True, "link-local or cloud metadata"),
    ("http://127.0.0.1:9/hook", False, "DEBRIEF_WEBHOOKS_ALLOW_PRIVATE"),
    ("http://10.1.2.3/hook", False, "private"),
    ("ftp://example.org/hook", True, "http:// or https://"),
])
def test_unsafe_urls_are_refused_on_the_admin_page(client, db, login, admin, app, monkeypatch,
                                                   url, allow, message):
    monkeypatch.setitem(app.config, "DEBRIEF_WEBHOOKS_ALLOW_PRIVATE", allow)
    login(admin)
    resp = client.post("/admin/webhooks", data={
        "name": "Sneaky", "url": url, "events": ["review.published"],
        "csrf_token": csrf_token(client)})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_delivery_rechecks_the_address_when_sending(app, db, make_user, make_incident, endpoint,
                                                    receiver, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_WEBHOOKS_ALLOW_PRIVATE", False)
    action = _action(db, make_user("editor"), make_incident())
    actions.set_status(db, None, action, "done")
    db.commit()
    app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert receiver.received == []
    [delivery] = _deliveries(db)
    assert delivery.last_error.startswith("refused:") and delivery.status == "pending"


def test_disabled_endpoint_receives_nothing_new(client, db, login, admin, make_user,
                                                make_incident, endpoint, receiver, app):
    login(admin)
    resp = client.post(f"/admin/webhooks/{endpoint.id}/active",
                       data={"active": "0", "csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    assert "Enable" in client.get("/admin/webhooks").get_data(as_text=True)
    action = _action(db, make_user("editor"), make_incident())
    actions.set_status(db, None, action, "done")
    db.commit()
    app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert _deliveries(db) == [] and receiver.received == []


def test_queued_event_is_dropped_when_its_endpoint_is_disabled(db, app, make_user, make_incident,
                                                               endpoint, receiver):
    action = _action(db, make_user("editor"), make_incident())
    actions.set_status(db, None, action, "done")
    endpoint.active = False
    db.commit()
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0 and receiver.received == []
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts) == ("failed", 0)
    assert "disabled" in delivery.last_error
