"""Security headers on every response (pages, errors, files, JSON) and upload size limits."""

from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_token

from .conftest import changed_tables, snapshot
from .route_rules import call, routes, rule_of, url

SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def assert_headers(resp, where: str) -> None:
    """CSP without inline script, nosniff, no framing, a referrer policy."""
    h = resp.headers
    csp = h.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    assert script, f"{where}: no CSP script-src ({csp!r})"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(
        script), f"{where}: script-src allows {script}"
    assert directives.get("object-src") == ["'none'"], where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert directives.get("frame-ancestors") == ["'none'"] or h.get(
        "X-Frame-Options") == "DENY", f"{where}: the page may be framed (clickjacking)"
    assert h.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin",
                                        "strict-origin-when-cross-origin"), where


@SINGLE_DB
def test_every_route_sends_the_security_headers(app, client, world, login):
    login(world["admin"])
    for rule, method, key in routes(app):
        if method == "GET" and rule_of(rule, key) != "token":
            target = url(rule, world["ids"])
            assert_headers(call(client, target), target)
    # Token routes answer JSON, and errors are responses too.
    app.config["WTF_CSRF_ENABLED"] = True
    for target, method in [("/hooks/alertmanager", "POST"), ("/hooks/alertmanager?token=x",
                                                             "POST"),
                           ("/no/such/page", "GET"), ("/incidents/999999", "GET"),
                           ("/logout", "GET"), ("/incidents/new", "POST"),
                           ("/static/debrief.js", "GET"), ("/healthz", "GET")]:
        assert_headers(call(client, target, method), f"{method} {target}")
    for rule, method, key in routes(app):
        if rule_of(rule, key) == "token":
            target = url(rule, world["ids"])
            assert_headers(call(client, target, method), f"{method} {target}")


def test_anonymous_pages_send_the_headers_too(client):
    for target in ("/login", "/", "/no/such/page"):
        assert_headers(call(client, target), target)


def test_html_pages_are_not_cached(client, make_user, login):
    login(make_user("viewer"))
    resp = call(client, "/")
    assert "no-store" in resp.headers.get("Cache-Control", "")


# ------------------------------------------------------------------------------ uploads
@pytest.fixture()
def small_limit(app):
    """A 64 KiB request limit for one test (the real one is DEBRIEF_MAX_UPLOAD_MB)."""
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    try:
        yield
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old


def test_upload_limit_comes_from_the_setting(app):
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["DEBRIEF_MAX_UPLOAD_MB"] * 1024 * 1024


@SINGLE_DB
def test_oversized_uploads_get_a_clear_413(app, client, db, world, login, small_limit):
    login(world["admin"])
    big = b"x" * (200 * 1024)
    inc = world["secret"].id
    before = snapshot(db)
    for target, accept in [(f"/incidents/{inc}/import", "text/html"),
                           (f"/incidents/{inc}/import", "application/json"),
                           ("/admin/review-templates", "text/html")]:
        resp = call(client, target, "POST", headers={"Accept": accept}, data={
            "csrf_token": csrf_token(client), "file": (io.BytesIO(big), "big.zip")},
            content_type="multipart/form-data")
        assert resp.status_code == 413, (target, resp.status_code)
        page = resp.get_data(as_text=True)
        assert "too large" in page.lower() and "MiB" in page, page[-600:]
        assert "Traceback" not in page
    assert changed_tables(before, snapshot(db)) == []
