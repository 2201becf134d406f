"""Keep the index current in the writing transaction: collect touched incidents, then
rewrite their documents just before the commit, so a rollback takes them back too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    Action,
    ContributingFactor,
    Incident,
    Review,
    ReviewSection,
    Service,
    Tag,
    TimelineEvent,
    incident_service,
    incident_tag,
)

from .protocol import SearchBackend

_KEY = "debrief.search"
BACKEND_KEY = "debrief.search.backend"


def _pending(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_KEY, {"incidents": set(), "reviews": set(),
                                          "services": set(), "tags": set()})


def backend_of(session: Session) -> SearchBackend:
    """The search backend of the app that made `session`."""
    return session.info[BACKEND_KEY]


def mark_dirty(session: Session, incident_id: int) -> None:
    """Reindex `incident_id` at this transaction's commit (for Core bulk writes)."""
    _pending(session)["incidents"].add(incident_id)


def _collect(session: Session, _ctx: Any) -> None:
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Incident):
            pending["incidents"].add(obj.id)
        elif isinstance(obj, TimelineEvent | ContributingFactor | Action | Review):
            if obj.incident_id is not None:
                pending["incidents"].add(obj.incident_id)
        elif isinstance(obj, ReviewSection):
            pending["reviews"].add(obj.review_id)
        elif isinstance(obj, Service) and obj not in session.new:
            pending["services"].add(obj.id)
        elif isinstance(obj, Tag) and obj not in session.new:
            pending["tags"].add(obj.id)


def _resolve(session: Session, pending: dict[str, set[int]]) -> set[int]:
    ids = set(pending["incidents"])
    if pending["reviews"]:
        ids |= set(session.scalars(select(Review.incident_id).where(
            Review.id.in_(pending["reviews"]))))
    if pending["services"]:
        ids |= set(session.scalars(select(incident_service.c.incident_id).where(
            incident_service.c.service_id.in_(pending["services"]))))
    if pending["tags"]:
        ids |= set(session.scalars(select(incident_tag.c.incident_id).where(
            incident_tag.c.tag_id.in_(pending["tags"]))))
    ids.discard(None)  # type: ignore[arg-type]
    return ids


def install(factory: sessionmaker[Session], backend: SearchBackend) -> None:
    """Hook the app's sessions so every commit carries its own index update."""

    def before_commit(session: Session) -> None:
        session.flush()
        pending = session.info.pop(_KEY, None)
        if not pending:
            return
        ids = _resolve(session, pending)
        if ids:
            backend.index(session, ids)
            session.info.pop(_KEY, None)  # the index writes themselves touch no models

    def forget(session: Session, transaction: Any) -> None:
        # Only the outermost transaction's end (a rollback) drops the list; a rolled-back
        # savepoint keeps it, since re-indexing an unchanged incident is harmless.
        if transaction.parent is None:
            session.info.pop(_KEY, None)

    # Each session carries its backend, so services find it without Flask.
    factory.configure(info={**(factory.kw.get("info") or {}), BACKEND_KEY: backend})
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_transaction_end", forget)
    attach = getattr(backend, "attach", None)
    if attach is not None:  # a file index (Whoosh) drains its outbox after commits
        attach(factory)
