"""The review as export data: the published snapshot (or a draft one), ready for any format."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.incidents import metrics
from app.incidents.display import MOMENT_LABELS
from app.models import MOMENTS, FactorCategory, Incident, Review, ReviewStatus, TimelineEvent
from app.rendering import markdown_to_html
from app.reviews.service import _impact_text as impact_prefill
from app.reviews.snapshot import build_snapshot
from app.timefmt import show

# Sections built from structured data rather than from the section's own text alone.
STRUCTURED = ("impact", "timeline", "factors", "actions")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _bare_snapshot(incident: Incident) -> dict[str, Any]:
    """What an incident without a review exports: its facts, no sections."""
    durations = metrics.durations(incident)
    return {
        "version": 0, "title": incident.title, "ref": incident.ref, "template": {},
        "incident": {
            "type": incident.type.value, "severity": incident.severity,
            "services": [s.name for s in incident.services], "summary": incident.summary,
            "impact": incident.impact_description, "users_affected": incident.users_affected,
            "downtime_minutes": incident.downtime_minutes,
            "moments": {m: {"at": v.isoformat() if (v := getattr(incident, m)) else None,
                            "source": s.value if (s := getattr(incident, f"{m}_source")) else None}
                        for m in MOMENTS},
            "durations": {k: d.value.total_seconds() if d.value is not None else None
                          for k, d in durations.items()},
        },
        "sections": [], "factors": [], "actions": [], "timeline": [],
    }


def source_snapshot(db: Session, incident: Incident) -> tuple[Review | None, dict[str, Any], bool]:
    """The review, the snapshot to render and whether it is the published one."""
    review = db.scalar(select(Review).where(Review.incident_id == incident.id))
    if review is None:
        return None, _bare_snapshot(incident), False
    if review.status == ReviewStatus.PUBLISHED and review.published_snapshot:
        return review, review.published_snapshot, True
    return review, build_snapshot(db, review, incident), False


def _durations(snap: dict[str, Any]) -> list[dict[str, Any]]:
    moments = snap["incident"].get("moments", {})
    seconds = snap["incident"].get("durations", {})
    rows = []
    for m in metrics.METRICS:
        value = seconds.get(m.key)
        td = timedelta(seconds=value) if value is not None else None
        missing = [n for n in (m.start, m.stop) if not (moments.get(n) or {}).get("at")]
        reason = (f"{' and '.join(missing)} missing" if missing else "inconsistent moments"
                  ) if td is None else None
        rows.append({"key": m.key, "label": m.label, "definition": m.definition,
                     "text": metrics.format_duration(td) if td is not None else None,
                     "reason": reason, "value": td,
                     "sources": [(moments.get(n) or {}).get("source") for n in (m.start, m.stop)]})
    return rows


def _timeline(db: Session, incident: Incident, snap: dict[str, Any], scope: str,
              zone: str) -> list[dict[str, Any]]:
    if scope == "all":
        events = db.scalars(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.hidden.is_(False))
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id))
        rows = [{"at": e.occurred_at.isoformat(), "source": e.source, "author": e.author_name,
                 "text": e.text, "annotation": e.annotation, "kind": e.kind.value}
                for e in events]
    else:
        rows = list(snap.get("timeline", []))
    return [{**r, "when": show(_dt(r["at"]), zone, "%Y-%m-%d %H:%M:%S")} for r in rows]


def _factor_groups(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = [c.value for c in FactorCategory]
    groups: dict[str, list[str]] = {}
    for f in factors:
        groups.setdefault(f["category"], []).append(f["description"])
    keys = sorted(groups, key=lambda c: order.index(c) if c in order else len(order))
    return [{"category": c, "items": groups[c]} for c in keys]


def _sections(snap: dict[str, Any], incident: Incident) -> list[dict[str, Any]]:
    """The template's sections in order, with the structured ones always present once."""
    prefill = impact_prefill(incident).strip()
    out = []
    for i, s in enumerate(snap.get("sections", [])):
        text = s["content"].strip()
        out.append({"id": f"s{i}-{s['key']}", "key": s["key"], "title": s["title"],
                    "holds": s.get("holds", "text"), "html": markdown_to_html(s["content"]),
                    "content": s["content"],
                    # The impact text as pre-filled from the incident's facts repeats the
                    # impact table word for word: the export shows the table once.
                    "prefilled": s.get("holds") == "impact" and text in ("", prefill)})
    held = {s["holds"] for s in out}
    if "impact" not in held:
        out.insert(min(1, len(out)), {"id": "x-impact", "key": "impact",
                                      "title": "Customer impact", "holds": "impact",
                                      "html": "", "content": "", "prefilled": True})
    for holds, title in (("timeline", "Timeline"), ("factors", "Contributing factors"),
                         ("actions", "Actions")):
        if holds not in held:
            out.append({"id": f"x-{holds}", "key": holds, "title": title, "holds": holds,
                        "html": "", "content": "", "prefilled": False})
    return out


def review_document(db: Session, incident: Incident, zone: str, *, timeline: str = "starred",
                    labels: list[str] | None = None) -> dict[str, Any]:
    """Everything a review export shows, times in `zone` (named), from the right snapshot."""
    if timeline not in ("starred", "all"):
        raise ValueError("timeline: give 'starred' or 'all'")
    review, snap, published = source_snapshot(db, incident)
    inc = snap["incident"]
    labels = labels or ["SEV1", "SEV2", "SEV3", "SEV4"]
    sev = inc.get("severity")
    moments = [{"name": m, "label": MOMENT_LABELS[m],
                "when": show(_dt((inc["moments"].get(m) or {}).get("at")), zone),
                "source": (inc["moments"].get(m) or {}).get("source")} for m in MOMENTS]
    version = (review.published_version if published and review else 0)
    status = review.status.value.replace("_", " ") if review else "no review yet"
    return {
        "ref": snap["ref"], "title": snap["title"], "restricted": incident.restricted,
        "severity": labels[sev - 1] if sev and 1 <= sev <= len(labels) else "—",
        "type": inc["type"], "services": incident.services, "service_names": inc["services"],
        "published": published, "version": version,
        "stamp": f"PUBLISHED v{version}" if published else "DRAFT",
        "review_status": status,
        "template": (snap.get("template") or {}).get("name") or "",
        "owner": review.owner.display_name if review and review.owner else None,
        "facilitator": (review.facilitator.display_name if review and review.facilitator
                        else None),
        "commander": incident.commander.display_name if incident.commander else None,
        "started": show(_dt((inc["moments"].get("started_at") or {}).get("at")), zone),
        "recovered": show(_dt((inc["moments"].get("recovered_at") or {}).get("at")), zone),
        "published_at": show(review.published_at, zone) if published and review else None,
        "zone": zone,
        "summary_html": markdown_to_html(inc.get("summary") or ""),
        "summary": inc.get("summary") or "",
        "impact": {"description_html": markdown_to_html(inc.get("impact") or ""),
                   "users_affected": inc.get("users_affected"),
                   "downtime_minutes": inc.get("downtime_minutes"),
                   # Not in older snapshots: read live, they are incident facts, not prose.
                   "support_tickets": incident.support_tickets,
                   "data_loss": (f"{show(incident.data_loss_from, zone)} → "
                                 f"{show(incident.data_loss_to, zone)}"
                                 if incident.data_loss_from and incident.data_loss_to else None)},
        "moments": moments, "durations": _durations(snap),
        "sections": _sections(snap, incident),
        "timeline": _timeline(db, incident, snap, timeline, zone), "timeline_scope": timeline,
        "factors": snap.get("factors", []),
        "factor_groups": _factor_groups(snap.get("factors", [])),
        "actions": [{**a, "due": a.get("due") or None} for a in snap.get("actions", [])],
        "snapshot": snap,
    }
