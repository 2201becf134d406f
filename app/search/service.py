"""Search for people: parse and check a query, run it as the user, suggest, find similar."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.permissions import visible_incidents_clause
from app.models import Incident

from . import clauses
from .protocol import Hit, Results, SearchRequest
from .query import SORTS, And, Or, Query, QuerySyntaxError, Term, check_values, parse
from .similar import STOPWORDS
from .tracking import backend_of

MAX_PAGE = 500
# Below this many hits the page also offers a "did you mean".
FEW_HITS = 3


class SearchInputError(ValueError):
    """A bad request parameter (not the query text): names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass
class SearchPage:
    text: str
    sort: str
    page: int
    per_page: int
    results: Results = field(default_factory=Results)
    suggestion: str | None = None
    error: QuerySyntaxError | None = None
    # True when no incident had every word and the hits are those with some of them.
    relaxed: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.results.total // self.per_page))


def parse_request(text: str, sort: str, page: str | int, labels: list[str] | None) -> Query:
    """Check sort/page and parse the text (raises SearchInputError or QuerySyntaxError)."""
    if sort not in SORTS:
        raise SearchInputError("sort", f"must be one of {', '.join(SORTS)}")
    try:
        number = int(page)
    except (TypeError, ValueError):
        raise SearchInputError("page", "must be a whole number") from None
    if not 1 <= number <= MAX_PAGE:
        raise SearchInputError("page", f"must be between 1 and {MAX_PAGE}")
    query = parse(text, labels)
    check_values(query, clauses.ALLOWED)
    return query


def search(db: Session, user: Any, text: str, sort: str = "relevance", page: str | int = 1,
           per_page: int = 20, labels: list[str] | None = None,
           facets: bool = True) -> SearchPage:
    """One page of what `user` may see for `text`; a syntax error comes back in `.error`."""
    text = text.strip()
    result = SearchPage(text, sort, 1, per_page)
    try:
        query = parse_request(text, sort, page, labels)
    except QuerySyntaxError as exc:
        result.error = exc
        return result
    result.page = int(page)
    if query.text is None and not query.filters:
        return result
    request = SearchRequest(query, text, sort, result.page, per_page, facets)
    engine = backend_of(db)
    result.results = engine.query(db, user, request)
    if result.results.total < FEW_HITS and query.text is not None:
        result.suggestion = engine.suggest(db, user, request)
    loose = relaxed(query) if result.results.total == 0 else None
    if loose is not None:
        result.results = engine.query(db, user, SearchRequest(
            loose, text, sort, result.page, per_page, facets))
        result.relaxed = result.results.total > 0
    return result


def relaxed(query: Query) -> Query | None:
    """The any-of-these-words form of a plain all-of-these-words query, else None.

    People type questions ("pods ran out of IP addresses"); when no incident holds every
    word, the incidents holding the most telling ones (ranked by the backend's scoring)
    answer better than nothing. Phrases, OR, NOT and groups are precise on purpose: kept.
    """
    node = query.text
    if not isinstance(node, And) or not all(isinstance(x, Term) for x in node.items):
        return None
    words = tuple(x for x in node.items if x.text.lower() not in STOPWORDS)
    if not words:
        return None
    return Query(words[0] if len(words) == 1 else Or(words), query.filters)


class _SimilarCache:
    """Recent "similar incidents" lists of one app, per viewer and incident version.

    The list is a ranked query over every document (the costliest part of an incident
    page), while its answer barely moves from one view to the next. Kept for a short
    time only; who may see what is checked again on every use.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], tuple[float, list[Hit]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], ttl: float) -> list[Hit] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None or time.monotonic() - found[0] > ttl:
                return None
            self.entries.move_to_end(key)
            return found[1]

    def put(self, key: tuple[Any, ...], hits: list[Hit]) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic(), hits)
            self.entries.move_to_end(key)
            while len(self.entries) > self.MAX_ENTRIES:
                self.entries.popitem(last=False)


def similar_incidents(db: Session, user: Any, incident: Any, limit: int = 5) -> list[Hit]:
    """Incidents `user` may see that resemble `incident`, best first.

    Inside an app, a viewer's list is reused for `DEBRIEF_SIMILAR_CACHE_SECONDS` unless
    the incident changed; every reuse drops hits the viewer may no longer see (made
    restricted, membership removed, deleted), so a cached list never leaks.
    """
    ttl = float(current_app.config.get("DEBRIEF_SIMILAR_CACHE_SECONDS", 0)) if (
        has_app_context()) else 0.0
    if ttl <= 0:
        return backend_of(db).more_like_this(db, user, incident, limit)
    cache = current_app.extensions.setdefault("debrief_similar", _SimilarCache())
    key = (incident.id, incident.updated_at, getattr(user, "id", None),
           getattr(user, "role", None), limit)
    hits = cache.get(key, ttl)
    if hits is None:
        hits = backend_of(db).more_like_this(db, user, incident, limit)
        cache.put(key, hits)
        return hits
    if not hits:
        return hits
    visible = set(db.scalars(select(Incident.id).where(
        Incident.id.in_([h.incident_id for h in hits]), visible_incidents_clause(user))))
    return [h for h in hits if h.incident_id in visible]


def reindex(db: Session, progress: Any = None) -> int:
    """Rewrite every search document (the caller commits)."""
    return backend_of(db).rebuild(db, progress)
