"""The period report: what happened in a date range, measured honestly (no bare means)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from app.auth.permissions import visible_incidents_clause
from app.incidents import metrics
from app.models import (
    Action,
    ActionStatus,
    ContributingFactor,
    Incident,
    Review,
    ReviewFeedback,
    Service,
    Team,
    incident_service,
)
from app.timefmt import zone as tz

OPERATOR = object()  # the command line's viewer: sees every incident, restricted ones marked
SMALL_N = 10
# Bucket edges line up with DORA's bands (1 h, 1 day, 1 week) so the two views agree.
BUCKETS = ((5 * 60, "< 5 min"), (15 * 60, "5–15 min"), (30 * 60, "15–30 min"),
           (3600, "30–60 min"), (4 * 3600, "1–4 h"), (86400, "4–24 h"),
           (7 * 86400, "1–7 d"), (math.inf, "≥ 7 d"))
BANDS = ("elite", "high", "medium", "low")
_ACTIVE = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class ReportQuery:
    """A date range (inclusive, in the viewer's zone) and optional filters."""

    start: date
    end: date
    team: str | None = None
    service: str | None = None
    severity: int | None = None

    def label(self) -> str:
        """``2025-01-01 – 2025-03-31`` plus the filters in use."""
        parts = [f"{self.start.isoformat()} – {self.end.isoformat()}"]
        parts += [f"{k} {v}" for k, v in (("team", self.team), ("service", self.service),
                                           ("SEV", self.severity)) if v]
        return ", ".join(parts)

    def args(self) -> dict[str, str]:
        """The query as URL arguments."""
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        out.update({k: str(v) for k, v in (("team", self.team), ("service", self.service),
                                            ("severity", self.severity)) if v})
        return out


def _date(args: Mapping[str, str], name: str, default: date) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name}: not a date (YYYY-MM-DD): {raw[:40]!r}") from None


def parse_query(args: Mapping[str, str], today: date) -> ReportQuery:
    """Read a ReportQuery from URL or CLI arguments; ValueError names the bad one."""
    end = _date(args, "to", today)
    start = _date(args, "from", end - timedelta(days=89))
    if start > end:
        raise ValueError("from: the start date is after the end date")
    if (end - start).days > 3660:
        raise ValueError("from: give a range of at most ten years")
    severity = (args.get("severity") or "").strip()
    if severity and severity not in {"1", "2", "3", "4"}:
        raise ValueError("severity: must be 1 to 4")
    return ReportQuery(start, end, (args.get("team") or "").strip() or None,
                       (args.get("service") or "").strip() or None,
                       int(severity) if severity else None)


def percentile(values: list[float], p: float) -> float:
    """The p-quantile (0..1) of sorted `values`, linear between ranks (numpy's default)."""
    k = (len(values) - 1) * p
    lo = math.floor(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def bucket_of(seconds: float) -> int:
    """The histogram bucket index of a duration."""
    return next(i for i, (edge, _) in enumerate(BUCKETS) if seconds < edge)


def visible_clause(viewer: Any) -> ColumnElement[bool]:
    """Incidents `viewer` may see; everything for the command line's OPERATOR."""
    return true() if viewer is OPERATOR else visible_incidents_clause(viewer)


def _incidents(db: Session, viewer: Any, q: ReportQuery, zone: str) -> list[Incident]:
    z = tz(zone)
    start = datetime.combine(q.start, time(), z).astimezone(UTC)
    end = datetime.combine(q.end + timedelta(days=1), time(), z).astimezone(UTC)
    stmt = select(Incident).where(visible_clause(viewer), Incident.started_at >= start,
                                  Incident.started_at < end)
    if q.severity:
        stmt = stmt.where(Incident.severity == q.severity)
    if q.service or q.team:
        svc = select(incident_service.c.incident_id).join(
            Service, Service.id == incident_service.c.service_id)
        if q.service:
            svc = svc.where(Service.name == q.service)
        if q.team:
            svc = svc.join(Team, Team.id == Service.team_id).where(Team.name == q.team)
        stmt = stmt.where(Incident.id.in_(svc))
    return list(db.scalars(stmt.order_by(Incident.started_at, Incident.id)))


def _metric_summary(incidents: list[Incident], sets: dict[str, list[int]]
                    ) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    per_incident = {i.id: metrics.durations(i) for i in incidents}
    out = []
    for m in metrics.METRICS:
        have = [(i, per_incident[i.id][m.key].value) for i in incidents
                if per_incident[i.id][m.key].value is not None]
        missing = [{"id": i.id, "ref": i.ref, "title": i.title,
                    "reason": per_incident[i.id][m.key].reason} for i in incidents
                   if per_incident[i.id][m.key].value is None]
        values = sorted(td.total_seconds() for _, td in have)
        hist = [0] * len(BUCKETS)
        for i, td in have:
            b = bucket_of(td.total_seconds())
            hist[b] += 1
            sets.setdefault(f"hist:{m.key}:{b}", []).append(i.id)
        sets[f"metric:{m.key}"] = [i.id for i, _ in have]
        sets[f"missing:{m.key}"] = [x["id"] for x in missing]
        med = percentile(values, 0.5) if values else None
        p90 = percentile(values, 0.9) if values else None
        out.append({
            "key": m.key, "label": m.label, "definition": m.definition, "n": len(values),
            "median": med, "p90": p90, "small_n": len(values) < SMALL_N,
            "median_text": metrics.format_duration(timedelta(seconds=med)) if med is not None
            else None,
            "p90_text": metrics.format_duration(timedelta(seconds=p90)) if p90 is not None
            else None,
            "histogram": [{"label": label, "count": hist[b], "key": f"hist:{m.key}:{b}"}
                          for b, (_, label) in enumerate(BUCKETS)],
            "missing": missing,
        })
    return out, per_incident


def _dora(incidents: list[Incident], per_incident: dict[int, Any], recover: dict[str, Any],
          sets: dict[str, list[int]]) -> dict[str, Any]:
    for i in incidents:
        band = metrics.dora_band(per_incident[i.id]["time_to_recover"].value)
        if band:
            sets.setdefault(f"band:{band}", []).append(i.id)
    med = recover["median"]
    return {"band": metrics.dora_band(timedelta(seconds=med)) if med is not None else None,
            "counts": [{"band": b, "count": len(sets.get(f"band:{b}", [])), "key": f"band:{b}"}
                       for b in BANDS], "n": recover["n"]}


def _actions(db: Session, ids: list[int], today: date, sets: dict[str, list[int]]
             ) -> dict[str, Any]:
    rows = list(db.scalars(select(Action).where(Action.incident_id.in_(ids)))) if ids else []
    status = Counter(a.status for a in rows)
    overdue = [a for a in rows if a.status in _ACTIVE and a.due_date and a.due_date < today]
    for name, group in (("all", rows), ("open", [a for a in rows if a.status in _ACTIVE]),
                        ("overdue", overdue)):
        sets[f"actions:{name}"] = sorted({a.incident_id for a in group if a.incident_id})
    decided = len(rows) - status[ActionStatus.WONT_DO]
    return {"total": len(rows), "done": status[ActionStatus.DONE],
            "wont_do": status[ActionStatus.WONT_DO],
            "open": status[ActionStatus.OPEN] + status[ActionStatus.IN_PROGRESS],
            "overdue": len(overdue),
            "completion": (status[ActionStatus.DONE] / decided) if decided else None}


def _factors(db: Session, ids: list[int], sets: dict[str, list[int]]) -> list[dict[str, Any]]:
    rows = list(db.execute(select(ContributingFactor.incident_id, ContributingFactor.category)
                           .where(ContributingFactor.incident_id.in_(ids)))) if ids else []
    count: Counter[str] = Counter()
    where: dict[str, set[int]] = defaultdict(set)
    for incident_id, category in rows:
        count[category.value] += 1
        where[category.value].add(incident_id)
    out = []
    for cat, n in count.most_common():
        sets[f"factor:{cat}"] = sorted(where[cat])
        out.append({"category": cat, "factors": n, "incidents": len(where[cat]),
                    "recurring": len(where[cat]) >= 2, "key": f"factor:{cat}"})
    return out


def _quality(db: Session, ids: list[int], sets: dict[str, list[int]]) -> dict[str, Any]:
    rows = list(db.execute(select(Review.incident_id, ReviewFeedback.learned,
                                  ReviewFeedback.would_return)
                           .join(Review, Review.id == ReviewFeedback.review_id)
                           .where(Review.incident_id.in_(ids)))) if ids else []
    per: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for incident_id, learned, back in rows:
        per[incident_id].append((learned, back))
    met = [i for i, ans in per.items()
           if any(a for a, _ in ans) and sum(b for _, b in ans) * 2 >= len(ans)]
    sets["quality:answered"] = sorted(per)
    sets["quality:met"] = sorted(met)
    return {"answers": len(rows), "reviews": len(per), "learned": sum(r[1] for r in rows),
            "would_return": sum(r[2] for r in rows), "met": len(met)}


def _row(i: Incident) -> dict[str, Any]:
    return {"id": i.id, "ref": i.ref, "title": i.title, "severity": i.severity,
            "type": i.type.value, "restricted": i.restricted, "started_at": i.started_at,
            "users_affected": i.users_affected, "downtime_minutes": i.downtime_minutes,
            "services": [s.name for s in i.services]}


def _counts(incidents: list[Incident], sets: dict[str, list[int]], prefix: str,
            keys_of: Any) -> list[dict[str, Any]]:
    for i in incidents:
        for k in keys_of(i):
            sets.setdefault(f"{prefix}:{k}", []).append(i.id)
    found = sorted((k.split(":", 1)[1] for k in sets if k.startswith(prefix + ":")))
    return [{"name": k, "count": len(sets[f"{prefix}:{k}"]), "key": f"{prefix}:{k}"}
            for k in found]


def build(db: Session, viewer: Any, q: ReportQuery, today: date, zone: str = "UTC"
          ) -> dict[str, Any]:
    """Every figure of the period report; `sets` maps each figure's key to incident ids."""
    incidents = _incidents(db, viewer, q, zone)
    ids = [i.id for i in incidents]
    sets: dict[str, list[int]] = {"all": ids}
    summaries, per_incident = _metric_summary(incidents, sets)
    recover = next(s for s in summaries if s["key"] == "time_to_recover")
    by_users = sorted((i for i in incidents if i.users_affected is not None),
                      key=lambda i: (-(i.users_affected or 0), i.id))[:5]
    by_downtime = sorted((i for i in incidents if i.downtime_minutes is not None),
                         key=lambda i: (-(i.downtime_minutes or 0), i.id))[:5]
    sets["restricted"] = [i.id for i in incidents if i.restricted]
    return {
        "query": q, "zone": zone, "n": len(incidents), "sets": sets,
        "incidents": [_row(i) for i in incidents],
        "by_type": _counts(incidents, sets, "type", lambda i: [i.type.value]),
        "by_severity": _counts(incidents, sets, "severity", lambda i: [str(i.severity)]),
        "by_service": _counts(incidents, sets, "service", lambda i: [s.name for s in i.services]),
        "metrics": summaries,
        "dora": _dora(incidents, per_incident, recover, sets),
        "actions": _actions(db, ids, today, sets),
        "factors": _factors(db, ids, sets),
        "quality": _quality(db, ids, sets),
        "top_users": [_row(i) for i in by_users],
        "top_downtime": [_row(i) for i in by_downtime],
        "restricted": len(sets["restricted"]),
    }


def incidents_for(db: Session, viewer: Any, q: ReportQuery, key: str, today: date,
                  zone: str = "UTC") -> list[dict[str, Any]]:
    """The incidents behind one figure of the report (empty for an unknown key)."""
    data = build(db, viewer, q, today, zone)
    wanted = set(data["sets"].get(key, []))
    return [r for r in data["incidents"] if r["id"] in wanted]
