"""Suggested moments, one-click acceptance, manual values protected, promotion, paste."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.models import EventKind, Provenance, TimelineEvent


def _ev(db, incident, at, source, text, event_type="message", raw=None, kind="other"):
    ev = TimelineEvent(incident_id=incident.id, occurred_at=at, source=source, text=text,
                       text_original=text, source_id=f"{source}-{at.isoformat()}",
                       event_type=event_type, raw=raw, kind=EventKind(kind))
    db.add(ev)
    db.flush()
    return ev


@pytest.fixture()
def incident(db, make_incident):
    inc = make_incident(started_at=datetime(2024, 3, 1, 9, 50, tzinfo=UTC))
    _ev(db, inc, datetime(2024, 3, 1, 9, 58, tzinfo=UTC), "pagerduty", "Triggered",
        "trigger", kind="detection")
    _ev(db, inc, datetime(2024, 3, 1, 10, 1, tzinfo=UTC), "pagerduty", "Acknowledged by Ann",
        "acknowledge", kind="acknowledgement")
    _ev(db, inc, datetime(2024, 3, 1, 10, 20, tzinfo=UTC), "slack",
        "found the cause: the pool size was lowered")
    _ev(db, inc, datetime(2024, 3, 1, 10, 35, tzinfo=UTC), "slack", "we rolled back v42")
    _ev(db, inc, datetime(2024, 3, 1, 11, 0, tzinfo=UTC), "pagerduty", "Resolved",
        "resolve", kind="recovery")
    db.commit()
    return inc


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(url).get_data(as_text=True)).group(1)


def test_suggestions_match_hand_computed_moments(db, incident):
    from app.timeline.moments import suggestions

    got = {r.suggestion.moment: (r.suggestion.at, r.suggestion.strength)
           for r in suggestions(db, incident)}
    assert got == {
        "detected_at": (datetime(2024, 3, 1, 9, 58, tzinfo=UTC), "strong"),
        "acknowledged_at": (datetime(2024, 3, 1, 10, 1, tzinfo=UTC), "strong"),
        "identified_at": (datetime(2024, 3, 1, 10, 20, tzinfo=UTC), "weak"),
        "mitigated_at": (datetime(2024, 3, 1, 10, 35, tzinfo=UTC), "weak"),
        "recovered_at": (datetime(2024, 3, 1, 11, 0, tzinfo=UTC), "strong"),
    }


def test_accept_in_one_click_and_manual_is_protected(client, db, incident, make_user, login):
    login(make_user("editor"))
    url = f"/incidents/{incident.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Suggested moments" in page and "PagerDuty" in page
    ev = db.scalar(select(TimelineEvent).where(TimelineEvent.event_type == "trigger"))
    token = _token(client, url)
    client.post(f"{url}/suggestions/accept", data={"csrf_token": token,
                                                   "moment": "detected_at", "event_id": ev.id})
    db.refresh(incident)
    assert incident.detected_at == ev.occurred_at
    assert incident.detected_at_source is Provenance.SUGGESTED
    # A hand-set value is not replaced without the explicit tick.
    client.post(f"{url}/moments", data={"csrf_token": token, "moment": "recovered_at",
                                        "value": "2024-03-01T11:30"})
    resolve = db.scalar(select(TimelineEvent).where(TimelineEvent.event_type == "resolve"))
    client.post(f"{url}/suggestions/accept", data={"csrf_token": token,
                                                   "moment": "recovered_at",
                                                   "event_id": resolve.id})
    db.refresh(incident)
    assert incident.recovered_at == datetime(2024, 3, 1, 11, 30, tzinfo=UTC)
    client.post(f"{url}/suggestions/accept", data={"csrf_token": token,
                                                   "moment": "recovered_at",
                                                   "event_id": resolve.id, "overwrite": "1"})
    db.refresh(incident)
    assert incident.recovered_at == resolve.occurred_at


def test_bulk_accept_pager_moments_keeps_manual(client, db, incident, make_user, login):
    from app.incidents.service import set_moment

    set_moment(db, None, incident, "acknowledged_at",
               datetime(2024, 3, 1, 10, 3, tzinfo=UTC), Provenance.MANUAL)
    db.commit()
    login(make_user("editor"))
    url = f"/incidents/{incident.id}"
    client.post(f"{url}/suggestions/accept-pager", data={"csrf_token": _token(client, url)})
    db.refresh(incident)
    assert incident.detected_at == datetime(2024, 3, 1, 9, 58, tzinfo=UTC)
    assert incident.detected_at_source is Provenance.IMPORTED
    assert incident.recovered_at == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert incident.acknowledged_at == datetime(2024, 3, 1, 10, 3, tzinfo=UTC)  # untouched
    assert incident.identified_at is None  # weak chat phrases are never bulk-accepted
    page = client.get(url).get_data(as_text=True)
    assert "8 min" in page  # time to detect updated at once


def test_promote_event_to_moment(client, db, incident, make_user, login):
    login(make_user("editor"))
    ev = db.scalar(select(TimelineEvent).where(TimelineEvent.text.like("found the cause%")))
    url = f"/incidents/{incident.id}"
    client.post(f"{url}/events/{ev.id}/promote", data={"csrf_token": _token(client, url),
                                                       "moment": "identified_at"})
    db.refresh(incident)
    assert incident.identified_at == ev.occurred_at
    assert incident.identified_at_source is Provenance.MANUAL


def test_paste_lines_in_a_zone_rolls_over_midnight(client, db, make_incident, make_user,
                                                   login):
    inc = make_incident()
    login(make_user("editor"))
    url = f"/incidents/{inc.id}"
    resp = client.post(f"{url}/events/paste", data={
        "csrf_token": _token(client, url), "date": "2024-03-01", "tz": "Europe/Berlin",
        "lines": "23:50 Alert fired\n- **23:58** Rolled back\n00:10 All clear\n"})
    assert resp.status_code == 302
    times = [e.occurred_at for e in db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == inc.id).order_by(TimelineEvent.occurred_at))]
    assert times == [datetime(2024, 3, 1, 22, 50, tzinfo=UTC),
                     datetime(2024, 3, 1, 22, 58, tzinfo=UTC),
                     datetime(2024, 3, 1, 23, 10, tzinfo=UTC)]
    bad = client.post(f"{url}/events/paste", data={
        "csrf_token": _token(client, url), "date": "2024-03-01", "tz": "UTC",
        "lines": "10:00 ok\nno time here\n"})
    assert bad.status_code == 400 and "line 2" in bad.get_data(as_text=True)
    after = db.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == inc.id)).all()
    assert len(after) == 3  # nothing from the bad paste was added


def test_cli_suggest_prints_evidence(app, incident):
    out = app.test_cli_runner().invoke(args=["timeline", "suggest", str(incident.id)])
    assert out.exit_code == 0
    assert "detected_at" in out.output and "2024-03-01T09:58:00+00:00" in out.output
