"""Mattermost slash commands: per-integration tokens (hashed), ephemeral replies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import ChatIntegration, TimelineEvent
from tests.conftest import csrf_token

TOKEN = "xr3j5x3p4pfjpfxbqfm5bpzcdr"


def _form(text: str, **extra: str) -> dict[str, str]:
    form = {"channel_id": "fukxanjgjbnp7ng383at53k1sy", "channel_name": "inc-search",
            "command": "/debrief", "team_domain": "ops", "team_id": "rdc9bgriktyx9p4kowh3dmgqyc",
            "text": text, "token": TOKEN, "trigger_id": "dHJpZ2dlcjE=",
            "user_id": "q9u5d1w5jbnw3bmzpibdeb1o7o", "user_name": "carol"}
    form.update(extra)
    return form


@pytest.fixture()
def integration(client, make_user, login):
    """An admin registers the slash command's token through the admin page."""
    login(make_user("admin"))
    resp = client.post("/admin/chatops", data={"name": "Mattermost ops", "token": TOKEN,
                                                "csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    client.delete_cookie("session")


def test_token_is_stored_hashed(db, integration):
    stored = db.scalar(select(ChatIntegration))
    assert stored.name == "Mattermost ops" and TOKEN not in stored.token_hash


def test_link_and_add_with_the_right_token(client, db, make_incident, integration):
    incident = make_incident(title="Search latency")
    resp = client.post("/hooks/mattermost", data=_form(f"link INC-{incident.id}"))
    assert resp.status_code == 200
    assert resp.json == {"response_type": "ephemeral", "text": resp.json["text"]}
    assert f"INC-{incident.id}" in resp.json["text"]
    resp = client.post("/hooks/mattermost", data=_form("add *cache* flushed",
                                                       trigger_id="dHJpZ2dlcjI="))
    assert "Added" in resp.json["text"]
    [event] = db.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id))
    assert (event.source, event.author_name, event.text) == ("mattermost", "carol",
                                                             "*cache* flushed")
    again = client.post("/hooks/mattermost", data=_form("add *cache* flushed",
                                                        trigger_id="dHJpZ2dlcjI="))
    assert "Already added" in again.json["text"]


def test_token_in_authorization_header_works(client, make_incident, integration):
    form = _form("help")
    del form["token"]
    resp = client.post("/hooks/mattermost", data=form, headers={"Authorization": f"Token {TOKEN}"})
    assert resp.status_code == 200 and "/debrief add" in resp.json["text"]


@pytest.mark.parametrize("token", ["", "wrong-token-wrong-token", TOKEN + "x"])
def test_wrong_or_missing_token_is_refused_and_adds_nothing(client, db, make_incident,
                                                            integration, token):
    incident = make_incident()
    resp = client.post("/hooks/mattermost", data=_form(f"link INC-{incident.id}", token=token))
    assert resp.status_code == 401
    assert "token" in resp.json["detail"]
    assert db.scalar(select(func.count()).select_from(TimelineEvent)) == 0


def test_missing_channel_is_a_400(client, integration):
    resp = client.post("/hooks/mattermost", data=_form("help", channel_id=""))
    assert resp.status_code == 400 and "channel_id" in resp.json["detail"]


def test_duplicate_or_short_token_is_refused_on_the_admin_page(client, db, make_user, login,
                                                               integration):
    login(make_user("admin"))
    for data, message in (({"name": "Again", "token": TOKEN}, "already uses this token"),
                          ({"name": "Short", "token": "abc"}, "16+ characters")):
        resp = client.post("/admin/chatops", data={**data, "csrf_token": csrf_token(client)},
                           follow_redirects=True)
        assert message in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(ChatIntegration)) == 1


def test_chatops_admin_page_is_for_admins_only(client, make_user, login, integration):
    assert client.get("/admin/chatops").status_code == 302  # anonymous: to the login page
    login(make_user("editor"))
    assert client.get("/admin/chatops").status_code == 403
    login(make_user("admin"))
    html = client.get("/admin/chatops").get_data(as_text=True)
    assert "Mattermost ops" in html and TOKEN not in html
