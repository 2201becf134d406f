"""Reviews (read with ETag, save a section or change status with If-Match) and factors."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.db import session
from app.models import Review, ReviewStatus, Role
from app.reviews import factors, service
from app.reviews.snapshot import build_snapshot

from . import serialize
from .access import review_of, visible_incident
from .auth import api_user, require_role
from .blueprint import bp
from .bodies import validated
from .preconditions import require_match
from .problems import ApiProblem, field_error


def _with_etag(review: Review, status: int = 200):
    etag = serialize.review_etag(review)
    return serialize.review(review), status, {"ETag": etag, "Cache-Control": "no-cache"}


@bp.get("/incidents/<int:incident_id>/review")
def get_review(incident_id: int):
    """The review with its sections, versions and published snapshot; ETag for updates."""
    return _with_etag(review_of(visible_incident(incident_id), writing=False))


@bp.put("/incidents/<int:incident_id>/review/sections/<key>")
def save_section(incident_id: int, key: str):
    """Replace one section's text; If-Match must carry the review's current ETag."""
    incident = visible_incident(incident_id)
    review = review_of(incident, writing=True)
    try:
        current = service.section(review, key)
    except service.ReviewError:
        raise ApiProblem(404, "this review has no such section") from None
    data = validated("SectionUpdate")
    require_match(serialize.review_etag(review))
    db = session()
    try:
        service.save_section(db, api_user(), review, key, data["content"], current.version)
        db.commit()
    except (service.SectionConflict, StaleDataError):
        db.rollback()
        raise ApiProblem(412, "the review changed while saving; read it again") from None
    return _with_etag(review)


@bp.post("/incidents/<int:incident_id>/review/status")
def change_status(incident_id: int):
    """Move the review to in_review, published (freezing a snapshot) or back to draft."""
    incident = visible_incident(incident_id)
    review = review_of(incident, writing=True)
    data = validated("ReviewStatusChange")
    require_match(serialize.review_etag(review))
    db = session()
    try:
        snapshot = (build_snapshot(db, review, incident)
                    if data["to"] == ReviewStatus.PUBLISHED.value else None)
        service.change_status(db, api_user(), review, data["to"], data.get("reason", ""),
                              snapshot)
        db.commit()
    except service.ReviewError as exc:
        db.rollback()
        status = 422 if exc.field == "reason" else 409
        raise field_error(status, exc.field or "to", str(exc)) from None
    except StaleDataError:
        db.rollback()
        raise ApiProblem(412, "the review changed while saving; read it again") from None
    return _with_etag(review)


@bp.get("/incidents/<int:incident_id>/factors")
def list_factors(incident_id: int):
    """The incident's contributing factors (viewers: once the review is published)."""
    incident = visible_incident(incident_id)
    if not api_user().can(Role.EDITOR):
        review_of(incident, writing=False)
    rows = factors.factors_of(session(), incident.id)
    return {"items": [serialize.factor(f) for f in rows], "total": len(rows)}


@bp.post("/incidents/<int:incident_id>/factors")
def create_factor(incident_id: int):
    """Record a contributing factor on the incident's review (editors and above)."""
    incident = visible_incident(incident_id)
    require_role(Role.EDITOR)
    review = session().scalar(select(Review).where(Review.incident_id == incident.id))
    if review is None:
        raise ApiProblem(409, "start the review first: factors belong to a review")
    data = validated("FactorCreate")
    db = session()
    try:
        factor = factors.add_factor(db, api_user(), review, data["category"],
                                    data["description"], data.get("event_ids"))
    except service.ReviewError as exc:
        db.rollback()
        raise field_error(422, exc.field or "description", str(exc)) from None
    db.commit()
    return serialize.factor(factor), 201
