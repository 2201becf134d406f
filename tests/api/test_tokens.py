"""Token lifecycle: made in the profile or the CLI, shown once, hashed, used, expired, revoked."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth import tokens
from app.models import ApiToken
from tests.api.conftest import API, bearer
from tests.conftest import csrf_token


def _create_in_ui(client, name="deploy bot", scope="write", expires=""):
    resp = client.post("/profile/tokens", data={"name": name, "scope": scope,
                                                "expires_days": expires,
                                                "csrf_token": csrf_token(client)})
    match = re.search(r'class="token-secret">([^<]+)<', resp.get_data(as_text=True))
    return resp, match.group(1) if match else None


def test_profile_page_creates_a_token_shown_once_and_stored_hashed(client, db, make_user,
                                                                   login):
    user = make_user("editor")
    login(user)
    resp, secret = _create_in_ui(client)
    assert resp.status_code == 200 and secret and secret.startswith("dbt_")
    assert resp.headers["Cache-Control"] == "no-store"
    again = client.get("/profile/tokens").get_data(as_text=True)
    assert secret not in again and secret[:12] in again  # listed by prefix only
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.secret_hash == tokens.hash_secret(secret) and secret not in row.secret_hash
    me = client.get(API + "/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["user"]["email"] == user.email


def test_bad_token_form_names_the_field(client, make_user, login):
    login(make_user("editor"))
    resp, secret = _create_in_ui(client, name="", scope="write")
    assert resp.status_code == 400 and secret is None
    assert "Name (what will use it)" in resp.get_data(as_text=True)


def test_revoking_in_the_profile_stops_the_token_at_once(client, db, make_user, login):
    user = make_user("editor")
    login(user)
    _, secret = _create_in_ui(client)
    assert client.get(API + "/me", headers=bearer(secret)).status_code == 200
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    resp = client.post(f"/profile/tokens/{token.id}/revoke",
                       data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    gone = client.get(API + "/me", headers=bearer(secret))
    assert gone.status_code == 401 and "revoked" in gone.get_json()["detail"]


def test_nobody_revokes_another_users_token(client, db, make_user, make_token, login):
    owner = make_user("editor")
    secret = make_token(owner)
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    login(make_user("admin"))
    resp = client.post(f"/profile/tokens/{token.id}/revoke",
                       data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 404
    assert client.get(API + "/me", headers=bearer(secret)).status_code == 200


def test_expired_token_is_refused(client, db, make_user):
    user = make_user("editor")
    issued = tokens.create_token(db, user, user, name="old", scope="read", expires_days=1,
                                 now=datetime.now(UTC) - timedelta(days=2))
    db.commit()
    resp = client.get(API + "/incidents", headers=bearer(issued.secret))
    assert resp.status_code == 401 and "expired" in resp.get_json()["detail"]


def test_deactivated_user_token_is_refused(client, db, make_user, make_token):
    from app.auth.service import update_user

    user = make_user("editor")
    secret = make_token(user)
    update_user(user, active=False)
    db.commit()
    assert client.get(API + "/me", headers=bearer(secret)).status_code == 401


def test_use_updates_last_used(client, db, make_user, make_token):
    user = make_user("viewer")
    secret = make_token(user, "read")
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.last_used_at is None
    assert client.get(API + "/incidents", headers=bearer(secret)).status_code == 200
    db.refresh(token)
    assert token.last_used_at is not None
    assert datetime.now(UTC) - token.last_used_at < timedelta(minutes=1)


def test_only_bearer_tokens_authenticate_never_the_session(client, make_user, make_token,
                                                           login):
    user = make_user("admin")
    secret = make_token(user)
    login(user)  # a logged-in browser session must not reach the API
    assert client.get(API + "/incidents").status_code == 401
    assert client.get(API + "/incidents", headers={
        "Authorization": f"Basic {secret}"}).status_code == 401
    assert client.get(API + "/incidents?access_token=" + secret).status_code == 401
    # With the token, no CSRF token is needed: the API is not cookie-authenticated.
    client.delete_cookie("session")
    resp = client.post(API + "/incidents", headers=bearer(secret),
                       json={"title": "From a bot", "type": "outage", "severity": 3})
    assert resp.status_code == 201


def test_cli_creates_prints_and_revokes(app, client, db, make_user):
    user = make_user("editor")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", user.email, "--scope", "read",
                                 "--name", "nightly report", "--expires-days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("dbt_")
    me = client.get(API + "/me", headers=bearer(secret)).get_json()
    assert me["scope"] == "read" and me["name"] == "nightly report" and me["expires_at"]
    listed = runner.invoke(args=["tokens", "list", user.email])
    assert secret[:12] in listed.output and secret not in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", str(me["id"])])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get(API + "/me", headers=bearer(secret)).status_code == 401


def test_cli_refuses_bad_input_naming_it(app, make_user):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["tokens", "create", "nobody@example.com", "--scope", "read"])
    assert missing.exit_code != 0 and "email" in missing.output
    user = make_user("editor")
    bad = runner.invoke(args=["tokens", "create", user.email, "--scope", "admin"])
    assert bad.exit_code != 0 and "scope" in bad.output
    days = runner.invoke(args=["tokens", "create", user.email, "--scope", "read",
                               "--expires-days", "0"])
    assert days.exit_code != 0 and "expires_days" in days.output
    assert runner.invoke(args=["tokens", "revoke", "999999"]).exit_code != 0


@pytest.fixture()
def sql_logging(caplog):
    """Log every SQL statement with its parameters, set up before the app's connection."""
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    return caplog


def test_token_secret_never_appears_in_logs(sql_logging, app, client, make_user, make_token):
    user = make_user("editor")
    secret = make_token(user)
    app.logger.setLevel(logging.DEBUG)
    with sql_logging.at_level(logging.DEBUG):
        client.get(API + "/me", headers=bearer(secret))
        client.post(API + "/incidents", headers=bearer(secret), json={"title": ""})
        client.get(API + "/incidents", headers=bearer(secret[:-2] + "xx"))
        client.get(API + "/nope", headers=bearer(secret))
        app.test_cli_runner().invoke(args=["tokens", "create", user.email, "--scope", "read"])
    messages = [r.getMessage() for r in sql_logging.records]
    # The token was looked up, and logged, by its hash: the check has something to see.
    assert any(tokens.hash_secret(secret) in m for m in messages)
    body = secret[len(tokens.TOKEN_MARK):]
    assert not [m for m in messages if body in m]
