"""Slack intake: signed slash commands and message shortcuts, refused when not Slack's."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import ChatChannelLink, Incident, Provenance, TimelineEvent
from tests.chatops.slack_requests import (
    CHANNEL,
    SECRET,
    TEAM,
    headers,
    post,
    shortcut_body,
    slash_body,
)


@pytest.fixture()
def slack(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_SLACK_SIGNING_SECRET", SECRET)


@pytest.fixture()
def linked(db, make_incident, slack):
    incident = make_incident(title="Checkout errors")
    db.add(ChatChannelLink(platform="slack", team_id=TEAM, channel_id=CHANNEL,
                           incident_id=incident.id))
    db.commit()
    return incident


def _events(db, incident_id: int) -> list[TimelineEvent]:
    db.expire_all()
    return list(db.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)))


def test_signed_add_adds_one_event(client, db, linked):
    resp = post(client, slash_body("add *Rolled back* deploy 4512"))
    assert resp.status_code == 200
    assert resp.json["response_type"] == "ephemeral"
    assert f"INC-{linked.id}" in resp.json["text"]
    [event] = _events(db, linked.id)
    assert event.source == "slack" and event.author_name == "alice"
    assert event.text == "**Rolled back** deploy 4512"  # Slack mrkdwn became Markdown
    assert event.text_original == "*Rolled back* deploy 4512"
    assert abs(event.occurred_at.timestamp() - time.time()) < 60


def test_retried_request_adds_nothing_more(client, db, linked):
    body = slash_body("add paged the database team")
    assert post(client, body).status_code == 200
    again = post(client, body, timestamp=int(time.time()) + 1)  # a retry, signed afresh
    assert again.status_code == 200
    assert "Already added" in again.json["text"]
    assert len(_events(db, linked.id)) == 1


def test_wrong_signature_is_refused_and_adds_nothing(client, db, linked):
    body = slash_body("add forged")
    resp = client.post("/hooks/slack", data=body,
                       headers=headers(body, secret="not-the-signing-secret"))
    assert resp.status_code == 401
    assert "X-Slack-Signature" in resp.json["detail"]
    tampered = headers(body)
    resp = client.post("/hooks/slack", data=body.replace("forged", "tampered"), headers=tampered)
    assert resp.status_code == 401
    assert client.post("/hooks/slack", data=body).status_code == 401  # unsigned
    assert _events(db, linked.id) == []


@pytest.mark.parametrize("age", [6 * 60, -6 * 60])
def test_stale_or_future_timestamp_is_refused_and_adds_nothing(client, db, linked, age):
    body = slash_body("add replayed")
    resp = post(client, body, timestamp=int(time.time()) - age)
    assert resp.status_code == 401
    assert "five minutes" in resp.json["detail"]
    assert _events(db, linked.id) == []


def test_without_a_configured_secret_everything_is_refused(client, db, app, make_incident,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_SLACK_SIGNING_SECRET", "")
    resp = post(client, slash_body("help"))
    assert resp.status_code == 401
    assert "DEBRIEF_SLACK_SIGNING_SECRET" in resp.json["detail"]


def test_link_then_add_goes_to_that_incident(client, db, make_incident, slack):
    incident = make_incident(title="Search latency")
    resp = post(client, slash_body(f"link INC-{incident.id}"))
    assert resp.status_code == 200
    assert f"INC-{incident.id} (Search latency)" in resp.json["text"]
    link = db.scalar(select(ChatChannelLink))
    assert (link.platform, link.team_id, link.channel_id, link.incident_id) == (
        "slack", TEAM, CHANNEL, incident.id)
    post(client, slash_body("add cache warmed", trigger="2.2.2"))
    assert [e.text for e in _events(db, incident.id)] == ["cache warmed"]
    other = make_incident(title="Second one")
    resp = post(client, slash_body(f"link {other.id}", trigger="3.3.3"))
    assert f"it was linked to INC-{incident.id}" in resp.json["text"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ChatChannelLink)) == 1


def test_restricted_incident_cannot_be_linked_and_its_title_never_shows(client, db,
                                                                         make_incident, slack):
    secret = make_incident(title="Credential leak in vendor bucket", type="security")
    assert secret.restricted
    resp = post(client, slash_body(f"link INC-{secret.id}"))
    missing = post(client, slash_body("link INC-999999", trigger="9.9.9"))
    assert "Credential leak" not in resp.json["text"]
    # Same answer as for a missing incident: the channel learns nothing about it.
    assert resp.json["text"].replace(str(secret.id), "N") == \
        missing.json["text"].replace("999999", "N")
    assert db.scalar(select(func.count()).select_from(ChatChannelLink)) == 0


def test_incident_restricted_after_linking_is_not_written(client, db, linked):
    linked.restricted = True
    db.commit()
    resp = post(client, slash_body("add should not land"))
    assert "restricted" in resp.json["text"] and "Checkout errors" not in resp.json["text"]
    assert _events(db, linked.id) == []


def test_closed_incident_refuses_additions(client, db, linked):
    linked.status = "closed"
    db.commit()
    resp = post(client, slash_body("add too late"))
    assert "closed" in resp.json["text"]
    assert _events(db, linked.id) == []


def test_add_without_a_linked_channel_explains(client, db, make_incident, slack):
    resp = post(client, slash_body("add lost words", channel="C0OTHER"))
    assert resp.status_code == 200
    assert "/debrief link INC-123" in resp.json["text"]
    assert db.scalar(select(func.count()).select_from(TimelineEvent)) == 0


def test_moment_with_clock_time_sets_it_imported(client, db, linked, app, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_DEFAULT_TIMEZONE", "Europe/Paris")
    resp = post(client, slash_body("moment detected 00:00"))
    assert resp.status_code == 200, resp.json
    db.expire_all()
    incident = db.get(Incident, linked.id)
    assert incident.detected_at_source is Provenance.IMPORTED
    local = incident.detected_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (0, 0)
    assert incident.detected_at <= datetime.now(UTC)
    assert "detected set to" in resp.json["text"]


def test_moment_with_iso_time_and_manual_values_kept(client, db, linked):
    resp = post(client, slash_body("moment mitigated 2025-03-04T10:40:00Z"))
    db.expire_all()
    incident = db.get(Incident, linked.id)
    assert incident.mitigated_at == datetime(2025, 3, 4, 10, 40, tzinfo=UTC)
    assert incident.mitigated_at_source is Provenance.IMPORTED
    incident.recovered_at = datetime(2025, 3, 4, 11, 0, tzinfo=UTC)
    incident.recovered_at_source = Provenance.MANUAL
    db.commit()
    resp = post(client, slash_body("moment recovered 2025-03-04T12:00:00Z", trigger="4.4.4"))
    assert "set by a person" in resp.json["text"]
    db.expire_all()
    assert db.get(Incident, linked.id).recovered_at == datetime(2025, 3, 4, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("moment exploded", "which moment?"),
    ("moment detected 25:00", "not a time of day"),
    ("moment detected 2999-01-01T00:00Z", "in the future"),
    ("dance", "unknown command `dance`"),
    ("add", "add what?"),
    ("link everything", "link to which incident?"),
])
def test_bad_commands_get_a_helpful_reply_and_change_nothing(client, db, linked, text, expected):
    resp = post(client, slash_body(text))
    assert resp.status_code == 200
    assert expected in resp.json["text"]
    db.expire_all()
    assert db.get(Incident, linked.id).detected_at is None
    assert _events(db, linked.id) == []


def test_help_lists_the_commands(client, slack):
    text = post(client, slash_body("help")).json["text"]
    for word in ("link", "add", "moment", "detected"):
        assert word in text


def test_message_shortcut_adds_the_chosen_message_once(client, db, linked):
    body = shortcut_body("db failover done, _errors dropping_", ts="1741082700.000200")
    resp = post(client, body)
    assert resp.status_code == 200 and resp.json["response_type"] == "ephemeral"
    assert post(client, body).json["text"].startswith("That message is already")
    [event] = _events(db, linked.id)
    assert event.occurred_at == datetime.fromtimestamp(1741082700.0002, tz=UTC)
    assert event.author_name == "bob" and event.author_id == "U0BOB"
    assert event.text == "db failover done, *errors dropping*"
    # The same id as a Slack export import, so a later import of the channel dedupes.
    assert event.source_id == f"{CHANNEL}:1741082700.000200"


def test_message_shortcut_with_a_broken_payload_is_a_400(client, db, linked):
    body = "payload=%7Bnot+json"
    resp = post(client, body)
    assert resp.status_code == 400 and "not JSON" in resp.json["detail"]
    assert _events(db, linked.id) == []


def test_shortcut_reply_is_sent_to_slack_only(client, db, linked):
    from tests.chatops import receiver as loopback

    rec, server = loopback.start()
    try:
        body = shortcut_body("look here").replace(
            "https%3A%2F%2Fhooks.slack.com%2Fapp%2FT0001%2F1%2Fabc",
            rec.url.replace(":", "%3A").replace("/", "%2F"))
        assert rec.url in unquote(body)
        resp = client.post("/hooks/slack", data=body, headers=headers(body), buffered=True)
        assert resp.status_code == 200
        assert rec.received == []  # a response_url that is not Slack's is never called
        assert [e.text for e in _events(db, linked.id)] == ["look here"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("url, ok", [
    ("https://hooks.slack.com/app/T0001/1/abc", True),
    ("http://hooks.slack.com/app/T0001/1/abc", False),
    ("https://hooks.slack.com.evil.example/app", False),
    ("https://user@hooks.slack.com/app", False),
    ("https://169.254.169.254/latest", False),
])
def test_only_slack_response_urls_are_trusted(url, ok):
    from app.chatops.slack import is_slack_response_url

    assert is_slack_response_url(url) is ok


def test_oversized_ids_are_a_400_and_write_nothing(client, db, slack):
    body = slash_body("link INC-1", channel="C" * 65)
    resp = post(client, body)
    assert resp.status_code == 400 and "at most 64" in resp.json["detail"]
    assert db.scalar(select(func.count()).select_from(ChatChannelLink)) == 0
