"""Cookies, session fixation and replay, login throttling, open redirects."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from app import config as config_module
from app.auth import service as auth_service
from tests.conftest import PASSWORD, csrf_token

from .route_rules import call

# Session and redirect handling do not depend on the database; the throttle's SQL count
# runs on both (per address below, and tests/auth/test_login.py per account).
SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _login(client, email, password=PASSWORD, query="", **extra):
    return call(client, f"/login{query}", "POST", data={
        "email": email, "password": password, "csrf_token": csrf_token(client), **extra})


def _cookie(resp, name):
    found = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[-1]


# ------------------------------------------------------------------------------ cookies
def test_secure_cookie_setting_exists_and_follows_the_environment(tmp_path):
    default = config_module.load(str(tmp_path), environ={})
    assert default["SESSION_COOKIE_SECURE"] is False  # `make run` serves plain HTTP locally
    prod = config_module.load(str(tmp_path), environ={"DEBRIEF_SESSION_COOKIE_SECURE": "1"})
    assert prod["SESSION_COOKIE_SECURE"] is True and prod["REMEMBER_COOKIE_SECURE"] is True
    for cfg in (default, prod):
        assert cfg["SESSION_COOKIE_HTTPONLY"] and cfg["REMEMBER_COOKIE_HTTPONLY"]
        assert cfg["SESSION_COOKIE_SAMESITE"] == cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with pytest.raises(RuntimeError, match="DEBRIEF_SESSION_COOKIE_SECURE"):
        config_module.load(str(tmp_path), environ={"DEBRIEF_SESSION_COOKIE_SECURE": "maybe"})


@SINGLE_DB
def test_cookies_are_httponly_samesite_and_secure_when_configured(app, client, make_user):
    user = make_user("viewer")
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        https = app.test_client()
        page = https.get("/login", base_url="https://localhost").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        # Over HTTPS the CSRF check also wants a same-site Referer, as a browser sends.
        resp = https.post("/login", base_url="https://localhost", headers={
            "Referer": "https://localhost/login"}, data={
            "email": user.email, "password": PASSWORD, "csrf_token": token, "remember": "y"})
        assert resp.status_code == 302
        for name in ("session", "remember_token"):
            cookie = _cookie(resp, name)
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    finally:
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)


# ------------------------------------------------------------------------------ session
@SINGLE_DB
def test_login_starts_a_new_session(client, make_user):
    user = make_user("editor")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"  # what a fixed session would carry over
    csrf_token(client)
    before = client.get_cookie("session").value
    resp = _login(client, user.email)
    assert resp.status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{user.id}:")
    # The cookie from before the login does not carry the login.
    stale = client.application.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/").status_code == 302


@SINGLE_DB
def test_logout_ends_the_session_even_for_a_copied_cookie(client, make_user):
    user = make_user("editor")
    _login(client, user.email)
    stolen = client.get_cookie("session").value
    assert call(client, "/logout", "POST", data={"csrf_token": csrf_token(client)}
                ).status_code == 302
    thief = client.application.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302  # a cookie copied before the logout is dead


@SINGLE_DB
def test_logout_ends_remember_me_cookies_too(client, make_user):
    user = make_user("editor")
    resp = _login(client, user.email, remember="y")
    remembered = _cookie(resp, "remember_token").split(";")[0].split("=", 1)[1]
    returning = client.application.test_client()
    returning.set_cookie("remember_token", remembered)
    assert returning.get("/").status_code == 200  # the control: the cookie logs in alone
    call(client, "/logout", "POST", data={"csrf_token": csrf_token(client)})
    thief = client.application.test_client()
    thief.set_cookie("remember_token", remembered)
    assert thief.get("/").status_code == 302


@SINGLE_DB
def test_password_change_ends_other_sessions(client, db, make_user):
    user = make_user("editor")
    _login(client, user.email)
    auth_service.set_password(user, "another long password")
    db.commit()
    assert client.get("/").status_code == 302


# ------------------------------------------------------------------------------ throttling
def test_login_is_throttled_per_address_across_accounts(client, make_user):
    """Credential stuffing: many e-mails from one address."""
    user = make_user("viewer")
    for n in range(auth_service.LOGIN_MAX_FAILURES):
        assert _login(client, f"guess{n}@example.com", "wrong password!").status_code == 401
    resp = _login(client, user.email)
    assert resp.status_code == 429
    assert "Too many failed attempts" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


@SINGLE_DB
def test_login_is_throttled_per_account_across_addresses(client, make_user):
    """Password spraying against one account from many addresses."""
    user = make_user("viewer")
    for n in range(auth_service.LOGIN_MAX_FAILURES):
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        _login(client, user.email, "wrong password!")
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert _login(client, user.email).status_code == 429


@SINGLE_DB
def test_throttle_answers_alike_for_unknown_accounts(client):
    for _ in range(auth_service.LOGIN_MAX_FAILURES):
        _login(client, "nobody@example.com", "wrong password!")
    resp = _login(client, "nobody@example.com", "wrong password!")
    assert resp.status_code == 429  # the same answer as for a real account: no enumeration


# ------------------------------------------------------------------------------ redirects
FOREIGN = ["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example",
           "javascript:alert(1)", "/\t/evil.example", "/%09/evil.example", "///evil.example",
           "https:evil.example", " //evil.example", "/\r\n/evil.example",
           "data:text/html,<script>alert(1)</script>"]


def _stays_local(location: str) -> bool:
    # Resolve as a browser does, after dropping tabs and newlines as browsers do.
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    resolved = urlsplit(urljoin("https://debrief.test/here", cleaned))
    return resolved.scheme == "https" and resolved.netloc == "debrief.test"


@pytest.mark.parametrize("target", FOREIGN)
@SINGLE_DB
def test_login_next_never_leaves_the_site(client, make_user, target):
    user = make_user("viewer")
    resp = call(client, "/login", "POST", query_string={"next": target}, data={
        "email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    assert _stays_local(resp.headers["Location"]), resp.headers["Location"]


@SINGLE_DB
def test_bulk_action_next_never_leaves_the_site(client, world, login):
    login(world["admin"])
    for target in FOREIGN:
        resp = call(client, "/actions/bulk", "POST", data={
            "csrf_token": csrf_token(client), "ids": str(world["action"].id),
            "status": "in_progress", "next": target})
        assert resp.status_code == 302, target
        assert _stays_local(resp.headers["Location"]), (target, resp.headers["Location"])
