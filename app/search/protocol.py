"""What a search backend promises, and the values it hands back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from markupsafe import Markup
from sqlalchemy.orm import Session

from .query import Query

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query plus how to order and cut the results."""

    query: Query
    query_text: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True
    snippets: bool = True


@dataclass(frozen=True)
class Hit:
    incident_id: int
    ref: str
    title: str
    score: float
    snippet: Markup = Markup("")


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    backend: str
    documents: int
    incidents: int
    pending: int
    detail: dict[str, Any] = field(default_factory=dict)


class SearchBackend(Protocol):
    """A full-text index of incident documents.

    `index` is called inside the writing transaction (before its commit) with every
    incident whose document may have changed: a backend living in the database rewrites
    the documents there; an external one (e.g. a Whoosh directory) records an outbox row
    in the same transaction and applies it after the commit.
    """

    name: str

    def index(self, db: Session, incident_ids: set[int]) -> None:
        """Bring the documents of these incidents up to date (or remove gone ones)."""

    def delete(self, db: Session, incident_ids: set[int]) -> None:
        """Remove these incidents' documents."""

    def query(self, db: Session, user: Any, request: SearchRequest) -> Results:
        """Hits, total and facets among the incidents `user` may see."""

    def suggest(self, db: Session, user: Any, request: SearchRequest) -> str | None:
        """A corrected query whose words occur in documents `user` may see, or None."""

    def more_like_this(self, db: Session, user: Any, incident: Any, limit: int = 5) -> list[Hit]:
        """Visible incidents resembling `incident` (never itself)."""

    def rebuild(self, db: Session, progress: Progress | None = None) -> int:
        """Rewrite every document from the database; return how many."""

    def status(self, db: Session) -> Status:
        """Backend name, document count and incidents waiting for a document."""
