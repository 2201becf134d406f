"""The incident list as CSV: the incidents the user may see, with moments and durations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from app.incidents import metrics
from app.incidents.service import IncidentFilter, incidents_query
from app.models import MOMENTS

HEADER = (["ref", "title", "type", "severity", "status", "restricted", "services", "tags"]
          + [f"{m} (UTC)" for m in MOMENTS] + [f"{m}_source" for m in MOMENTS]
          + [f"{m.key}_minutes" for m in metrics.METRICS]
          + ["users_affected", "downtime_minutes", "support_tickets"])


def cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    # A leading =, +, - or @ makes spreadsheets evaluate the cell.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def incident_rows(db: Session, user: Any, flt: IncidentFilter) -> Iterator[list[str]]:
    """Header, then one row per visible incident matching `flt`."""
    yield list(HEADER)
    for i in db.scalars(incidents_query(user, flt)):
        durations = metrics.durations(i)
        yield [cell(v) for v in (
            i.ref, i.title, i.type.value, i.severity, i.status.value,
            "yes" if i.restricted else "", "; ".join(s.name for s in i.services),
            "; ".join(t.name for t in i.tags),
            *[(getattr(i, m).isoformat() if getattr(i, m) else "") for m in MOMENTS],
            *[(getattr(i, f"{m}_source").value if getattr(i, f"{m}_source") else "")
              for m in MOMENTS],
            *[(round(d.value.total_seconds() / 60, 1) if d.value is not None else "")
              for d in (durations[m.key] for m in metrics.METRICS)],
            i.users_affected, i.downtime_minutes, i.support_tickets)]
