"""The search vocabulary: words seen in indexed documents, for "did you mean"."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SearchTerm(Base):
    """A lower-case word seen in some document; suggestions are checked against visible hits."""

    __tablename__ = "search_term"

    term: Mapped[str] = mapped_column(String(30), primary_key=True)
