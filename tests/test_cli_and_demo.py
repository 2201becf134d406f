"""CLI parity and the demo data set."""

import json

from sqlalchemy import func, select

from app.models import Action, ActionStatus, Incident, IncidentType, Review, ReviewStatus


def test_flask_help_lists_command_groups(app):
    result = app.test_cli_runner().invoke(args=["--help"])
    for group in ("demo", "users", "incidents", "db"):
        assert group in result.output


def test_users_create_with_password_stdin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "ops@example.com", "--role", "editor",
                                 "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "created ops@example.com (editor)" in result.output
    result = runner.invoke(args=["users", "create", "bad", "--password-stdin"], input="x\n")
    assert result.exit_code != 0 and "email" in result.output


def test_incidents_create_and_list_json(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["incidents", "create", "--title", "Disk full", "--type",
                                 "outage", "--severity", "SEV2", "--started-at",
                                 "2025-05-01T12:00:00+02:00", "--restricted"])
    assert result.exit_code == 0, result.output
    new_id = int(result.output.strip())
    rows = json.loads(runner.invoke(args=["incidents", "list", "--json"]).output)
    row = next(r for r in rows if r["id"] == new_id)
    assert row["severity"] == "SEV2" and row["restricted"] is True
    assert row["moments"]["started_at"] == "2025-05-01T10:00:00+00:00"
    bad = runner.invoke(args=["incidents", "create", "--title", "x", "--type", "outage",
                              "--severity", "SEV9"])
    assert bad.exit_code != 0 and "--severity" in bad.output


def test_demo_loads_realistic_set_once(app, db, tmp_path):
    runner = app.test_cli_runner()
    cred = tmp_path / "login.txt"
    first = runner.invoke(args=["demo", "--credentials-file", str(cred)])
    assert first.exit_code == 0, first.output
    password = cred.read_text().split()[-1]
    assert f"facilitator@example.com / {password}" in first.output
    count = db.scalar(select(func.count(Incident.id)))
    assert count >= 40
    assert {i.type for i in db.scalars(select(Incident))} == set(IncidentType)
    assert {i.severity for i in db.scalars(select(Incident))} == {1, 2, 3, 4}
    assert db.scalar(select(func.count(Incident.id)).where(Incident.restricted)) >= 2
    statuses = {r.status for r in db.scalars(select(Review))}
    assert statuses == set(ReviewStatus)
    overdue = [a for a in db.scalars(select(Action))
               if a.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
               and a.due_date is not None]
    assert overdue, "some demo actions are still open"
    second = runner.invoke(args=["demo", "--credentials-file", str(cred)])
    assert "already loaded" in second.output and password in second.output
    assert db.scalar(select(func.count(Incident.id))) == count


def test_demo_login_works(app, db, client, tmp_path):
    app.test_cli_runner().invoke(args=["demo", "--credentials-file", str(tmp_path / "c")])
    password = (tmp_path / "c").read_text().split()[-1]
    from tests.conftest import csrf_token

    resp = client.post("/login", data={"email": "facilitator@example.com",
                                       "password": password, "csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    assert client.get("/incidents").status_code == 200
