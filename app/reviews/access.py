"""Who may read and write a review: the incident's visibility first, then the role."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import visible_incident_or_404
from app.db import session
from app.models import Incident, Review, ReviewStatus, Role


def readable_review(incident_id: int) -> tuple[Incident, Review]:
    """The incident and its review; viewers only see published reviews."""
    incident = visible_incident_or_404(incident_id)
    review = session().scalar(select(Review).where(Review.incident_id == incident.id))
    if review is None:
        abort(404)
    if not current_user.can(Role.EDITOR) and review.status is not ReviewStatus.PUBLISHED:
        abort(403, "This review is not published yet.")
    return incident, review


def writable_review(incident_id: int) -> tuple[Incident, Review]:
    """The incident and its review for editors and facilitators (403 for viewers)."""
    incident = visible_incident_or_404(incident_id)
    if not current_user.can(Role.EDITOR):
        abort(403, "Viewers read published reviews; editors and facilitators write them.")
    review = session().scalar(select(Review).where(Review.incident_id == incident.id))
    if review is None:
        abort(404)
    return incident, review
