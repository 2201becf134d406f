"""The incident: what happened, to what, who responded, and its lifecycle moments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .enums import MOMENTS, IncidentStatus, IncidentType, Provenance, enum_column
from .org import Service, Tag, User

incident_service = Table(
    "incident_service",
    Base.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)

incident_tag = Table(
    "incident_tag",
    Base.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)

# Explicit members of a restricted incident (who may see it besides admins).
incident_member = Table(
    "incident_member",
    Base.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

# The resolution team: people who diagnosed and repaired.
incident_responder = Table(
    "incident_responder",
    Base.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


def _provenance() -> Mapped[Provenance | None]:
    return mapped_column(enum_column(Provenance), nullable=True)


class Incident(Base):
    """A service disruption and everything recorded about it."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_started_at", "started_at"),
        Index("ix_incident_severity", "severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[IncidentType] = mapped_column(enum_column(IncidentType))
    severity: Mapped[int] = mapped_column()  # 1 (most severe) .. 4
    status: Mapped[IncidentStatus] = mapped_column(
        enum_column(IncidentStatus), default=IncidentStatus.INVESTIGATING
    )
    summary: Mapped[str] = mapped_column(Text, default="")

    # Customer impact, recorded by the review.
    impact_description: Mapped[str] = mapped_column(Text, default="")
    users_affected: Mapped[int | None] = mapped_column()
    downtime_minutes: Mapped[int | None] = mapped_column()
    data_loss_from: Mapped[datetime | None] = mapped_column()
    data_loss_to: Mapped[datetime | None] = mapped_column()
    support_tickets: Mapped[int | None] = mapped_column()

    commander_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolution_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # Lifecycle moments (UTC) and where each came from.
    started_at: Mapped[datetime | None] = mapped_column()
    started_at_source: Mapped[Provenance | None] = _provenance()
    detected_at: Mapped[datetime | None] = mapped_column()
    detected_at_source: Mapped[Provenance | None] = _provenance()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_at_source: Mapped[Provenance | None] = _provenance()
    identified_at: Mapped[datetime | None] = mapped_column()
    identified_at_source: Mapped[Provenance | None] = _provenance()
    mitigated_at: Mapped[datetime | None] = mapped_column()
    mitigated_at_source: Mapped[Provenance | None] = _provenance()
    recovered_at: Mapped[datetime | None] = mapped_column()
    recovered_at_source: Mapped[Provenance | None] = _provenance()
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_at_source: Mapped[Provenance | None] = _provenance()

    restricted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    services: Mapped[list[Service]] = relationship(
        secondary=incident_service, lazy="selectin", order_by=Service.name)
    tags: Mapped[list[Tag]] = relationship(
        secondary=incident_tag, lazy="selectin", order_by=Tag.name)
    members: Mapped[list[User]] = relationship(secondary=incident_member, lazy="selectin")
    responders: Mapped[list[User]] = relationship(secondary=incident_responder, lazy="selectin")
    commander: Mapped[User | None] = relationship(foreign_keys=[commander_id])
    resolution_lead: Mapped[User | None] = relationship(foreign_keys=[resolution_lead_id])
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])

    @property
    def ref(self) -> str:
        """The human reference, e.g. ``INC-42``."""
        return f"INC-{self.id}"

    def moment(self, name: str) -> tuple[datetime | None, Provenance | None]:
        """The value and provenance of lifecycle moment `name`."""
        if name not in MOMENTS:
            raise KeyError(name)
        return getattr(self, name), getattr(self, f"{name}_source")

    def __repr__(self) -> str:
        return f"<Incident {self.id} {self.title!r}>"


