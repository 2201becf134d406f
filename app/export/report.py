"""The period report: what happened in a date range, measured honestly (no bare means)."""

from __future__ import annotations

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
SMALL_N = metrics.SMALL_N
BANDS = metrics.DORA_BANDS
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


def bucket_of(seconds: float) -> int:
    """The histogram bucket index (of ``metrics.BUCKET_EDGES``) of a duration."""
    td = timedelta(seconds=seconds)
    return next(i for i, (_, lower, upper) in enumerate(metrics.BUCKET_EDGES)
                if lower <= td and (upper is None or td < upper))


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


def _td_text(td: timedelta | None) -> str | None:
    return metrics.format_duration(td) if td is not None else None


def _metric_summary(incidents: list[Incident], sets: dict[str, list[int]]
                    ) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    per_incident = {i.id: metrics.durations(i) for i in incidents}
    out = []
    for m in metrics.METRICS:
        ms = metrics.summarize_metric(incidents, m.key)
        left_out = {x.incident.id for x in ms.left_out}
        have = [i for i in incidents if i.id not in left_out]
        for i in have:
            b = bucket_of(per_incident[i.id][m.key].value.total_seconds())
            sets.setdefault(f"hist:{m.key}:{b}", []).append(i.id)
        sets[f"metric:{m.key}"] = [i.id for i in have]
        sets[f"missing:{m.key}"] = [x.incident.id for x in ms.left_out]
        out.append({
            "key": m.key, "label": m.label, "definition": m.definition, "n": ms.n,
            "median": ms.median.total_seconds() if ms.median is not None else None,
            "p90": ms.p90.total_seconds() if ms.p90 is not None else None,
            "small_n": ms.small_n, "warning": ms.warning,
            "median_text": _td_text(ms.median), "p90_text": _td_text(ms.p90),
            "min_text": _td_text(ms.summary.min), "max_text": _td_text(ms.summary.max),
            "histogram": [{"label": b.label, "count": b.count, "key": f"hist:{m.key}:{n}"}
                          for n, b in enumerate(ms.histogram)],
            "missing": [{"id": x.incident.id, "ref": x.incident.ref, "title": x.incident.title,
                         "restricted": x.incident.restricted, "reason": x.reason}
                        for x in ms.left_out],
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
                        ("overdue", overdue),
                        ("done", [a for a in rows if a.status == ActionStatus.DONE]),
                        ("wont_do", [a for a in rows if a.status == ActionStatus.WONT_DO])):
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
    found = sorted(k.split(":", 1)[1] for k in sets if k.startswith(prefix + ":"))
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
    sets.update({f"id:{i.id}": [i.id] for i in (*by_users, *by_downtime)})
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


_BUCKET_LABELS = [label for label, _, _ in metrics.BUCKET_EDGES]


def describe(key: str) -> str:
    """What a figure's key means, in words; ValueError (naming `pick`) for an unknown key."""
    kind, _, rest = key.partition(":")
    def label(k: str) -> str | None:
        return metrics.METRICS_BY_KEY[k].label if k in metrics.METRICS_BY_KEY else None

    try:
        if key in ("all", "restricted"):
            return {"all": "all incidents", "restricted": "restricted incidents"}[key]
        if kind in ("type", "service", "factor") and rest:
            return {"type": "type", "service": "service", "factor": "factor category"}[
                kind] + f" {rest}"
        if kind == "severity" and rest in ("1", "2", "3", "4"):
            return f"severity {rest}"
        if kind in ("metric", "missing") and label(rest):
            return f"{label(rest)}: " + ("measured" if kind == "metric" else "moment missing")
        if kind == "hist":
            name, _, b = rest.partition(":")
            if label(name) and b.isdigit() and int(b) < len(_BUCKET_LABELS):
                return f"{label(name)}: {_BUCKET_LABELS[int(b)]}"
        if kind == "band" and rest in BANDS:
            return f"DORA band {rest}"
        if kind == "actions" and rest in ("all", "open", "overdue", "done", "wont_do"):
            return f"actions {rest.replace('_', ' ')}"
        if kind == "quality" and rest in ("answered", "met"):
            return f"review quality: {rest}"
        if kind == "id" and rest.isdigit():
            return "one incident"
    except KeyError:
        pass
    raise ValueError(f"pick: unknown figure {key[:60]!r}")


def incidents_for(db: Session, viewer: Any, q: ReportQuery, key: str, today: date,
                  zone: str = "UTC") -> list[dict[str, Any]]:
    """The incidents behind one figure of the report (ValueError for an unknown key)."""
    describe(key)
    data = build(db, viewer, q, today, zone)
    wanted = set(data["sets"].get(key, []))
    return [r for r in data["incidents"] if r["id"] in wanted]
