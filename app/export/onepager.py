"""The leadership one-pager's extra facts: objectives met or missed, earlier actions' status."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Action, ActionStatus, Incident, incident_service

from .report import visible_clause

_ACTIVE = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def _verdict(actual: timedelta | None, objective_min: int | None, missing: str) -> dict[str, Any]:
    if objective_min is None:
        return {"verdict": "unknown", "why": "no objective set"}
    if actual is None:
        return {"verdict": "unknown", "why": missing}
    met = actual <= timedelta(minutes=objective_min)
    return {"verdict": "met" if met else "missed", "why": ""}


def objectives(incident: Incident, recover: timedelta | None) -> list[dict[str, Any]]:
    """Each service's RTO against time to recover and RPO against the data-loss window."""
    loss = (incident.data_loss_to - incident.data_loss_from
            if incident.data_loss_from and incident.data_loss_to else None)
    rows = []
    for svc in incident.services:
        rows.append({"service": svc.name, "kind": "RTO", "objective": svc.rto_minutes,
                     "actual": recover, **_verdict(recover, svc.rto_minutes,
                                                   "started or recovered missing")})
        rows.append({"service": svc.name, "kind": "RPO", "objective": svc.rpo_minutes,
                     "actual": loss, **_verdict(loss, svc.rpo_minutes,
                                                "data-loss window not recorded")})
    return rows


def earlier_actions(db: Session, user: Any, incident: Incident, today: date,
                    max_rows: int = 6) -> dict[str, Any]:
    """Actions from earlier incidents on the same services that `user` may see, by status;
    at most `max_rows` of the still-open ones listed, the rest counted."""
    service_ids = [s.id for s in incident.services]
    if not service_ids or incident.started_at is None:
        return {"counts": {}, "overdue": 0, "rows": [], "more": 0, "total": 0}
    same = select(incident_service.c.incident_id).where(
        incident_service.c.service_id.in_(service_ids))
    rows = list(db.execute(
        select(Action, Incident).join(Incident, Incident.id == Action.incident_id)
        .where(Incident.id.in_(same), Incident.id != incident.id,
               Incident.started_at < incident.started_at, visible_clause(user))
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id)))
    counts = Counter(a.status.value for a, _ in rows)
    still_open = [(a, i) for a, i in rows if a.status in _ACTIVE]
    overdue = sum(1 for a, _ in still_open if a.due_date and a.due_date < today)
    shown = [{"title": a.title, "ref": i.ref, "owner": a.owner.display_name if a.owner else None,
              "due": a.due_date.isoformat() if a.due_date else None,
              "status": a.status.value.replace("_", " "),
              "overdue": bool(a.due_date and a.due_date < today)}
             for a, i in still_open[:max_rows]]
    return {"counts": dict(counts), "overdue": overdue, "rows": shown,
            "more": max(0, len(still_open) - max_rows), "total": len(rows)}


def trim(text: str, limit: int = 700) -> str:
    """At most `limit` characters, cut at a word, marked when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
