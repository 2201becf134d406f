"""XSS payloads in every field a user types, shown inert on every page and in the PDFs."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from app.actions.service import ActionData, create_action
from app.incidents.service import IncidentData, update_incident
from app.models import Alert, Service, Team
from app.reviews.factors import add_factor
from app.reviews.meeting import park
from app.reviews.service import save_section, section, start_review
from app.reviews.templates import load_template
from app.timeline.alert_intake import create_integration
from app.timeline.service import add_event, set_flags
from tests.conftest import csrf_token

from .conftest import T0
from .inert import PAYLOAD, VISIBLE, assert_inert, problems, shows_payload
from .route_rules import call, routes, rule_of, url

SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# Names are short columns: the vectors that fit in 60 characters.
SHORT = '"><svg onload=alert(1)><img src=x onerror=alert(1)>'
TEMPLATE_KEY = "xss_probe"


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def template_text() -> str:
    """A review template whose every displayed field carries the payload."""
    return f"""key = "{TEMPLATE_KEY}"
name = {_toml("Probe " + SHORT)}
description = {_toml(PAYLOAD)}
[[agenda]]
key = "walk"
title = {_toml("Walk " + PAYLOAD)}
minutes = 10
[[sections]]
key = "summary"
title = {_toml("Summary " + SHORT)}
holds = "text"
prompt = {_toml(PAYLOAD)}
guidance = {_toml(PAYLOAD)}
[[sections]]
key = "lessons"
title = {_toml("Lessons " + SHORT)}
holds = "text"
prompt = {_toml(PAYLOAD)}
"""


@pytest.fixture()
def poisoned(app, db, client, make_user, make_incident, login):
    """An incident whose every user-typed field holds a payload, its review started from an
    uploaded template that holds them too; yields the ids to build every route's URL."""
    admin = make_user("admin", display_name=SHORT)
    login(admin)
    resp = call(client, "/admin/review-templates", "POST", data={
        "csrf_token": csrf_token(client),
        "file": (io.BytesIO(template_text().encode()), "probe.toml")},
        content_type="multipart/form-data")
    assert resp.status_code == 303
    stored = Path(app.instance_path) / "review_templates" / f"{TEMPLATE_KEY}.toml"
    try:
        db.add_all([Service(name=f"svc {SHORT}"), Team(name=f"team {SHORT}")])
        db.flush()
        inc = make_incident(title=f"Title {SHORT}", actor=admin, restricted=False,
                            summary=PAYLOAD, services=[f"svc {SHORT}"],
                            tags=["<img src=x onerror=alert(1)>"])
        update_incident(db, admin, inc, IncidentData(
            title=inc.title, type="outage", severity=2, summary=PAYLOAD,
            services=[f"svc {SHORT}"], tags=["<img src=x onerror=alert(1)>"],
            impact_description=PAYLOAD, started_at=T0))
        event = add_event(db, admin, inc, T0 + timedelta(minutes=5), PAYLOAD,
                          author_name=SHORT)
        set_flags(db, admin, event, starred=True)
        review, _ = start_review(db, admin, inc, load_template(stored), owner_id=admin.id,
                                 facilitator_id=admin.id, attendee_ids=[admin.id],
                                 meeting_at=T0 + timedelta(days=2))
        for key in ("summary", "lessons"):
            save_section(db, admin, review, key, PAYLOAD + "\n\n[ok](https://example.com/)",
                         section(review, key).version)
        factor = add_factor(db, admin, review, "detection", PAYLOAD, [event.id])
        item = park(db, admin, review, PAYLOAD)
        action = create_action(db, admin, ActionData(
            title=f"Act {SHORT}", description=PAYLOAD, owner_id=admin.id,
            incident_id=inc.id, review_id=review.id, factor_id=factor.id,
            due_reason=PAYLOAD[:200]))
        integration, _token = create_integration(db, admin, f"int {SHORT}", "alertmanager")
        alert = Alert(integration_id=integration.id, dedupe_key="x", status="firing",
                      title=f"Alert {SHORT}", description=PAYLOAD, starts_at=T0,
                      link="javascript:alert(1)")
        db.add(alert)
        db.commit()
        yield {"incident_id": inc.id, "event_id": event.id, "review_id": review.id,
               "action_id": action.id, "factor_id": factor.id, "item_id": item.id,
               "alert_id": alert.id, "user_id": admin.id, "service_id": 1, "key": "summary",
               "import_id": 1, "token": "none", "job_id": "none", "filename": "debrief.css",
               "token_id": 1, "integration_id": integration.id, "link_id": 1,
               "webhook_id": 1, "delivery_id": 1}
    finally:
        stored.unlink(missing_ok=True)  # the instance folder outlives the test's rollback


@SINGLE_DB
def test_every_page_shows_typed_payloads_inert(app, client, poisoned):
    shown = []
    for rule, method, key in routes(app):
        if method != "GET" or rule_of(rule, key) in ("token", "public"):
            continue
        target = url(rule, poisoned)
        resp = call(client, target)
        if resp.mimetype == "text/html":
            html = resp.get_data(as_text=True)
            assert_inert(html, target)
            if shows_payload(html):
                shown.append(rule.endpoint)
        else:  # exports must never be sniffed or served as a page
            assert resp.mimetype in ("application/pdf", "application/json", "text/csv",
                                     "text/markdown", "text/calendar", "text/plain",
                                     "text/css", "image/svg+xml"), (target, resp.mimetype)
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for target in ("/search?q=alert", f"/search?q={SHORT}", "/actions?q=Act",
                   "/alerts"):
        assert_inert(call(client, target).get_data(as_text=True), target)
    # The payload really reached the pages that show each kind of field.
    for endpoint in ("incidents.show", "reviews.edit", "review_meeting.facilitate",
                     "actions.show", "actions.index", "auth.users", "review_templates.index",
                     "admin.services", "alerts.unlinked", "incidents.index"):
        assert endpoint in shown, f"{endpoint} did not show the payload as text"


@SINGLE_DB
def test_review_pdf_shows_payload_as_text_without_script_links(client, poisoned, tmp_path):
    for target in (f"/incidents/{poisoned['incident_id']}/export.pdf",
                   f"/incidents/{poisoned['incident_id']}/export.pdf?one_pager=1",
                   "/reports/export.pdf"):
        resp = call(client, target)
        assert resp.status_code == 200 and resp.mimetype == "application/pdf", target
        pdf = tmp_path / "doc.pdf"
        pdf.write_bytes(resp.data)
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                              capture_output=True).stdout.decode()
        links = subprocess.run(["pdfinfo", "-url", str(pdf)], check=True,
                               capture_output=True).stdout.decode()
        if "one_pager" not in target and "reports" not in target:
            assert VISIBLE in text, f"{target}: the payload is not shown as text"
            assert "https://example.com/" in links  # the control: real links are listed
        assert "javascript:" not in links.lower(), f"{target}: {links}"


def test_action_tracker_link_refuses_script_urls(client, db, make_user, make_incident, login):
    editor = make_user("editor")
    inc = make_incident(actor=editor, restricted=False)
    login(editor)
    for link in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>"):
        resp = call(client, f"/incidents/{inc.id}/actions/new", "POST", data={
            "csrf_token": csrf_token(client), "title": "t", "priority": "medium",
            "type": "mitigate", "tracker_url": link})
        assert resp.status_code == 400, link
        assert "http(s) link" in resp.get_data(as_text=True)


@pytest.mark.parametrize("live", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', '<a href=" java\tscript:alert(1)">x</a>',
    "<iframe src=/x></iframe>", '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<p title="x"><img src=x onerror=alert(1)//"></p>'])
def test_the_checker_catches_live_html(live):
    """The inertness check can fail: each of these would run in a browser."""
    assert problems(f"<!doctype html><html><body>{live}</body></html>")


def test_the_checker_accepts_escaped_payloads():
    from markupsafe import escape

    page = f"<!doctype html><p>{escape(PAYLOAD)}</p><script src=\"/static/debrief.js\"></script>"
    assert problems(page) == [] and shows_payload(page)
