"""SQL shared by the database backends: visibility, field filters, facets, ordering."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, extract, func, not_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from app.auth.permissions import visible_incidents_clause
from app.models import (
    ContributingFactor,
    FactorCategory,
    Incident,
    IncidentStatus,
    IncidentType,
    Service,
    Tag,
    incident_service,
    incident_tag,
)

from .protocol import FacetValue
from .query import Query

# When an incident happened, for date filters, the year facet and newest/oldest order.
WHEN = func.coalesce(Incident.started_at, Incident.created_at)
ALLOWED = {"type": [t.value for t in IncidentType], "status": [s.value for s in IncidentStatus],
           "factor": [c.value for c in FactorCategory]}


def _start(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)


def _one(name: str, values: list[str]) -> ColumnElement[bool]:
    """Incidents matching any of `values` for field `name`."""
    if name == "service":
        names = [v.lower() for v in values]
        return Incident.id.in_(select(incident_service.c.incident_id).join(Service).where(
            func.lower(Service.name).in_(names)))
    if name == "tag":
        names = [v.lower().lstrip("#") for v in values]
        return Incident.id.in_(select(incident_tag.c.incident_id).join(Tag).where(
            func.lower(Tag.name).in_(names)))
    if name == "severity":
        return Incident.severity.in_([int(v) for v in values])
    if name == "type":
        return Incident.type.in_([IncidentType(v) for v in values])
    if name == "status":
        return Incident.status.in_([IncidentStatus(v) for v in values])
    if name == "factor":
        return Incident.id.in_(select(ContributingFactor.incident_id).where(
            ContributingFactor.category.in_([FactorCategory(v) for v in values])))
    if name == "year":
        return or_(*[and_(WHEN >= _start(f"{y}-01-01"), WHEN < _start(f"{int(y) + 1}-01-01"))
                     for y in values])
    if name == "after":
        return and_(*[WHEN >= _start(v) for v in values])
    return and_(*[WHEN < _start(v) for v in values])  # before


def where(user: Any, query: Query) -> ColumnElement[bool]:
    """Visibility for `user` AND every field filter of `query`."""
    clauses = [visible_incidents_clause(user)]
    for negated in (False, True):
        names = dict.fromkeys(f.field for f in query.filters if f.negated == negated)
        for name in names:
            clause = _one(name, query.values(name, negated))
            clauses.append(not_(clause) if negated else clause)
    return and_(*clauses)


def order(sort: str, score: Any) -> list[Any]:
    """ORDER BY for relevance (score), newest or oldest."""
    if sort == "newest" or score is None and sort == "relevance":
        return [WHEN.desc(), Incident.id.desc()]
    if sort == "oldest":
        return [WHEN.asc(), Incident.id.asc()]
    return [score.desc(), Incident.id.desc()]


def facets(db: Session, ids: Select[Any]) -> dict[str, list[FacetValue]]:
    """Counts per type, severity, service, factor category and year among `ids`."""
    out: dict[str, list[FacetValue]] = {}
    count = func.count(Incident.id.distinct())
    rows = db.execute(select(Incident.type, count).where(Incident.id.in_(ids))
                      .group_by(Incident.type).order_by(count.desc()))
    out["type"] = [FacetValue(t.value, t.value, n) for t, n in rows]
    rows = db.execute(select(Incident.severity, count).where(Incident.id.in_(ids))
                      .group_by(Incident.severity).order_by(Incident.severity))
    out["severity"] = [FacetValue(str(s), str(s), n) for s, n in rows]
    svc = func.count(incident_service.c.incident_id.distinct())
    rows = db.execute(select(Service.name, svc).join(incident_service)
                      .where(incident_service.c.incident_id.in_(ids))
                      .group_by(Service.name).order_by(svc.desc(), Service.name).limit(12))
    out["service"] = [FacetValue(name, name, n) for name, n in rows]
    fct = func.count(ContributingFactor.incident_id.distinct())
    rows = db.execute(select(ContributingFactor.category, fct)
                      .where(ContributingFactor.incident_id.in_(ids))
                      .group_by(ContributingFactor.category).order_by(fct.desc()))
    out["factor"] = [FacetValue(c.value, c.value, n) for c, n in rows]
    year = extract("year", WHEN)
    rows = db.execute(select(year, count).where(Incident.id.in_(ids))
                      .group_by(year).order_by(year.desc()))
    out["year"] = [FacetValue(str(int(y)), str(int(y)), n) for y, n in rows if y is not None]
    return out


def all_visible(user: Any, query: Query) -> Select[Any]:
    """Incident ids passing visibility and filters (for a query with no text)."""
    return select(Incident.id).where(where(user, query), true())
