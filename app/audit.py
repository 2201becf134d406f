"""The audit trail: record who changed what (services call this; it only adds a row)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(db: Session, actor: Any, object_type: str, object_id: int | None, verb: str,
           changes: dict[str, Any] | None = None, incident_id: int | None = None) -> AuditEvent:
    """Add one audit row; `changes` maps field -> [old, new] (or any JSON-able detail)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=object_id,
        verb=verb,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        incident_id=incident_id,
    )
    db.add(event)
    return event


def diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on `obj` and return {field: [old, new]} for those that changed."""
    changes: dict[str, list[Any]] = {}
    for key, new in values.items():
        old = getattr(obj, key)
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
            setattr(obj, key, new)
    return changes
