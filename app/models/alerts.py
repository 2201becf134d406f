"""Alert intake: monitoring integrations and the alerts they sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .org import Service


class AlertIntegration(Base):
    """A monitoring system allowed to post alerts, with its secret token (stored hashed)."""

    __tablename__ = "alert_integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # alertmanager | checkly
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Which alert label names the service, and optional label value -> service name map.
    service_label: Mapped[str] = mapped_column(String(60), default="service")
    service_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()


class Alert(Base):
    """One alert notification; linked to an incident's timeline or waiting to be attached."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("integration_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("alert_integration.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(20))  # firing | resolved
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    link: Mapped[str | None] = mapped_column(String(500))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("timeline_event.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    service: Mapped[Service | None] = relationship()
    integration: Mapped[AlertIntegration] = relationship()
