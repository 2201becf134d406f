"""Action pages: create from an incident, lists, CSV, calendar, bulk, edit conflicts, report."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from app.actions import service
from app.actions.service import ActionData
from app.incidents.dashboard import dashboard
from app.models import Action, ActionStatus, ContributingFactor, FactorCategory, Provenance, Service
from tests.conftest import csrf_token


def _today():
    return service.today_utc()


def test_create_from_incident_page_with_sla_due(client, db, make_user, make_incident, login):
    editor = make_user("editor")
    incident = make_incident(severity=1)
    login(editor)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert f"/incidents/{incident.id}/actions/new" in page
    form = client.get(f"/incidents/{incident.id}/actions/new")
    assert form.status_code == 200 and "15 days" in form.get_data(as_text=True)
    resp = client.post(f"/incidents/{incident.id}/actions/new", data={
        "csrf_token": csrf_token(client), "title": "Alert on **queue** depth",
        "priority": "high", "type": "detect", "owner_id": str(editor.id), "team_id": "",
        "factor_id": "", "description": "<script>x()</script> *why*"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    action = db.query(Action).filter_by(incident_id=incident.id).one()
    assert action.due_date == _today() + timedelta(days=15)
    show = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "<script>x()" not in show and "<em>why</em>" in show
    assert "create" in show  # history


def test_bad_input_names_the_field(client, db, make_user, make_incident, login):
    editor = make_user("editor")
    incident = make_incident(severity=2)
    login(editor)
    late = (_today() + timedelta(days=90)).isoformat()
    resp = client.post(f"/incidents/{incident.id}/actions/new", data={
        "csrf_token": csrf_token(client), "title": "Move to a new DB", "priority": "low",
        "type": "prevent", "owner_id": "", "team_id": "", "factor_id": "", "due_date": late})
    assert resp.status_code == 400
    assert "past the SLA" in resp.get_data(as_text=True)
    resp = client.post("/actions/new", data={
        "csrf_token": csrf_token(client), "title": "x", "priority": "urgent", "type": "prevent",
        "owner_id": "", "team_id": "", "factor_id": "",
        "tracker_url": "javascript:alert(1)"})
    assert resp.status_code == 400
    assert db.query(Action).count() == 0
    assert client.get("/actions?status=bogus").status_code == 400
    assert client.get("/actions?sort=drop").status_code == 400
    assert client.post("/actions/new", data={"title": "no csrf"}).status_code == 400


def test_restricted_actions_hidden_everywhere(client, db, make_user, make_incident, login):
    member, outsider = make_user("editor"), make_user("editor")
    secret = make_incident(type="security", actor=member)
    open_incident = make_incident(title="Public")
    hidden = service.create_action(db, member, ActionData(
        title="Rotate secret keys", incident_id=secret.id, owner_id=outsider.id))
    hidden.due_date = _today() - timedelta(days=3)
    shown = service.create_action(db, member, ActionData(
        title="Add public canary", incident_id=open_incident.id, owner_id=outsider.id))
    shown.due_date = _today() - timedelta(days=3)
    db.commit()
    login(outsider)
    for url in ("/actions", "/actions/mine", "/actions/export.csv", "/actions/mine.ics",
                "/actions?overdue=1", "/actions/report"):
        body = client.get(url).get_data(as_text=True)
        assert "Rotate secret keys" not in body, url
    assert "Add public canary" in client.get("/actions/export.csv").get_data(as_text=True)
    assert client.get(f"/actions/{hidden.id}").status_code == 404
    assert client.get(f"/actions/{hidden.id}/edit").status_code == 404
    resp = client.post("/actions/bulk", data={"csrf_token": csrf_token(client),
                                              "ids": [str(hidden.id)], "status": "done"})
    assert resp.status_code == 302
    db.refresh(hidden)
    assert hidden.status is ActionStatus.OPEN
    figures = dashboard(db, outsider, _today())
    assert (figures["open_actions"], figures["overdue_count"]) == (1, 1)
    login(member)
    assert "Rotate secret keys" in client.get("/actions").get_data(as_text=True)
    assert dashboard(db, member, _today())["overdue_count"] == 2


def test_filters_sort_csv_and_ics(client, db, make_user, make_incident, login):
    editor = make_user("editor")
    svc = Service(name="checkout")
    db.add(svc)
    db.flush()
    incident = make_incident(severity=1, services=["checkout"])
    a = service.create_action(db, editor, ActionData(
        title="=HYPERLINK(1)", incident_id=incident.id, owner_id=editor.id, type="detect"))
    b = service.create_action(db, editor, ActionData(title="Standalone, week",
                                                     owner_id=editor.id))
    b.due_date = _today() + timedelta(days=2)
    service.create_action(db, editor, ActionData(title="Nobody's"))
    db.commit()
    login(editor)
    body = client.get("/actions?service=checkout&severity=1&type=detect").get_data(as_text=True)
    assert "HYPERLINK" in body and "Standalone, week" not in body
    body = client.get("/actions?week=1").get_data(as_text=True)
    assert "Standalone, week" in body and "HYPERLINK" not in body
    assert "no owner" in client.get("/actions?owner=none").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get(
        "/actions/export.csv?owner=me&sort=title").get_data(as_text=True))))
    assert rows[0][:3] == ["id", "title", "status"] and len(rows) == 3
    assert rows[1][1] == "'=HYPERLINK(1)"  # no formula injection
    ics = client.get("/actions/mine.ics")
    assert ics.mimetype == "text/calendar"
    cal = Calendar.from_ical(ics.data)
    events = list(cal.walk("VEVENT"))
    assert {str(e["uid"]) for e in events} == {f"action-{a.id}@debrief", f"action-{b.id}@debrief"}
    assert "Due: Standalone, week" in {str(e["summary"]) for e in events}
    assert b"Standalone\\, week" in ics.data  # text escaped per RFC 5545


def test_bulk_status_change(client, db, make_user, login):
    editor, viewer = make_user("editor"), make_user("viewer")
    ids = [service.create_action(db, editor, ActionData(title=f"a{i}")).id for i in range(3)]
    db.commit()
    login(viewer)
    assert client.post("/actions/bulk", data={"csrf_token": csrf_token(client), "ids": ids,
                                              "status": "done"}).status_code == 403
    login(editor)
    token = csrf_token(client)
    resp = client.post("/actions/bulk", data={"csrf_token": token, "ids": ids,
                                              "status": "wont_do"})
    assert resp.status_code == 400  # won't do needs a reason
    resp = client.post("/actions/bulk", data={"csrf_token": token, "ids": ids[:2],
                                              "status": "done", "next": "//evil.example"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/actions")
    assert [db.get(Action, i).status for i in ids] == [ActionStatus.DONE, ActionStatus.DONE,
                                                       ActionStatus.OPEN]


def test_stale_edit_is_refused_with_input_kept(client, db, make_user, login):
    editor = make_user("editor")
    action = service.create_action(db, editor, ActionData(title="Add canary"))
    db.commit()
    login(editor)
    page = client.get(f"/actions/{action.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    service.update_action(db, editor, action, ActionData(title="Add canary stage"),
                          expected_version=action.version)
    db.commit()
    data = {"csrf_token": csrf_token(client), "title": "My careful rewrite", "priority": "low",
            "type": "prevent", "owner_id": "", "team_id": "", "factor_id": "",
            "version": version}
    resp = client.post(f"/actions/{action.id}/edit", data=data)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Someone else saved" in html and "My careful rewrite" in html
    db.refresh(action)
    assert action.title == "Add canary stage"
    data["version"] = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert client.post(f"/actions/{action.id}/edit", data=data).status_code == 302
    db.refresh(action)
    assert action.title == "My careful rewrite"


def test_closing_last_action_shows_time_to_resolve(client, db, make_user, make_incident, login):
    assert Provenance.DERIVED.value == "derived"
    editor = make_user("editor")
    incident = make_incident(started_at=datetime(2025, 3, 4, 10, 0, tzinfo=UTC))
    action = service.create_action(db, editor, ActionData(title="Fix", incident_id=incident.id))
    db.commit()
    login(editor)
    resp = client.post(f"/actions/{action.id}/status", data={
        "csrf_token": csrf_token(client), "status": "done"})
    assert resp.status_code == 302
    db.refresh(incident)
    assert incident.resolved_at_source is Provenance.DERIVED
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    resolve_row = page[page.index("Time to resolve"):].split("</tr>")[0]
    assert "unknown" not in resolve_row and re.search(r"\d+ d \d+ h", resolve_row)
    assert "derived" in page
    resp = client.post(f"/actions/{action.id}/status", data={
        "csrf_token": csrf_token(client), "status": "wont_do", "reason": ""})
    assert resp.status_code == 400


def test_effectiveness_and_report(client, db, make_user, make_incident, login):
    editor = make_user("editor")
    db.add(Service(name="search"))
    db.flush()
    first = make_incident(title="Index lag", services=["search"],
                          started_at=datetime(2025, 1, 1, tzinfo=UTC))
    factor = ContributingFactor(incident_id=first.id, category=FactorCategory.DETECTION,
                                description="no lag alert")
    db.add(factor)
    db.flush()
    action = service.create_action(db, editor, ActionData(
        title="Make sure to watch lag", incident_id=first.id, factor_id=factor.id,
        type="detect", owner_id=editor.id))
    service.set_status(db, editor, action, "done", now=datetime(2025, 2, 1, tzinfo=UTC))
    again = make_incident(title="Index lag again", services=["search"],
                          started_at=datetime(2025, 3, 1, tzinfo=UTC))
    db.add(ContributingFactor(incident_id=again.id, category=FactorCategory.DETECTION,
                              description="alert too quiet"))
    db.commit()
    login(editor)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Index lag again" in page and "asks for vigilance" in page
    report = client.get("/actions/report").get_data(as_text=True)
    assert "Recurrence by action type" in report and "100 %" in report
    assert "small n" in report


def test_owner_with_viewer_role_can_close_own_action_only(client, db, make_user, login):
    editor, owner, other = make_user("editor"), make_user("viewer"), make_user("viewer")
    mine = service.create_action(db, editor, ActionData(title="Alert on pool", owner_id=owner.id))
    theirs = service.create_action(db, editor, ActionData(title="Runbook", owner_id=other.id))
    db.commit()
    login(owner)
    page = client.get(f"/actions/{mine.id}").get_data(as_text=True)
    assert "Save status" in page and "Edit action" not in page
    assert "Save status" not in client.get(f"/actions/{theirs.id}").get_data(as_text=True)
    token = csrf_token(client)
    resp = client.post(f"/actions/{mine.id}/status", data={"csrf_token": token,
                                                           "status": "done"})
    assert resp.status_code == 302
    assert client.post(f"/actions/{theirs.id}/status", data={
        "csrf_token": token, "status": "done"}).status_code == 403
    db.expire_all()
    assert db.get(Action, mine.id).status is ActionStatus.DONE
    assert db.get(Action, theirs.id).status is ActionStatus.OPEN
