"""Contributing factors: categorised conditions, never a person, linked to timeline events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import ContributingFactor, FactorCategory, Review, TimelineEvent

from .service import ReviewError


def add_factor(db: Session, actor: Any, review: Review, category: str, description: str,
               event_ids: list[int] | None = None) -> ContributingFactor:
    """Record a contributing factor with its category and supporting events."""
    try:
        cat = FactorCategory(category)
    except ValueError:
        raise ReviewError(
            f"category: one of {', '.join(c.value for c in FactorCategory)}", "category"
        ) from None
    if not description or not description.strip():
        raise ReviewError("describe the factor", "description")
    factor = ContributingFactor(incident_id=review.incident_id, review_id=review.id,
                                category=cat, description=description.strip())
    if event_ids:
        events = list(db.scalars(select(TimelineEvent).where(
            TimelineEvent.id.in_(event_ids), TimelineEvent.incident_id == review.incident_id)))
        if len(events) != len(set(event_ids)):
            raise ReviewError("events must belong to this incident", "event_ids")
        factor.events = events
    db.add(factor)
    db.flush()
    audit.record(db, actor, "factor", factor.id, "create",
                 {"category": cat.value, "description": factor.description[:200]},
                 review.incident_id)
    return factor


def delete_factor(db: Session, actor: Any, factor: ContributingFactor) -> None:
    """Remove a factor (its actions keep existing, unlinked)."""
    audit.record(db, actor, "factor", factor.id, "delete",
                 {"description": factor.description[:200]}, factor.incident_id)
    db.delete(factor)
    db.flush()


def factors_of(db: Session, incident_id: int) -> list[ContributingFactor]:
    """The incident's factors in category order."""
    rows = list(db.scalars(select(ContributingFactor).where(
        ContributingFactor.incident_id == incident_id).order_by(ContributingFactor.id)))
    order = {c: i for i, c in enumerate(FactorCategory)}
    return sorted(rows, key=lambda f: order[f.category])
