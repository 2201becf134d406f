"""Tracker webhooks: GitHub issues events (HMAC) and Jira issue updates (shared secret)."""

import hashlib
import hmac
import json

import pytest

from app.actions import service
from app.actions.service import ActionData
from app.models import ActionStatus, Provenance

SECRET = "gh-webhook-secret"


def github_payload(action="closed", number=12, repo="Acme/Shop"):
    """Shaped like GitHub's documented `issues` webhook payload (trimmed)."""
    return {
        "action": action,
        "issue": {
            "url": f"https://api.github.com/repos/{repo}/issues/{number}",
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "id": 1, "number": number, "title": "Alert on queue depth", "state": action,
            "user": {"login": "octocat", "id": 1},
        },
        "repository": {"id": 2, "name": repo.split("/")[1], "full_name": repo,
                       "html_url": f"https://github.com/{repo}"},
        "sender": {"login": "octocat", "id": 1, "type": "User"},
    }


def post_github(client, payload, event="issues", secret=SECRET, body=None):
    raw = body if body is not None else json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post("/hooks/github", data=raw, content_type="application/json",
                       headers={"X-GitHub-Event": event, "X-Hub-Signature-256": sig,
                                "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"})


@pytest.fixture()
def secrets(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "DEBRIEF_JIRA_WEBHOOK_SECRET", "jira-secret")


@pytest.fixture()
def linked(db, make_user, make_incident):
    editor = make_user("editor")
    incident = make_incident()
    action = service.create_action(db, editor, ActionData(
        title="Alert on queue depth", incident_id=incident.id,
        tracker_url="https://github.com/acme/shop/issues/12"))
    db.commit()
    return action, incident


def test_signed_closed_event_closes_the_linked_action(client, db, secrets, linked):
    action, incident = linked
    resp = post_github(client, github_payload())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["updated"] == [action.id]
    db.refresh(action)
    db.refresh(incident)
    assert action.status is ActionStatus.DONE
    last = service.history(db, action)[-1]
    assert last.actor_id is None and last.changes["source"] == "github acme/shop#12"
    assert incident.resolved_at_source is Provenance.DERIVED  # its only action closed
    assert post_github(client, github_payload("reopened")).status_code == 200
    db.refresh(action)
    assert action.status is ActionStatus.OPEN


def test_bad_or_missing_signature_changes_nothing(client, db, secrets, linked):
    action, _ = linked
    assert post_github(client, github_payload(), secret="wrong").status_code == 401
    raw = json.dumps(github_payload()).encode()
    resp = client.post("/hooks/github", data=raw, content_type="application/json",
                       headers={"X-GitHub-Event": "issues"})
    assert resp.status_code == 401
    db.refresh(action)
    assert action.status is ActionStatus.OPEN


def test_unconfigured_secret_refuses(app, client, monkeypatch, linked):
    monkeypatch.setitem(app.config, "DEBRIEF_GITHUB_WEBHOOK_SECRET", "")
    assert post_github(client, github_payload(), secret="").status_code == 401


def test_ping_unknown_and_malformed(client, secrets, linked):
    ping = {"zen": "Keep it logically awesome.", "hook_id": 1}
    assert post_github(client, ping, event="ping").status_code == 200
    assert post_github(client, github_payload(number=999)).status_code == 202
    assert post_github(client, github_payload("labeled")).status_code == 202
    assert post_github(client, {}, event="push").status_code == 202
    assert post_github(client, None, body=b"{not json").status_code == 400
    assert post_github(client, None, body=b"[1, 2]").status_code == 400
    bad = github_payload()
    bad["issue"] = "x"
    assert post_github(client, bad).status_code == 400


def jira_payload(key="OPS-7", category="done", to="Done"):
    """Shaped like Jira's `jira:issue_updated` webhook (trimmed)."""
    return {
        "timestamp": 1700000000000, "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Ana"},
        "issue": {"id": "10002", "self": "https://acme.atlassian.net/rest/api/2/issue/10002",
                  "key": key, "fields": {"summary": "Queue alert", "status": {
                      "name": to, "statusCategory": {"id": 3, "key": category, "name": to}}}},
        "changelog": {"id": "10100", "items": [
            {"field": "status", "fieldtype": "jira", "from": "3", "fromString": "In Progress",
             "to": "10001", "toString": to}]},
    }


def test_jira_status_change_updates_action(client, db, make_user, secrets):
    editor = make_user("editor")
    action = service.create_action(db, editor, ActionData(
        title="Runbook", tracker_url="https://acme.atlassian.net/browse/OPS-7"))
    db.commit()
    resp = client.post("/hooks/jira?secret=jira-secret", json=jira_payload(
        category="indeterminate", to="In Progress"))
    assert resp.status_code == 200
    db.refresh(action)
    assert action.status is ActionStatus.IN_PROGRESS
    resp = client.post("/hooks/jira", json=jira_payload(),
                       headers={"X-Debrief-Secret": "jira-secret"})
    assert resp.status_code == 200
    db.refresh(action)
    assert action.status is ActionStatus.DONE
    assert service.history(db, action)[-1].changes["source"] == "jira OPS-7"


def test_jira_refusals_and_ignores(client, db, make_user, secrets):
    editor = make_user("editor")
    action = service.create_action(db, editor, ActionData(
        title="Runbook", tracker_url="https://jira.example.org/browse/OPS-7"))
    db.commit()
    assert client.post("/hooks/jira?secret=nope", json=jira_payload()).status_code == 401
    assert client.post("/hooks/jira", json=jira_payload()).status_code == 401
    no_status = jira_payload()
    no_status["changelog"]["items"] = [{"field": "summary", "fromString": "a", "toString": "b"}]
    assert client.post("/hooks/jira?secret=jira-secret", json=no_status).status_code == 202
    assert client.post("/hooks/jira?secret=jira-secret",
                       json=jira_payload(key="NOPE-1")).status_code == 202
    assert client.post("/hooks/jira?secret=jira-secret", data=b"{",
                       content_type="application/json").status_code == 400
    broken = jira_payload()
    del broken["issue"]["fields"]
    assert client.post("/hooks/jira?secret=jira-secret", json=broken).status_code == 400
    db.refresh(action)
    assert action.status is ActionStatus.OPEN
