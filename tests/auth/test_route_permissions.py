"""Every route, walked from the URL map: anonymous, viewer, non-member, member, admin-only.

New routes are covered automatically; a route that needs special handling must be listed
in PUBLIC or SELF_AUTHENTICATED with a reason.
"""

from datetime import UTC, datetime

import pytest

from app.timeline.service import add_event

# Routes anyone may reach.
PUBLIC = {"auth.login", "health.healthz", "static"}
# Webhooks and API authenticate with their own secrets/tokens (tested in their suites).
SELF_AUTHENTICATED_PREFIXES = ("hooks.", "api.")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint.startswith(SELF_AUTHENTICATED_PREFIXES):
            continue
        if rule.rule.startswith(("/hooks/", "/api/")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, ids):
    values = {}
    for arg in rule.arguments:
        assert arg in ids, f"route {rule.rule} has an argument the walk does not know: {arg}"
        values[arg] = ids[arg]
    return rule.build(values)[1]


@pytest.fixture()
def world(db, make_user, make_incident):
    member = make_user("editor")
    outsider = make_user("editor")
    admin = make_user("admin")
    incident = make_incident(title="Secret key rotation", type="security", actor=member)
    event = add_event(db, member, incident, datetime(2025, 1, 1, tzinfo=UTC), "rotated")
    # A review too, so the review routes are walked for real rather than answering 404.
    from app.models import Review, ReviewSection

    db.add(Review(incident_id=incident.id, template_key="quick",
                  meeting_at=datetime(2025, 1, 3, 14, 0, tzinfo=UTC),
                  template_snapshot={"key": "quick", "name": "Quick", "sections": [
                      {"key": "summary", "title": "Summary", "holds": "text"}]},
                  sections=[ReviewSection(key="summary", content="")]))
    db.commit()
    ids = {"incident_id": incident.id, "event_id": event.id, "user_id": admin.id,
           "service_id": 1, "review_id": 1, "action_id": 1, "token_id": 1, "filename": "x",
           "key": "standard", "token": "no-such-upload", "import_id": 1, "alert_id": 1,
           "item_id": 1, "factor_id": 1, "integration_id": 1, "link_id": 1, "webhook_id": 1,
           "delivery_id": 1, "job_id": "no-such-job"}
    return {"member": member, "outsider": outsider, "admin": admin, "incident": incident,
            "ids": ids}


def test_security_incidents_are_restricted_by_default(world):
    assert world["incident"].restricted
    assert [m.id for m in world["incident"].members] == [world["member"].id]


def test_anonymous_is_sent_to_login_everywhere(app, client, world):
    for rule, method in _routes(app):
        resp = client.open(_url(rule, world["ids"]), method=method)
        assert resp.status_code in (302, 400), (rule.rule, method, resp.status_code)
        if resp.status_code == 302:
            assert "/login" in resp.headers["Location"], rule.rule


def test_non_member_gets_404_on_every_incident_route(app, client, world, login):
    login(world["outsider"])
    app.config["WTF_CSRF_ENABLED"] = False  # reach the permission check, not the CSRF one
    try:
        for rule, method in _routes(app):
            if "incident_id" not in rule.arguments:
                continue
            resp = client.open(_url(rule, world["ids"]), method=method)
            assert resp.status_code == 404, (rule.rule, method, resp.status_code)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_member_sees_every_incident_page(app, client, world, login):
    login(world["member"])
    for rule, method in _routes(app):
        if method != "GET" or "incident_id" not in rule.arguments:
            continue
        resp = client.get(_url(rule, world["ids"]))
        # Routes naming another object (an upload token, an import) answer 404 for ids
        # that do not exist; the incident part of the check passed when they get there.
        others = set(rule.arguments) - {"incident_id", "event_id"}
        expected = (200, 302, 404) if others else (200, 302)
        assert resp.status_code in expected, (rule.rule, resp.status_code)


def test_viewer_member_cannot_write(app, client, db, world, make_user, login):
    viewer = make_user("viewer")
    world["incident"].members.append(viewer)
    db.commit()
    login(viewer)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for rule, method in _routes(app):
            if method != "POST" or "incident_id" not in rule.arguments:
                continue
            resp = client.post(_url(rule, world["ids"]))
            assert resp.status_code == 403, (rule.rule, resp.status_code)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_admin_pages_need_admin(app, client, world, login):
    login(world["outsider"])
    for rule, method in _routes(app):
        if not rule.rule.startswith("/admin"):
            continue
        resp = client.open(_url(rule, world["ids"]), method=method)
        assert resp.status_code in (403, 400), (rule.rule, method, resp.status_code)
    login(world["admin"])
    for rule, method in _routes(app):
        if rule.rule.startswith("/admin") and method == "GET":
            assert client.get(_url(rule, world["ids"])).status_code in (200, 404), rule.rule


def test_restricted_incident_absent_from_list_for_non_member(client, world, login):
    login(world["outsider"])
    html = client.get("/incidents").get_data(as_text=True)
    assert "Secret key rotation" not in html
    login(world["member"])
    html = client.get("/incidents").get_data(as_text=True)
    assert "Secret key rotation" in html
    login(world["admin"])
    assert "Secret key rotation" in client.get("/incidents").get_data(as_text=True)
