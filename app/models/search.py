"""The search vocabulary (for "did you mean") and the outbox of a file index (Whoosh)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class SearchTerm(Base):
    """A lower-case word seen in some document; suggestions are checked against visible hits."""

    __tablename__ = "search_term"

    term: Mapped[str] = mapped_column(String(30), primary_key=True)


class SearchOutbox(Base):
    """An incident whose file-index document must be rewritten, written with the change.

    No foreign key: the row of a deleted incident must outlive it, so the indexer knows
    to remove its document.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
