"""Login, logout, safe redirects, CSRF, brute-force limit, session cookie flags."""

import pytest

from app.auth.views import safe_next
from tests.conftest import PASSWORD, csrf_token


def test_login_with_wrong_password_is_refused(client, make_user):
    user = make_user("editor")
    token = csrf_token(client)
    resp = client.post("/login", data={"email": user.email, "password": "nope-nope-nope",
                                       "csrf_token": token})
    assert resp.status_code == 401
    assert "Wrong e-mail or password" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("editor")
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 400
    assert "Form check failed" in resp.get_data(as_text=True)


def test_login_follows_local_next_only(client, make_user):
    user = make_user("viewer")
    token = csrf_token(client)
    resp = client.post("/login?next=/incidents", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert resp.headers["Location"].endswith("/incidents")
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    token = csrf_token(client)
    resp = client.post("/login?next=https://evil.example/", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert resp.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x"])
def test_safe_next_refuses_foreign_targets(target):
    assert safe_next(target) is None


def test_safe_next_keeps_local_paths():
    assert safe_next("/incidents?type=outage") == "/incidents?type=outage"


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("viewer")
    token = csrf_token(client)
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token})
    cookie = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_brute_force_is_limited(client, make_user):
    user = make_user("viewer")
    for _ in range(10):
        token = csrf_token(client)
        client.post("/login", data={"email": user.email, "password": "wrong-password-x",
                                    "csrf_token": token})
    token = csrf_token(client)
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 429  # even the right password waits out the window


def test_deactivated_user_is_logged_out(client, db, make_user, login):
    from app.auth import service

    user = make_user("editor")
    login(user)
    assert client.get("/").status_code == 200
    service.update_user(user, active=False)
    db.commit()
    assert client.get("/").status_code == 302


def test_security_headers(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
