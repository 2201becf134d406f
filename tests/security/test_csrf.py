"""CSRF on every state-changing form route: a missing or wrong token gets 400, writes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token

from .conftest import changed_tables, snapshot
from .route_rules import call, routes, rule_of, url

SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _form_routes(app):
    # Token routes (API, webhooks) never read the session cookie, so CSRF cannot apply.
    for rule, method, key in routes(app):
        if method in WRITES and rule_of(rule, key) != "token":
            yield rule, method


@SINGLE_DB
def test_every_form_route_refuses_a_missing_or_wrong_token(app, client, db, world, login):
    login(world["admin"])  # the admin passes every role and visibility check
    other = app.test_client()  # a token from another session is as wrong as a made-up one
    foreign = csrf_token(other)
    before = snapshot(db)
    walked = 0
    for rule, method in _form_routes(app):
        target = url(rule, world["ids"])
        for data, headers in (({}, {}), ({"csrf_token": "forged"}, {}),
                              ({"csrf_token": foreign}, {}), ({}, {"X-CSRFToken": "forged"})):
            resp = call(client, target, method, data=data, headers=headers)
            assert resp.status_code == 400, (method, rule.rule, data, resp.status_code)
            assert "Form check failed" in resp.get_data(as_text=True), rule.rule
        walked += 1
    assert walked >= 40  # the walk is real
    assert changed_tables(before, snapshot(db)) == []
    # The session is still good: the refusals were about the token, not the login.
    assert call(client, "/profile").status_code == 200


def test_a_valid_token_is_accepted(client, db, world, login):
    """The control: the same kind of request with the page's token does write."""
    login(world["member"])
    before = snapshot(db)
    resp = call(client, f"/incidents/{world['secret'].id}/events", "POST", data={
        "csrf_token": csrf_token(client), "occurred_at": "2025-03-04 10:30", "text": "ok"})
    assert resp.status_code == 302
    assert "timeline_event" in changed_tables(before, snapshot(db))
