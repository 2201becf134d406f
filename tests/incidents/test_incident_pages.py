"""Incident pages: create, edit, list filters, moments, timeline editing, zones."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.models import AuditEvent, Incident, Service, TimelineEvent
from tests.conftest import csrf_token


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_editor_creates_incident_in_own_zone(client, db, make_user, login):
    editor = make_user("editor", timezone="Europe/Berlin")
    db.add(Service(name="checkout-api"))
    db.commit()
    login(editor)
    resp = client.post("/incidents/new", data={
        "csrf_token": _token(client, "/incidents/new"), "title": "Checkout down",
        "type": "outage", "severity": "1", "status": "investigating",
        "services": ["checkout-api"], "tags": "payments, Black-Friday",
        "started_at": "2025-03-04T10:00", "commander_id": "0", "resolution_lead_id": "0"})
    assert resp.status_code == 302
    inc = db.scalar(select(Incident).where(Incident.title == "Checkout down"))
    # 10:00 in Berlin (CET, UTC+1) is 09:00 UTC.
    assert inc.started_at == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    assert inc.started_at_source.value == "manual"
    assert [s.name for s in inc.services] == ["checkout-api"]
    assert sorted(t.name for t in inc.tags) == ["black-friday", "payments"]
    assert not inc.restricted
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "2025-03-04 10:00 CET" in page  # shown back in the viewer's zone, zone named


def test_security_incident_from_form_is_restricted(client, db, make_user, login):
    editor = make_user("editor")
    login(editor)
    client.post("/incidents/new", data={
        "csrf_token": _token(client, "/incidents/new"), "title": "Token leak",
        "type": "security", "severity": "2", "status": "investigating",
        "commander_id": "0", "resolution_lead_id": "0"})
    inc = db.scalar(select(Incident).where(Incident.title == "Token leak"))
    assert inc.restricted and [m.id for m in inc.members] == [editor.id]


def test_bad_input_names_the_field_and_writes_nothing(client, db, make_user, login):
    login(make_user("editor"))
    resp = client.post("/incidents/new", data={
        "csrf_token": _token(client, "/incidents/new"), "title": "X", "type": "outage",
        "severity": "2", "status": "investigating", "started_at": "yesterday-ish",
        "commander_id": "0", "resolution_lead_id": "0"})
    assert resp.status_code == 400
    assert "not a date and time" in resp.get_data(as_text=True)
    assert db.scalar(select(Incident).where(Incident.title == "X")) is None


def test_viewer_cannot_create(client, make_user, login):
    login(make_user("viewer"))
    assert client.get("/incidents/new").status_code == 403


def test_edit_records_audit(client, db, make_user, make_incident, login):
    editor = make_user("editor")
    inc = make_incident(title="Old title")
    login(editor)
    token = _token(client, f"/incidents/{inc.id}/edit")
    resp = client.post(f"/incidents/{inc.id}/edit", data={
        "csrf_token": token, "title": "New title", "type": "degradation", "severity": "3",
        "status": "resolved", "commander_id": "0", "resolution_lead_id": "0",
        "started_at": "2025-03-04T10:00"})
    assert resp.status_code == 302
    db.refresh(inc)
    assert inc.title == "New title" and inc.severity == 3
    audit = db.scalars(select(AuditEvent).where(AuditEvent.object_id == inc.id,
                                                AuditEvent.verb == "update")).one()
    assert audit.changes["title"] == ["Old title", "New title"]
    assert audit.actor_id == editor.id


def test_list_filters_and_sort(client, make_user, make_incident, login):
    make_incident(title="Alpha outage", type="outage", severity=1)
    make_incident(title="Beta slowness", type="degradation", severity=3)
    login(make_user("viewer"))
    html = client.get("/incidents?type=degradation").get_data(as_text=True)
    assert "Beta slowness" in html and "Alpha outage" not in html
    html = client.get("/incidents?severity=1").get_data(as_text=True)
    assert "Alpha outage" in html and "Beta slowness" not in html
    assert client.get("/incidents?type=bogus").status_code == 400
    assert client.get("/incidents?from=not-a-date").status_code == 400


def test_moment_set_by_hand_and_durations_shown(client, db, make_user, make_incident, login):
    inc = make_incident()  # started 2025-03-04 10:00 UTC
    login(make_user("editor"))
    token = _token(client, f"/incidents/{inc.id}")
    resp = client.post(f"/incidents/{inc.id}/moments", data={
        "csrf_token": token, "moment": "detected_at", "value": "2025-03-04T10:12"})
    assert resp.status_code == 302
    db.refresh(inc)
    assert inc.detected_at == datetime(2025, 3, 4, 10, 12, tzinfo=UTC)
    assert inc.detected_at_source.value == "manual"
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "12 min" in page  # time to detect
    assert "unknown" in page  # e.g. time to recover, recovered_at missing


def test_timeline_add_edit_star_hide(client, db, make_user, make_incident, login):
    inc = make_incident()
    login(make_user("editor"))
    token = _token(client, f"/incidents/{inc.id}")
    client.post(f"/incidents/{inc.id}/events", data={
        "csrf_token": token, "occurred_at": "2025-03-04T10:05:30", "text": "Alert fired",
        "kind": "detection"})
    ev = db.scalar(select(TimelineEvent).where(TimelineEvent.incident_id == inc.id))
    assert ev.occurred_at == datetime(2025, 3, 4, 10, 5, 30, tzinfo=UTC)
    assert ev.kind.value == "detection" and ev.source == "manual"
    client.post(f"/incidents/{inc.id}/events/{ev.id}", data={
        "csrf_token": token, "occurred_at": "2025-03-04T10:04:00", "text": "Alert fired (p95)",
        "annotation": "The dashboard showed only averages"})
    db.refresh(ev)
    assert ev.text == "Alert fired (p95)"
    assert ev.original_occurred_at == datetime(2025, 3, 4, 10, 5, 30, tzinfo=UTC)
    assert ev.text_original == "Alert fired"
    client.post(f"/incidents/{inc.id}/events/{ev.id}/flags", data={"csrf_token": token,
                                                                     "op": "star"})
    client.post(f"/incidents/{inc.id}/events/{ev.id}/flags", data={"csrf_token": token,
                                                                     "op": "hide"})
    db.refresh(ev)
    assert ev.starred and ev.hidden
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "Alert fired (p95)" not in page  # hidden by default
    page = client.get(f"/incidents/{inc.id}?hidden=1").get_data(as_text=True)
    assert "Alert fired (p95)" in page and "originally" in page


def test_timeline_buttons_and_event_editor_page(client, db, make_user, make_incident, login):
    """The page's star button and edit link lead where they say: one shared form posts the
    flag, and each event's editor is its own page with the text and "set as moment"."""
    from app.timeline.service import add_event

    inc = make_incident()
    ev = add_event(db, None, inc, datetime(2025, 3, 4, 10, 1, tzinfo=UTC), "Deploy **v42**")
    db.commit()
    login(make_user("editor"))
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert page.count('<form id="event-flags"') == 1  # one form, not one per event
    star = re.search(r'<button form="event-flags" formaction="([^"]+)" name="op" '
                     r'value="star"', page).group(1)
    assert star == f"/incidents/{inc.id}/events/{ev.id}/flags"
    token = re.search(r'id="event-flags".*?name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(star, data={"csrf_token": token, "op": "star"}).status_code == 302
    db.refresh(ev)
    assert ev.starred
    edit = re.search(r'<a href="([^"]+)">Edit or set as moment</a>', page).group(1)
    editor = client.get(edit)
    assert editor.status_code == 200
    html = editor.get_data(as_text=True)
    assert "Deploy **v42**</textarea>" in html and "Set as moment" in html
    client.post(f"/incidents/{inc.id}/events/{ev.id}/promote", data={
        "csrf_token": _token(client, edit), "moment": "detected_at"})
    db.refresh(inc)
    assert inc.detected_at == datetime(2025, 3, 4, 10, 1, tzinfo=UTC)


def test_viewer_sees_no_event_tools(client, db, make_user, make_incident, login):
    from app.timeline.service import add_event

    inc = make_incident()
    ev = add_event(db, None, inc, datetime(2025, 3, 4, 10, 1, tzinfo=UTC), "Paged on-call")
    db.commit()
    login(make_user("viewer"))
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "Paged on-call" in page
    assert "event-flags" not in page and "Edit or set as moment" not in page
    assert client.get(f"/incidents/{inc.id}/events/{ev.id}/edit").status_code == 403


def test_kept_timeline_rows_follow_every_change(client, db, make_user, make_incident, login):
    """Rows are reused between views, yet a star, an edit, another viewer's zone or role
    shows at once."""
    from app.timeline.service import add_event

    inc = make_incident()
    ev = add_event(db, None, inc, datetime(2025, 3, 4, 10, 1, tzinfo=UTC), "Rollback started")
    db.commit()
    login(make_user("editor", timezone="UTC"))
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "2025-03-04 10:01:00 UTC" in page and ">Star</button>" in page
    token = _token(client, f"/incidents/{inc.id}")
    client.post(f"/incidents/{inc.id}/events/{ev.id}/flags", data={"csrf_token": token,
                                                                     "op": "star"})
    client.post(f"/incidents/{inc.id}/events/{ev.id}", data={
        "csrf_token": token, "text": "Rollback of v42 started", "annotation": "seen at 40%"})
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert ">Unstar</button>" in page and "Rollback of v42 started" in page
    assert "seen at 40%" in page and 'title="starred"' in page
    client.post("/logout", data={"csrf_token": token})
    login(make_user("viewer", timezone="Asia/Tokyo"))
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "2025-03-04 19:01:00 JST" in page and "Unstar" not in page


def test_event_text_is_rendered_safely(client, db, make_user, make_incident, login):
    from app.timeline.service import add_event

    inc = make_incident()
    add_event(db, None, inc, datetime(2025, 3, 4, 10, 1, tzinfo=UTC),
              '<script>alert(1)</script> [x](javascript:alert(2)) **bold**')
    db.commit()
    login(make_user("viewer"))
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page  # shown as inert text, never a link
    assert "<strong>bold</strong>" in page


def test_csrf_required_on_timeline_post(client, make_user, make_incident, login):
    inc = make_incident()
    login(make_user("editor"))
    resp = client.post(f"/incidents/{inc.id}/events", data={
        "occurred_at": "2025-03-04T10:05", "text": "x"})
    assert resp.status_code == 400
    _ = csrf_token
