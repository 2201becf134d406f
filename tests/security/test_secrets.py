"""Secrets never stored in clear nor logged: imported chat, webhook tokens, passwords."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil

import pytest

from tests.conftest import PASSWORD, TEST_DATA, csrf_token

from .conftest import snapshot
from .route_rules import call

SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SLACK_TOKEN = "xoxb-2048813377-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
AWS_KEY_ID = "AKIAQ3EGZ7ZJ4XKEXAMP"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY1EXAMPLEKE"  # 40 characters, as AWS issues
URL_PASSWORD = "hunter2-Sup3rS3cret"
SECRETS = (SLACK_TOKEN, AWS_KEY_ID, AWS_SECRET, URL_PASSWORD)


@pytest.fixture()
def all_logs(app, caplog):
    """Every log record of every logger, the app's included, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    app.logger.setLevel(logging.DEBUG)
    app.logger.addHandler(caplog.handler)  # in case the app logger stops propagating
    try:
        yield caplog
    finally:
        app.logger.removeHandler(caplog.handler)
        app.logger.setLevel(logging.NOTSET)


def _leaks(text: str, secrets=SECRETS) -> list[str]:
    return [s for s in secrets if s in text]


def _slack_export_with_secrets(tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(TEST_DATA / "slack" / "export", folder)
    day = sorted((folder / "inc-payments").glob("*.json"))[-1]
    messages = json.loads(day.read_text())
    template = next(m for m in messages if m.get("type") == "message" and m.get("user")
                    and not m.get("subtype"))
    for n, text in enumerate([
            f"use the bot token {SLACK_TOKEN} for now",
            f"creds: aws_access_key_id={AWS_KEY_ID} aws_secret_access_key={AWS_SECRET}",
            f"db is postgres://admin:{URL_PASSWORD}@db.internal:5432/prod"]):
        messages.append({**template, "text": text, "ts": f"{float(template['ts']) + n + 1:.6f}",
                         "client_msg_id": f"secret-{n}"})
    day.write_text(json.dumps(messages))
    return shutil.make_archive(str(tmp_path / "slack"), "zip", folder)


@SINGLE_DB
def test_imported_secrets_are_scrubbed_and_never_logged(client, db, make_user, make_incident,
                                                        login, tmp_path, all_logs):
    editor = make_user("editor")
    inc = make_incident(actor=editor, restricted=False)
    login(editor)
    archive = _slack_export_with_secrets(tmp_path)
    form = call(client, f"/incidents/{inc.id}/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    with open(archive, "rb") as fh:
        resp = call(client, f"/incidents/{inc.id}/import", "POST", data={
            "csrf_token": token, "file": (io.BytesIO(fh.read()), "slack.zip"), "since": "",
            "until": ""}, content_type="multipart/form-data")
    preview_url = resp.headers["Location"]
    preview = call(client, preview_url).get_data(as_text=True)
    assert _leaks(preview) == []
    assert "slack_token" in preview  # the preview counts what the scrubber redacted
    resp = call(client, preview_url, "POST", data={"csrf_token": token})
    assert resp.status_code == 302
    for page in (resp.headers["Location"], f"/incidents/{inc.id}",
                 f"/incidents/{inc.id}/export.json", f"/incidents/{inc.id}/export.md"):
        assert _leaks(call(client, page).get_data(as_text=True)) == [], page
    stored = repr(snapshot(db))
    assert "[redacted:aws_access_key_id]" in stored and "[redacted:url_password]" in stored
    assert _leaks(stored) == [], "a secret was stored in clear"
    assert _leaks(all_logs.text) == []


@SINGLE_DB
def test_webhook_and_api_tokens_and_passwords_are_never_logged_or_stored(
        app, client, db, make_user, login, all_logs):
    from app.auth.tokens import create_token
    from app.timeline.alert_intake import create_integration

    admin = make_user("admin")
    _integration, hook_token = create_integration(db, admin, "am", "alertmanager")
    api = create_token(db, admin, admin, name="ci", scope="read")
    db.commit()
    body = json.loads((TEST_DATA / "alerts" / "alertmanager_v4.json").read_text())
    # The token in the URL and in the header, right and wrong.
    for target, headers in ((f"/hooks/alertmanager?token={hook_token}", {}),
                            ("/hooks/alertmanager", {"Authorization": f"Bearer {hook_token}"}),
                            (f"/hooks/alertmanager?token={hook_token}x", {}),
                            ("/api/v1/incidents", {"Authorization": f"Bearer {api.secret}"}),
                            ("/api/v1/incidents", {"Authorization": f"Bearer {api.secret}x"})):
        resp = call(client, target, "GET" if "api" in target else "POST", json=body,
                    headers=headers)
        assert resp.status_code < 500, (target, resp.status_code)
        assert hook_token not in resp.get_data(as_text=True)
    # A failed and a good login: the password typed is never written down.
    wrong = "not-the-password-123"
    call(client, "/login", "POST", data={"email": admin.email, "password": wrong,
                                         "csrf_token": csrf_token(client)})
    login(admin)
    secrets = (hook_token, api.secret, wrong, PASSWORD)
    assert _leaks(all_logs.text, secrets) == []
    assert _leaks(repr(snapshot(db)), secrets) == [], "a token or password is stored in clear"
