"""The data set the backup tests round-trip, and a normalised dump to compare with."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Engine, insert, inspect, null, select
from sqlalchemy.orm import Session

import app.models  # noqa: F401 - a full Base.metadata
from app.db import Base
from app.ops import codec


def fill(engine: Engine, instance: Path) -> None:
    """The demo data set plus edge values: unicode, emoji, restricted, JSON, nulls."""
    from app.demo import load_demo
    from app.models import AuditEvent, Incident, IncidentType, TimelineEvent, User

    with Session(engine) as db:
        load_demo(db, credentials_path=str(instance / "demo-login.txt"),
                  now=datetime(2026, 1, 15, 12, 0, tzinfo=UTC), count=12)
        user = User(email="zoë@example.com", display_name="Zoë 🚒 Ñandú 日本語 «quotes» \"x\"",
                    password_hash="argon2$fake", timezone="Asia/Tokyo")
        secret = Incident(title="🔥 Geheim: ключ утёк — 漏洩", type=IncidentType.SECURITY,
                          severity=1, restricted=True, users_affected=None,
                          summary="Line 1\nLine 2\t\\ back\\slash ' \" <b>html</b>\u2028sep",
                          started_at=datetime(2025, 2, 28, 23, 59, 59, 999999, tzinfo=UTC))
        db.add_all([user, secret])
        db.flush()
        db.add(TimelineEvent(incident_id=secret.id, occurred_at=datetime(
            2025, 3, 1, 0, 0, 0, 1, tzinfo=UTC), source="slack", source_id="edge-1",
            text="emoji 😀 and nulls", raw={"nested": {"a": [1, 2.5, None, "é", True]},
                                            "big": 2**53 + 1, "empty": {}, "s": "日本"}))
        db.add(AuditEvent(actor_id=user.id, incident_id=secret.id, object_type="incident",
                          verb="create", changes={"title": [None, "🔥"]}))
        db.flush()
        # The same JSON column holding SQL NULL and JSON null: a restore must keep both.
        table = TimelineEvent.__table__
        db.execute(insert(table).values(incident_id=secret.id, occurred_at=datetime(
            2025, 3, 1, 1, tzinfo=UTC), source="manual", source_id="edge-sql-null", raw=null()))
        db.execute(insert(table).values(incident_id=secret.id, occurred_at=datetime(
            2025, 3, 1, 2, tzinfo=UTC), source="manual", source_id="edge-json-null",
            raw=JSON.NULL))
        db.commit()


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, normalised, with SQL NULL told apart from JSON null."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            flags = [c.is_(None) for c in table.columns if codec.is_json(c)]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(*table.columns, *flags).order_by(*order))
            out[table.name] = [tuple(_norm(v) for v in row) for row in rows]
    return out


def table_names(engine: Engine) -> set[str]:
    """Tables present in the database."""
    return set(inspect(engine).get_table_names())
