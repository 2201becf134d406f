"""Security suite fixtures: a restricted incident with one of everything, and a DB snapshot."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import REPO_ROOT, jobs
from app.actions.service import ActionData, create_action
from app.db import Base
from app.models import Alert, Service, Team, TimelineImport
from app.reviews.factors import add_factor
from app.reviews.meeting import park
from app.reviews.service import start_review
from app.reviews.templates import load_template
from app.timeline import uploads
from app.timeline.alert_intake import create_integration
from app.timeline.service import add_event

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
# Rows that a request may write even when it is refused: the refusal itself is recorded.
UNTRACKED_TABLES = {"login_failure"}


@pytest.fixture(autouse=True)
def _light_password_hashing(monkeypatch):
    """Argon2id with its smallest cost: still the real hash and verify, only cheaper.

    These tests log in and fail logins hundreds of times; the cost parameters are not what
    they check, and the default ones made the suite several times slower.
    """
    from argon2 import PasswordHasher

    from app.auth import passwords

    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: light)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused request wrote nothing."""
    db.expire_all()
    conn = db.connection()
    rows = {}
    for table in Base.metadata.sorted_tables:
        if table.name in UNTRACKED_TABLES:
            continue
        rows[table.name] = sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    """Names of tables whose rows differ between two snapshots."""
    return [name for name in before if before[name] != after.get(name)]


@pytest.fixture()
def world(app, db, make_user, make_incident):
    """A restricted incident holding one object of every kind a URL can name, plus an open
    incident, users of every role and the ids to build every route's URL."""
    admin = make_user("admin", display_name="Ada Admin")
    member = make_user("facilitator", display_name="Mia Member")
    outsider = make_user("facilitator", display_name="Otto Outsider")
    viewer = make_user("viewer", display_name="Vic Viewer")
    secret = make_incident(title="Zanzibar key rotation", type="security", actor=member,
                           started_at=T0)
    secret.members.append(viewer)
    opened = make_incident(title="Open checkout outage after a key rotation", actor=outsider,
                           started_at=T0, restricted=False)
    event = add_event(db, member, secret, T0 + timedelta(minutes=3),
                      "rotated the Zanzibar signing key")
    open_event = add_event(db, outsider, opened, T0, "checkout 5xx")
    template = load_template(REPO_ROOT / "review_templates" / "quick.toml")
    review, _ = start_review(db, member, secret, template, owner_id=member.id,
                             facilitator_id=member.id, attendee_ids=[viewer.id])
    open_review, _ = start_review(db, outsider, opened, template, owner_id=outsider.id)
    factor = add_factor(db, member, review, "detection", "no alert on Zanzibar key expiry",
                        [event.id])
    item = park(db, member, review, "rotate Zanzibar keys automatically")
    action = create_action(db, member, ActionData(
        title="Automate Zanzibar key rotation", owner_id=member.id, incident_id=secret.id,
        review_id=review.id, due_date=date(2025, 4, 1)))
    record = TimelineImport(incident_id=secret.id, format="slack", filename="export.zip",
                            report={"kept": 1, "duplicates": 0, "parsed": 1,
                                    "skipped": {}, "redacted": {}, "by_channel": {}})
    db.add(record)
    service = Service(name="payments-api")
    team = Team(name="Payments")
    db.add_all([service, team])
    integration, token = create_integration(db, admin, "prometheus", "alertmanager")
    linked = Alert(integration_id=integration.id, dedupe_key="k1", status="firing",
                   title="ZanzibarKeyExpiry", starts_at=T0, incident_id=secret.id)
    unlinked = Alert(integration_id=integration.id, dedupe_key="k2", status="firing",
                     title="DiskFull", starts_at=T0)
    db.add_all([linked, unlinked])
    db.commit()
    pending = uploads.save(app.instance_path, secret.id, member.id, "export.jsonl",
                           io.BytesIO(b'{"ts": "2025-03-04T10:00:00Z", "text": "hi"}\n'), {})
    job = jobs.start(app, "export", member.id, "Zanzibar export", lambda progress: {})
    ids = {"incident_id": secret.id, "job_id": job, "event_id": event.id, "review_id": review.id,
           "action_id": action.id, "import_id": record.id, "factor_id": factor.id,
           "item_id": item.id, "alert_id": linked.id, "token": pending.token,
           "key": "summary", "user_id": admin.id, "service_id": service.id,
           "filename": "debrief.css",
           # Admin-only objects: the role check answers before any lookup.
           "token_id": 1, "integration_id": 1, "link_id": 1, "webhook_id": 1, "delivery_id": 1}
    return {"admin": admin, "member": member, "outsider": outsider, "viewer": viewer,
            "secret": secret, "open": opened, "event": event, "open_event": open_event,
            "review": review, "open_review": open_review, "factor": factor, "item": item,
            "action": action, "import": record, "linked_alert": linked,
            "unlinked_alert": unlinked, "alert_token": token, "service": service,
            "team": team, "ids": ids}


@pytest.fixture()
def no_csrf(app):
    """Turn CSRF checking off for one test, to reach the permission checks behind it."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
