"""Every route from the URL map against its rule: anonymous, viewer, non-member, admin-only.

Extends tests/auth/test_route_permissions.py: here every URL names a real object of a
restricted incident (event, review, factor, parking item, action, import, alert, upload),
and every refusal is also checked to have written nothing.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token

from .conftest import changed_tables, snapshot
from .route_rules import RANKS, RULES, call, missing_rules, routes, rule_of, scoped, url

# The route walks test the views' checks, which do not depend on the database; listings,
# whose filtering is SQL, run on both backends (test_listings.py).
SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_every_route_has_a_rule(app):
    missing = missing_rules(app)
    assert not missing, (
        "these routes have no access rule in tests/security/route_rules.py RULES; add one "
        "(public, viewer, editor, facilitator, admin or token) so the security suite checks "
        "them:\n  " + "\n  ".join(missing))
    present = {key for _r, _m, key in routes(app)}
    stale = sorted(set(RULES) - present)
    assert not stale, f"RULES names routes that no longer exist: {stale}"


@SINGLE_DB
def test_anonymous_gets_login_or_a_token_refusal(app, client, db, world):
    token = csrf_token(client)  # an anonymous session's valid token: reach the login check
    before = snapshot(db)
    for rule, method, key in routes(app):
        target = url(rule, world["ids"])
        resp = call(client, target, method, data={"csrf_token": token})
        where = f"{method} {rule.rule}"
        kind = rule_of(rule, key)
        if kind == "public":
            assert resp.status_code < 400 or key == "POST auth.login", (where, resp.status_code)
        elif kind == "token":
            assert resp.status_code in (401, 403, 404), (where, resp.status_code)
            assert resp.is_json, f"{where}: a token route answers JSON, not a page"
        else:
            assert resp.status_code == 302, (where, resp.status_code)
            assert resp.headers["Location"].startswith("/login?next="), where
    assert changed_tables(before, snapshot(db)) == []


@SINGLE_DB
def test_viewer_cannot_reach_any_editor_or_admin_route(app, client, db, world, login):
    login(world["viewer"])  # a member of the restricted incident: only the role stops them
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        before = snapshot(db)
        for rule, method, key in routes(app):
            kind = rule_of(rule, key)
            if kind == "token" or RANKS[kind] <= RANKS["viewer"]:
                continue
            resp = call(client, url(rule, world["ids"]), method)
            assert resp.status_code == 403, (method, rule.rule, resp.status_code)
            assert "403" in resp.get_data(as_text=True)
        assert changed_tables(before, snapshot(db)) == []
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@SINGLE_DB
def test_non_admin_cannot_reach_admin_routes(app, client, db, world, login):
    login(world["member"])  # a facilitator: the highest role short of admin
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for rule, method, key in routes(app):
            if rule_of(rule, key) == "admin":
                resp = call(client, url(rule, world["ids"]), method)
                assert resp.status_code == 403, (method, rule.rule, resp.status_code)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@SINGLE_DB
def test_non_member_gets_404_on_everything_inside_a_restricted_incident(app, client, db,
                                                                        world, login):
    login(world["outsider"])  # a facilitator: every role check passes, membership fails
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        before = snapshot(db)
        walked = 0
        for rule, method, key in routes(app):
            if not scoped(rule) or rule_of(rule, key) in ("token", "admin"):
                continue
            resp = call(client, url(rule, world["ids"]), method)
            walked += 1
            # 404 exactly as for a missing object: a 403 would confirm that it exists.
            assert resp.status_code == 404, (method, rule.rule, resp.status_code)
            body = resp.get_data(as_text=True)
            assert "Zanzibar" not in body, rule.rule
        assert walked >= 40  # the walk is real, not skipped by a renamed argument
        assert changed_tables(before, snapshot(db)) == []
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@SINGLE_DB
def test_member_reaches_what_the_outsider_cannot(app, client, world, login):
    """The control of the test above: the same URLs work for a member, so 404 means hidden."""
    login(world["member"])
    for rule, method, key in routes(app):
        if method == "GET" and scoped(rule) and rule_of(rule, key) not in ("token", "admin"):
            resp = call(client, url(rule, world["ids"]))
            # The invitation needs a meeting time and the upload preview its real options.
            assert resp.status_code in (200, 302, 400), (rule.rule, resp.status_code)
