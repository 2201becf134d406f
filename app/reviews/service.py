"""Review rules: start from a template version, save sections without lost edits, publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.chatops import outbox as webhook_outbox
from app.db import utcnow
from app.models import (
    Incident,
    Review,
    ReviewRevision,
    ReviewSection,
    ReviewStatus,
    User,
)

from .catalog import as_snapshot

# Sections whose content is structured elsewhere; their text is optional notes.
STRUCTURED = {"timeline", "factors", "actions"}


class ReviewError(ValueError):
    """Invalid review input, naming the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class SectionConflict(Exception):
    """Someone saved the section since this editor loaded it; both versions are kept."""

    key: str
    theirs: str
    their_version: int
    their_author: str | None
    mine: str


def template_sections(review: Review) -> list[dict[str, Any]]:
    """The sections of the template version the review started from."""
    return list(review.template_snapshot.get("sections", []))


def section(review: Review, key: str) -> ReviewSection:
    """The review's section `key` (ReviewError if the template has none)."""
    for s in review.sections:
        if s.key == key:
            return s
    raise ReviewError(f"this review has no section {key!r}", "section")


def _impact_text(incident: Incident) -> str:
    lines = []
    if incident.impact_description:
        lines.append(incident.impact_description)
    facts = [
        ("Users affected", incident.users_affected),
        ("Downtime (minutes)", incident.downtime_minutes),
        ("Support tickets", incident.support_tickets),
    ]
    rows = [f"| {k} | {v} |" for k, v in facts if v is not None]
    if incident.data_loss_from and incident.data_loss_to:
        rows.append(f"| Data lost | {incident.data_loss_from:%Y-%m-%d %H:%M} – "
                    f"{incident.data_loss_to:%Y-%m-%d %H:%M} UTC |")
    if rows:
        lines += ["", "| | |", "|---|---|", *rows]
    return "\n".join(lines).strip()


def _prefill(incident: Incident, sec: dict[str, Any]) -> str:
    holds, key = sec.get("holds"), sec.get("key", "")
    if key == "summary" or (holds == "text" and key.startswith("summary")):
        return incident.summary or ""
    if holds == "impact":
        return _impact_text(incident)
    return ""


def start_review(db: Session, actor: Any, incident: Incident, template: Any, *,
                 owner_id: int | None = None, facilitator_id: int | None = None,
                 attendee_ids: list[int] | None = None, meeting_at: datetime | None = None
                 ) -> tuple[Review, list[str]]:
    """Open the incident's review from a template version; returns it and warnings."""
    if db.scalar(select(Review.id).where(Review.incident_id == incident.id)):
        raise ReviewError("this incident already has a review", "incident")
    snapshot = template if isinstance(template, dict) else as_snapshot(template)
    warnings = []
    involved = {u.id for u in incident.responders} | {
        incident.commander_id, incident.resolution_lead_id}
    if facilitator_id and facilitator_id in involved:
        warnings.append("The facilitator took part in the response; a facilitator who was "
                        "not involved keeps the room blameless more easily.")
    review = Review(
        incident_id=incident.id, template_key=snapshot["key"],
        template_hash=snapshot.get("content_hash", ""), template_snapshot=snapshot,
        owner_id=owner_id or getattr(actor, "id", None), facilitator_id=facilitator_id,
        meeting_at=meeting_at)
    if attendee_ids:
        review.attendees = list(db.scalars(select(User).where(User.id.in_(attendee_ids))))
    review.sections = [ReviewSection(key=s["key"], position=i, content=_prefill(incident, s))
                       for i, s in enumerate(snapshot.get("sections", []))]
    db.add(review)
    db.flush()
    audit.record(db, actor, "review", review.id, "start",
                 {"template": review.template_key, "hash": review.template_hash},
                 incident.id)
    return review, warnings


def save_section(db: Session, actor: Any, review: Review, key: str, content: str,
                 loaded_version: int) -> ReviewSection:
    """Save a section; SectionConflict when it changed since `loaded_version`.

    Text identical to what is stored is no conflict: nothing can be lost (it is what
    happens when Save is pressed while this tab's own autosave is on its way).
    """
    sec = section(review, key)
    if sec.version != loaded_version and content != sec.content:
        author = db.get(User, sec.updated_by_id) if sec.updated_by_id else None
        raise SectionConflict(key, sec.content, sec.version,
                              author.display_name if author else None, content)
    if content == sec.content:
        return sec
    sec.content = content
    sec.updated_by_id = getattr(actor, "id", None)
    # The mapper's version column makes a concurrent flush fail instead of overwriting.
    db.flush()
    db.add(ReviewRevision(review_id=review.id, section_key=key, content=content,
                          user_id=getattr(actor, "id", None),
                          after_publish=review.published_version > 0))
    db.flush()
    return sec


def missing_required(db: Session, review: Review) -> list[str]:
    """Titles of required sections that are still empty (publishing is refused then)."""
    from app.models import ContributingFactor

    missing = []
    by_key = {s.key: s for s in review.sections}
    for sec in template_sections(review):
        if not sec.get("required"):
            continue
        if sec.get("holds") == "factors":
            has = db.scalar(select(ContributingFactor.id).where(
                ContributingFactor.incident_id == review.incident_id).limit(1))
            if not has:
                missing.append(f"{sec['title']} (add at least one contributing factor)")
        elif sec.get("holds") in ("timeline", "actions"):
            continue  # shown from the incident; a good review may have no actions
        elif not (by_key.get(sec["key"]) and by_key[sec["key"]].content.strip()):
            missing.append(sec["title"])
    return missing


_TRANSITIONS = {
    (ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW),
    (ReviewStatus.IN_REVIEW, ReviewStatus.PUBLISHED),
    (ReviewStatus.DRAFT, ReviewStatus.PUBLISHED),
    (ReviewStatus.IN_REVIEW, ReviewStatus.DRAFT),
    (ReviewStatus.PUBLISHED, ReviewStatus.DRAFT),
    (ReviewStatus.PUBLISHED, ReviewStatus.PUBLISHED),  # republish after later edits
}


def change_status(db: Session, actor: Any, review: Review, to: str, reason: str = "",
                  snapshot: dict[str, Any] | None = None) -> None:
    """Move the review through draft -> in_review -> published (back to draft needs a reason)."""
    try:
        target = ReviewStatus(to)
    except ValueError:
        raise ReviewError(f"unknown status {to!r}", "status") from None
    current = ReviewStatus(review.status)
    if (current, target) not in _TRANSITIONS:
        raise ReviewError(f"cannot go from {current.value} to {target.value}", "status")
    if target is ReviewStatus.DRAFT and not reason.strip():
        raise ReviewError("say why the review goes back to draft", "reason")
    if target is ReviewStatus.PUBLISHED:
        missing = missing_required(db, review)
        if missing:
            raise ReviewError("required sections are empty: " + "; ".join(missing), "sections")
        if snapshot is None:
            raise ReviewError("publishing needs a snapshot", "snapshot")
        review.published_snapshot = snapshot
        review.published_version += 1
        review.published_at = utcnow()
        db.add(ReviewRevision(review_id=review.id, section_key="*", content="",
                              note=f"published version {review.published_version}",
                              user_id=getattr(actor, "id", None)))
        webhook_outbox.review_published(db, review)  # delivered after the commit
    review.status = target
    review.status_reason = reason.strip()
    audit.record(db, actor, "review", review.id, "status",
                 {"status": [current.value, target.value], "reason": reason.strip()},
                 review.incident_id)
    db.flush()


def changelog(db: Session, review: Review) -> list[ReviewRevision]:
    """Every saved version, newest first (edits after publishing are marked)."""
    return list(db.scalars(select(ReviewRevision).where(ReviewRevision.review_id == review.id)
                           .order_by(ReviewRevision.id.desc())))
