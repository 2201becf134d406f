"""Blameless-language findings for a review: names to watch, dismissals honoured."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import FindingDismissal, Review, TimelineEvent, User

from . import blameless
from .service import ReviewError


def people_names(db: Session, review: Review) -> list[str]:
    """Names that must not appear as the subject of a failure: users, responders, authors."""
    names = {u.display_name for u in db.scalars(select(User))}
    names |= {n for n in db.scalars(select(TimelineEvent.author_name).distinct().where(
        TimelineEvent.incident_id == review.incident_id)) if n}
    # First names too: "Priya forgot" names Priya Raman as surely as her full name.
    names |= {n.split()[0] for n in list(names) if " " in n}
    return sorted(n for n in names if len(n) > 1)


def _dismissed(db: Session, review: Review, key: str) -> set[tuple[str, str]]:
    return {(d.rule, d.text) for d in db.scalars(select(FindingDismissal).where(
        FindingDismissal.review_id == review.id, FindingDismissal.section_key == key))}


def findings(db: Session, review: Review, key: str, text: str, holds: str = "text",
             names: list[str] | None = None) -> list[Any]:
    """The checker's findings for one section's text, minus dismissed ones."""
    context = "action" if holds == "actions" else "narrative"
    partial = review_impact_partial(review)
    found = blameless.check(text, names=names if names is not None else people_names(
        db, review), context=context, impact_partial=partial)
    dismissed = _dismissed(db, review, key)
    return [f for f in found if (f.rule, f.text) not in dismissed]


def review_impact_partial(review: Review) -> bool | None:
    """True when the incident was a degradation (so "outage" overstates it)."""
    incident_type = (review.template_snapshot or {}).get("_incident_type")
    return None if incident_type is None else incident_type != "outage"


def all_findings(db: Session, review: Review) -> dict[str, list[Any]]:
    """Findings per section key, for the summary before publishing."""
    names = people_names(db, review)
    holds = {s["key"]: s.get("holds", "text") for s in review.template_snapshot.get(
        "sections", [])}
    out = {}
    for sec in review.sections:
        found = findings(db, review, sec.key, sec.content, holds.get(sec.key, "text"), names)
        if found:
            out[sec.key] = found
    return out


def dismiss(db: Session, actor: Any, review: Review, key: str, rule: str, text: str,
            reason: str) -> FindingDismissal:
    """Dismiss one finding with a reason (recorded and audited)."""
    if not reason or not reason.strip():
        raise ReviewError("say why this finding does not apply", "reason")
    if rule not in blameless.RULES:
        raise ReviewError(f"unknown rule {rule!r}", "rule")
    row = FindingDismissal(review_id=review.id, section_key=key[:60], rule=rule,
                           text=text[:300], reason=reason.strip()[:2000],
                           user_id=getattr(actor, "id", None))
    db.add(row)
    audit.record(db, actor, "review", review.id, "dismiss_finding",
                 {"rule": rule, "text": text[:100], "reason": reason.strip()[:200]},
                 review.incident_id)
    db.flush()
    return row


def finding_dict(f: Any) -> dict[str, Any]:
    """A finding as JSON for the live editor."""
    rule = blameless.RULES.get(f.rule)
    return {"rule": f.rule, "severity": f.severity, "start": f.start, "end": f.end,
            "text": f.text, "why": f.why, "suggestion": f.suggestion, "source": f.source,
            "title": getattr(rule, "title", f.rule)}
