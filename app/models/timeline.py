"""Timeline events and the imports that brought them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .enums import EventKind, enum_column
from .org import User


class TimelineImport(Base):
    """One import run: what file, which format, which zone was assumed, what came of it."""

    __tablename__ = "timeline_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    zone_assumed: Mapped[str | None] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimelineEvent(Base):
    """One moment in an incident's story, from chat, a tracker, a pager or a person."""

    __tablename__ = "timeline_event"
    __table_args__ = (
        # The same item from two exports (or one export imported twice) is stored once.
        UniqueConstraint("incident_id", "source", "source_id"),
        Index("ix_timeline_event_incident_time", "incident_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column()
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[str | None] = mapped_column(String(200))  # the source's id for the author
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    text_original: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind), default=EventKind.OTHER)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    source_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(40), default="message")
    channel: Mapped[str | None] = mapped_column(String(200))
    thread_ref: Mapped[str | None] = mapped_column(String(255))
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    raw: Mapped[Any] = mapped_column(JSON, nullable=True)
    starred: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    annotation: Mapped[str] = mapped_column(Text, default="")
    # When a facilitator corrects the time, the original is kept.
    original_occurred_at: Mapped[datetime | None] = mapped_column()
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime | None] = mapped_column()
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("timeline_import.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
