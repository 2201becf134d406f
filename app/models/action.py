"""Follow-up actions and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .enums import ActionPriority, ActionStatus, ActionType, enum_column
from .org import Team, User


class Action(Base):
    """An improvement action, tracked until done or explicitly declined."""

    __tablename__ = "action"
    __table_args__ = (Index("ix_action_status_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id", ondelete="SET NULL"))
    factor_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributing_factor.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    priority: Mapped[ActionPriority] = mapped_column(
        enum_column(ActionPriority), default=ActionPriority.MEDIUM)
    type: Mapped[ActionType] = mapped_column(enum_column(ActionType), default=ActionType.PREVENT)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus), default=ActionStatus.OPEN)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column()
    tracker_url: Mapped[str | None] = mapped_column(String(500))
    # Normalised issue key (e.g. "github:o/r#12") that tracker webhooks match on.
    tracker_key: Mapped[str | None] = mapped_column(String(200), index=True)
    completed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])

    __mapper_args__ = {"version_id_col": version}


class AuditEvent(Base):
    """Who changed what, when: one row per change."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    verb: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
