"""The review of an incident: its sections, revisions, contributing factors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .enums import FactorCategory, ReviewStatus, enum_column
from .org import User

review_attendee = Table(
    "review_attendee",
    Base.metadata,
    Column("review_id", ForeignKey("review.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

factor_event = Table(
    "factor_event",
    Base.metadata,
    Column("factor_id", ForeignKey("contributing_factor.id", ondelete="CASCADE"),
           primary_key=True),
    Column("event_id", ForeignKey("timeline_event.id", ondelete="CASCADE"), primary_key=True),
)


class Review(Base):
    """A blameless review, started from a template version, ending in a published snapshot."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), unique=True)
    template_key: Mapped[str] = mapped_column(String(60))
    template_hash: Mapped[str] = mapped_column(String(64), default="")
    # The template as it was when the review started: later template edits change nothing.
    template_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus), default=ReviewStatus.DRAFT)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    meeting_at: Mapped[datetime | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column()
    published_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # How many times it was published; each publish freezes a new snapshot.
    published_version: Mapped[int] = mapped_column(default=0)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])
    attendees: Mapped[list[User]] = relationship(secondary=review_attendee, lazy="selectin")
    sections: Mapped[list[ReviewSection]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewSection.position")

    __mapper_args__ = {"version_id_col": version}


class ReviewSection(Base):
    """The text of one template section; its own version column prevents lost edits."""

    __tablename__ = "review_section"
    __table_args__ = (UniqueConstraint("review_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    content: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    review: Mapped[Review] = relationship(back_populates="sections")

    __mapper_args__ = {"version_id_col": version}


class ReviewRevision(Base):
    """A saved version of a section (or a publish), for history and diffs."""

    __tablename__ = "review_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text, default="")
    after_publish: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContributingFactor(Base):
    """A condition that made the incident possible or worse; never a person."""

    __tablename__ = "contributing_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id", ondelete="SET NULL"))
    category: Mapped[FactorCategory] = mapped_column(enum_column(FactorCategory))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    events: Mapped[list[Any]] = relationship("TimelineEvent", secondary=factor_event)
