"""`flask actions remind` against a real SMTP server on loopback."""

import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from app.actions import service
from app.actions.service import ActionData
from app.models import ReminderLog, Team


class Sink:
    """An SMTP handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.content)
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": msg["Subject"],
                              "body": msg.get_payload(decode=True).decode()})
        return "250 OK"


@pytest.fixture()
def smtp(app, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "DEBRIEF_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "DEBRIEF_SMTP_PORT", port)
    monkeypatch.setitem(app.config, "DEBRIEF_SMTP_PASSWORD", "hunter2-never-shown")
    try:
        yield sink
    finally:
        controller.stop()


def _action(db, actor, title, owner, due_in, **kw):
    action = service.create_action(db, actor, ActionData(title=title, owner_id=owner.id, **kw))
    action.due_date = service.today_utc() + timedelta(days=due_in)
    return action


def test_one_digest_per_owner_then_none(app, db, make_user, make_incident, smtp):
    editor = make_user("editor")
    alice = make_user("editor", "alice@example.com", display_name="Alice")
    bob = make_user("editor", "bob@example.com", display_name="Bob")
    _action(db, editor, "Alert on queue depth", alice, -3)
    _action(db, editor, "Add a canary stage", alice, 2)
    _action(db, editor, "Document the failover", bob, 5)
    _action(db, editor, "Someday", bob, 40)
    done = _action(db, editor, "Already done", bob, -1)
    service.set_status(db, editor, done, "done")
    db.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["actions", "remind", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert sorted(m["to"][0] for m in smtp.messages) == ["alice@example.com", "bob@example.com"]
    alice_mail = next(m for m in smtp.messages if m["to"] == ["alice@example.com"])
    assert alice_mail["subject"] == "[Debrief] 2 follow-up actions due soon or overdue"
    assert "Alert on queue depth" in alice_mail["body"] and "3 days overdue" in alice_mail["body"]
    assert "Add a canary stage" in alice_mail["body"]
    bob_mail = next(m for m in smtp.messages if m["to"] == ["bob@example.com"])
    assert "Document the failover" in bob_mail["body"]
    assert "Someday" not in bob_mail["body"] and "Already done" not in bob_mail["body"]
    assert "sent owner digest to alice@example.com" in result.output

    again = runner.invoke(args=["actions", "remind", "--days", "7"])
    assert again.exit_code == 0, again.output
    assert len(smtp.messages) == 2
    assert "already sent today: owner digest to alice@example.com" in again.output
    assert db.query(ReminderLog).count() == 2


def test_escalation_to_review_owner_and_team_manager(app, db, make_user, make_incident, smtp):
    editor = make_user("editor")
    owner = make_user("editor", "owner@example.com")
    manager = make_user("editor", "manager@example.com")
    team = Team(name="Payments", manager_id=manager.id)
    db.add(team)
    db.flush()
    _action(db, editor, "Rotate the keys automatically", owner, -10, team_id=team.id)
    _action(db, editor, "Recent slip", owner, -2, team_id=team.id)
    db.commit()
    result = app.test_cli_runner().invoke(
        args=["actions", "remind", "--days", "0", "--escalate-after", "7"])
    assert result.exit_code == 0, result.output
    by_rcpt = {m["to"][0]: m for m in smtp.messages}
    assert set(by_rcpt) == {"owner@example.com", "manager@example.com"}
    escalation = by_rcpt["manager@example.com"]
    assert escalation["subject"] == "[Debrief] 1 overdue action needs attention"
    assert "Rotate the keys automatically" in escalation["body"]
    assert "Recent slip" not in escalation["body"]


def test_restricted_actions_only_to_those_who_may_see_them(app, db, make_user, make_incident,
                                                          smtp):
    member = make_user("editor")
    outsider = make_user("editor", "outsider@example.com")
    secret = make_incident(type="security", actor=member)
    _action(db, member, "Secret follow-up", outsider, 1, incident_id=secret.id)
    db.commit()
    result = app.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code == 0, result.output
    assert smtp.messages == []


def test_dry_run_sends_and_records_nothing(app, db, make_user, smtp):
    editor = make_user("editor")
    _action(db, editor, "Check the runbook link", editor, 1)
    db.commit()
    result = app.test_cli_runner().invoke(args=["actions", "remind", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send owner digest" in result.output and "Check the runbook link" in result.output
    assert smtp.messages == [] and db.query(ReminderLog).count() == 0


def test_unreachable_server_releases_the_claim(app, db, make_user, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    monkeypatch.setitem(app.config, "DEBRIEF_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "DEBRIEF_SMTP_PORT", port)
    editor = make_user("editor")
    _action(db, editor, "Retry me", editor, 1)
    db.commit()
    result = app.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code == 1 and "FAILED owner digest" in result.output
    assert db.query(ReminderLog).count() == 0  # the next run tries again


def test_no_smtp_host_is_a_clear_error(app, db, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_SMTP_HOST", "")
    result = app.test_cli_runner().invoke(args=["actions", "remind"])
    assert result.exit_code == 1 and "DEBRIEF_SMTP_HOST is not set" in result.output
