"""Search for people: parse and check a query, run it as the user, suggest, find similar."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

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


def similar_incidents(db: Session, user: Any, incident: Any, limit: int = 5) -> list[Hit]:
    """Incidents `user` may see that resemble `incident`, best first."""
    return backend_of(db).more_like_this(db, user, incident, limit)


def reindex(db: Session, progress: Any = None) -> int:
    """Rewrite every search document (the caller commits)."""
    return backend_of(db).rebuild(db, progress)
