"""The part of the SQLite and PostgreSQL backends that is plain SQL: paging, facets, suggest."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Select, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.auth.permissions import role_at_least
from app.models import Incident, Role
from app.models.search import SearchTerm

from . import clauses, document, similar
from .protocol import Hit, Progress, Results, SearchRequest, Status
from .query import And, Node, Not, Query, QuerySyntaxError, Term, parse

CHUNK = 500


def may_see_drafts(user: Any) -> bool:
    """Draft review text is matched only for editors and above."""
    return role_at_least(user, Role.EDITOR)


def split(node: Node | None) -> tuple[Node | None, list[Node]]:
    """(the query with its positive part, top-level negations) for a query's text."""
    if isinstance(node, Not):
        return None, [node.node]
    if isinstance(node, And):
        negs = [x.node for x in node.items if isinstance(x, Not)]
        if len(negs) == len(node.items):
            return None, negs
        return node, []
    return node, []


def marked(text: str) -> Markup:
    """Escape `text`, then turn the backend's START/STOP markers into <mark> tags."""
    safe = str(escape(text))
    return Markup(safe.replace(document.START, "<mark>").replace(document.STOP, "</mark>"))


class SqlBackend:
    """Shared by backends whose index lives in the application database."""

    name = "sql"

    def __init__(self, config: dict[str, Any]):
        self.config = config

    # -- backend-specific hooks ------------------------------------------------------------
    def match(self, node: Node, drafts: bool) -> Select[Any]:
        """SELECT incident_id, score of documents matching `node`."""
        raise NotImplementedError

    def snippets(self, db: Session, node: Node, ids: list[int], drafts: bool) -> dict[int, str]:
        """Marked-up (START/STOP) excerpts of the given documents."""
        raise NotImplementedError

    def texts(self, db: Session, ids: list[int], drafts: bool) -> dict[int, str]:
        """The searchable text of documents, draft text only when `drafts`."""
        raise NotImplementedError

    def write(self, db: Session, docs: list[document.Document]) -> None:
        raise NotImplementedError

    def remove(self, db: Session, ids: Iterable[int] | None) -> None:
        """Delete documents (all when `ids` is None)."""
        raise NotImplementedError

    def document_ids(self) -> Select[Any]:
        raise NotImplementedError

    # -- the protocol ----------------------------------------------------------------------
    def index(self, db: Session, incident_ids: set[int]) -> None:
        """Rewrite the documents of these incidents; drop those whose incident is gone."""
        docs = list(document.build(db, incident_ids))
        self.remove(db, incident_ids)
        if docs:
            self.write(db, docs)
            self.add_words(db, set().union(*(d.words() for d in docs)))

    def delete(self, db: Session, incident_ids: set[int]) -> None:
        self.remove(db, incident_ids)

    def _select(self, user: Any, query: Query, node: Node | None = None) -> tuple[Any, Any]:
        """(statement of id, title, score; the score column or None) for `user`."""
        drafts = may_see_drafts(user)
        positive, negatives = split(query.text if node is None else node)
        cond = clauses.where(user, query)
        if positive is None:
            stmt = select(Incident.id, Incident.title, literal(0.0).label("score")).where(cond)
            for neg in negatives:
                stmt = stmt.where(Incident.id.not_in(
                    select(self.match(neg, drafts).subquery().c.incident_id)))
            return stmt, None
        m = self.match(positive, drafts).subquery()
        stmt = select(Incident.id, Incident.title, m.c.score).join(
            m, m.c.incident_id == Incident.id).where(cond)
        return stmt, m.c.score

    def query(self, db: Session, user: Any, request: SearchRequest) -> Results:
        """One page of visible hits with total, facets and snippets of that page only."""
        stmt, score = self._select(user, request.query)
        offset = (request.page - 1) * request.per_page
        rows = db.execute(stmt.add_columns(func.count().over().label("total"))
                          .order_by(*clauses.order(request.sort, score))
                          .limit(request.per_page).offset(offset)).all()
        if rows:
            total = rows[0].total
        else:
            total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        results = Results(total=total)
        if request.facets:
            results.facets = clauses.facets(db, select(stmt.subquery().c.id))
        found = self._snips(db, user, request.query.text, [r.id for r in rows],
                            request.snippets)
        results.hits = [Hit(r.id, f"INC-{r.id}", r.title, float(r.score or 0.0),
                            found.get(r.id, Markup(""))) for r in rows]
        return results

    def _snips(self, db: Session, user: Any, node: Node | None, ids: list[int],
               wanted: bool) -> dict[int, Markup]:
        positive, _ = split(node)
        if not ids or not wanted:
            return {}
        if positive is None:
            rows = db.execute(select(Incident.id, Incident.summary).where(Incident.id.in_(ids)))
            return {i: marked(_cut(s or "")) for i, s in rows}
        return {i: marked(s) for i, s in self.snippets(
            db, positive, ids, may_see_drafts(user)).items()}

    def count(self, db: Session, user: Any, query: Query) -> int:
        """How many visible incidents match."""
        stmt, _ = self._select(user, query)
        return db.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    def more_like_this(self, db: Session, user: Any, incident: Any, limit: int = 5) -> list[Hit]:
        """Visible incidents sharing the most telling words of `incident`'s public text."""
        doc = next(document.build(db, [incident.id]), None)
        if doc is None:
            return []
        node = similar.like_query(doc)
        if node is None:
            return []
        stmt, score = self._select(user, Query(node))
        rows = db.execute(stmt.where(Incident.id != incident.id)
                          .order_by(*clauses.order("relevance", score)).limit(limit)).all()
        return [Hit(r.id, f"INC-{r.id}", r.title, float(r.score or 0.0)) for r in rows]

    # -- did you mean ----------------------------------------------------------------------
    def suggest(self, db: Session, user: Any, request: SearchRequest) -> str | None:
        """Replace unknown words by near vocabulary words that visible documents contain.

        The vocabulary holds words of every document, restricted ones included, so a
        candidate is offered only after a search as `user` finds it, as a whole word, in
        the text that user may read: a restricted-only word can never be suggested.
        """
        raw = request.query_text
        replaced = raw
        changed = False
        known = set(db.scalars(select(SearchTerm.term).where(SearchTerm.term.in_(
            [w.lower() for w in request.query.words()])))) if request.query.words() else set()
        for word in dict.fromkeys(w.lower() for w in request.query.words()):
            # A vocabulary word is spelled right: no need to count its matches (a full
            # search, the slowest part of a filtered query with few hits).
            if not word.isalpha() or len(word) < 3 or word in known or self.count(
                    db, user, Query(Term(word))):
                continue
            better = self._nearest_visible(db, user, word)
            if better:
                replaced = re.sub(rf"(?i)\b{re.escape(word)}\b", better, replaced)
                changed = True
        if not changed:
            return None
        try:
            proposal = parse(replaced, self.config.get("DEBRIEF_SEVERITY_LABELS"))
        except QuerySyntaxError:
            return None
        proposal.filters = request.query.filters
        return replaced if self.count(db, user, proposal) else None

    def _nearest_visible(self, db: Session, user: Any, word: str) -> str | None:
        n = len(word)
        nearby = db.scalars(select(SearchTerm.term).where(
            SearchTerm.term >= word[0], SearchTerm.term < chr(ord(word[0]) + 1),
            func.length(SearchTerm.term).between(n - 2, n + 2))).all()
        pattern = re.compile
        for cand in difflib.get_close_matches(word, nearby, n=6, cutoff=0.72):
            stmt, score = self._select(user, Query(Term(cand)))
            ids = list(db.scalars(select(stmt.subquery().c.id).limit(5)))
            texts = self.texts(db, ids, may_see_drafts(user))
            whole = pattern(rf"(?i)(?<!\w){re.escape(cand)}(?!\w)")
            if any(whole.search(t) for t in texts.values()):
                return cand
        return None

    def add_words(self, db: Session, words: set[str]) -> None:
        """Add new words to the vocabulary (concurrent writers may add the same word)."""
        if not words:
            return
        dialect = db.get_bind().dialect.name
        ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [{"term": w} for w in sorted(words)]
        for i in range(0, len(rows), 5000):
            db.execute(ins(SearchTerm).on_conflict_do_nothing(), rows[i:i + 5000])

    # -- maintenance -----------------------------------------------------------------------
    def rebuild(self, db: Session, progress: Progress | None = None) -> int:
        """Rewrite every document and the vocabulary from the database."""
        ids = list(db.scalars(select(Incident.id).order_by(Incident.id)))
        self.remove(db, None)
        db.execute(delete(SearchTerm))
        words: set[str] = set()
        done = 0
        for start in range(0, len(ids), CHUNK):
            docs = list(document.build(db, ids[start:start + CHUNK]))
            self.write(db, docs)
            for d in docs:
                words |= d.words()
            done += len(docs)
            db.expunge_all()  # keep memory flat over a large rebuild
            if progress:
                progress(done, len(ids))
        self.add_words(db, words)
        return done

    def status(self, db: Session) -> Status:
        """Documents, incidents, and incidents with no document yet."""
        docs = self.document_ids().subquery()
        incidents = db.scalar(select(func.count(Incident.id))) or 0
        documents = db.scalar(select(func.count()).select_from(docs)) or 0
        pending = db.scalar(select(func.count(Incident.id)).where(
            Incident.id.not_in(select(docs.c.incident_id)))) or 0
        vocabulary = db.scalar(select(func.count()).select_from(SearchTerm)) or 0
        return Status(self.name, documents, incidents, pending, {"vocabulary": vocabulary})


def _cut(text: str, size: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size].rsplit(" ", 1)[0] + " …"
