"""The JSON API from the URL map: token owners see what their user may see, nothing more."""

from __future__ import annotations

import pytest

from app.auth.tokens import create_token

from .conftest import changed_tables, snapshot
from .route_rules import call, routes, scoped, url

SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _api_routes(app):
    for rule, method, _key in routes(app):
        if rule.rule.startswith("/api/"):
            yield rule, method


def _bearer(db, user, scope="write"):
    issued = create_token(db, user, user, name=f"{user.email} {scope}", scope=scope)
    db.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def _problem(resp, where):
    assert resp.mimetype in ("application/problem+json", "application/json"), where
    assert "Zanzibar" not in resp.get_data(as_text=True), where


@SINGLE_DB
def test_api_non_member_gets_404_inside_a_restricted_incident(app, client, db, world):
    headers = _bearer(db, world["outsider"])
    before = snapshot(db)
    walked = 0
    for rule, method in _api_routes(app):
        if scoped(rule):
            resp = call(client, url(rule, world["ids"]), method, headers=headers, json={})
            assert resp.status_code == 404, (method, rule.rule, resp.status_code)
            _problem(resp, rule.rule)
            walked += 1
    assert walked >= 5
    tables = changed_tables(before, snapshot(db))
    assert set(tables) <= {"api_token"}, tables  # only the token's last-used time


@SINGLE_DB
def test_api_viewer_cannot_write_even_with_a_write_token(app, client, db, world):
    for scope in ("read", "write"):
        try:
            headers = _bearer(db, world["viewer"], scope)
        except Exception:  # noqa: BLE001 - a viewer may not even get a write token
            continue
        before = snapshot(db)
        for rule, method in _api_routes(app):
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                resp = call(client, url(rule, world["ids"]), method, headers=headers, json={})
                assert resp.status_code == 403, (scope, method, rule.rule, resp.status_code)
                _problem(resp, rule.rule)
        assert set(changed_tables(before, snapshot(db))) <= {"api_token"}


def test_api_lists_hide_a_restricted_incident(client, db, world):
    outsider, member = _bearer(db, world["outsider"], "read"), _bearer(db, world["member"],
                                                                      "read")
    lists = ("/api/v1/incidents", "/api/v1/actions", "/api/v1/search?q=signing",
             "/api/v1/search?q=rotation", "/api/v1/metrics")
    for target in lists:
        resp = call(client, target, headers=outsider)
        assert resp.status_code == 200, (target, resp.status_code)
        assert "Zanzibar" not in resp.get_data(as_text=True), target
    for target in ("/api/v1/incidents", "/api/v1/search?q=signing"):
        assert "Zanzibar" in call(client, target, headers=member).get_data(as_text=True)


def test_api_ignores_the_browser_session(client, world, login):
    """A logged-in browser is not an API client: no cookie auth, so no CSRF hole."""
    login(world["admin"])
    resp = call(client, "/api/v1/me")
    assert resp.status_code == 401
    resp = call(client, "/api/v1/incidents", "POST", json={"title": "x", "type": "outage",
                                                            "severity": 2})
    assert resp.status_code == 401


@SINGLE_DB
def test_api_refuses_wrong_and_revoked_tokens(client, db, world):
    from app.auth import tokens

    issued = create_token(db, world["member"], world["member"], name="t", scope="read")
    db.commit()
    good = {"Authorization": f"Bearer {issued.secret}"}
    assert call(client, "/api/v1/me", headers=good).status_code == 200
    for bad in (issued.secret + "x", issued.secret[:-1], "", "null"):
        resp = call(client, "/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert resp.status_code == 401, bad
    tokens.revoke(db, world["member"], issued.token)
    db.commit()
    assert call(client, "/api/v1/me", headers=good).status_code == 401


@SINGLE_DB
def test_api_token_of_a_deactivated_user_stops_working(client, db, world):
    from app.auth.service import update_user

    headers = _bearer(db, world["member"], "read")
    assert call(client, "/api/v1/me", headers=headers).status_code == 200
    update_user(world["member"], active=False)
    db.commit()
    assert call(client, "/api/v1/me", headers=headers).status_code == 401
