"""Follow-up action bookkeeping: the reminder log that keeps digests to one a day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ReminderLog(Base):
    """One digest decided for a recipient, kind and day; the unique key forbids a second."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("recipient", "kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column()
    action_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
