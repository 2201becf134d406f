"""Whoosh backend: a file index kept current through an outbox, safe under many workers.

A commit writes outbox rows in its own transaction (never the index); after the commit,
and before each query, one process at a time drains the outbox into the index under a
file lock. The database stays the truth: visibility and field filters are evaluated in
SQL with the very clauses the SQL backends use, and Whoosh only matches and ranks text.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from markupsafe import Markup
from sqlalchemy import bindparam, delete, func, insert, literal, not_, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.permissions import visible_incidents_clause
from app.models import Incident, SearchOutbox, SearchTerm

from . import clauses, document, similar
from .protocol import Hit, Progress, Results, SearchRequest, Status
from .query import Node, Query, Term
from .registry import register
from .sqlsearch import SqlBackend, marked, may_see_drafts, split
from .whoosh_query import excerpt, positive_terms, translate
from .whoosh_store import Store, View, public_text

# What a viewer's words are matched in; editors and above also match draft review text.
PUBLIC, WITH_DRAFTS = ("public",), ("public", "draft")

log = logging.getLogger(__name__)
DRAIN_KEY = "debrief.whoosh.drain"
BATCH = 200
# Snippet fields, cheapest first: the long timeline is analysed only when nothing else matches.
SNIPPET_ORDER = ("main", "review", "extra", "draft", "timeline", "title")
_NOTHING = object()


def _ids_in(ids: list[int]) -> Any:
    # Inline integers: a 10k-id IN list would pass PostgreSQL's bind-parameter limit.
    return Incident.id.in_(bindparam("ids", ids, expanding=True, literal_execute=True,
                                     unique=True))


@register("whoosh")
class WhooshBackend(SqlBackend):
    """Search in a Whoosh directory (DEBRIEF_WHOOSH_DIR) on SQLite or PostgreSQL."""

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self.store = Store(config["DEBRIEF_WHOOSH_DIR"])
        self.sessions: sessionmaker[Session] | None = None

    def attach(self, factory: sessionmaker[Session]) -> None:
        """Drain the outbox after every commit that wrote to it (called by tracking)."""
        from sqlalchemy import event

        self.sessions = factory

        def after_commit(session: Session) -> None:
            if session.info.pop(DRAIN_KEY, False):
                self.drain()

        event.listen(factory, "after_commit", after_commit)

    # -- writing: outbox in the transaction, index after it -------------------------------
    def index(self, db: Session, incident_ids: set[int]) -> None:
        """Queue these incidents in the outbox, in the caller's transaction."""
        db.execute(insert(SearchOutbox), [{"incident_id": i} for i in sorted(incident_ids)])
        db.info[DRAIN_KEY] = True

    def delete(self, db: Session, incident_ids: set[int]) -> None:
        self.index(db, incident_ids)

    def drain(self) -> int:
        """Apply queued changes to the index; 0 at once if another process is at it.

        The index is committed before the outbox rows are deleted: a writer killed in
        between leaves rows that the next writer applies again, which is harmless.
        """
        if self.sessions is None:
            return 0
        self.store.current()  # create the first generation before taking the lock
        done = 0
        try:
            with self.store.lock(blocking=False) as mine:
                if not mine:
                    return 0  # the holder drains; a later commit or query retries
                while True:
                    with self.sessions() as db:
                        rows = db.execute(select(SearchOutbox.id, SearchOutbox.incident_id)
                                          .order_by(SearchOutbox.id).limit(BATCH)).all()
                        if not rows:
                            return done
                        words = self._apply({r.incident_id for r in rows}, db)
                        db.execute(delete(SearchOutbox).where(
                            SearchOutbox.id.in_([r.id for r in rows])))
                        self.add_words(db, words)
                        db.commit()
                    done += len(rows)
        except Exception:  # the data is committed; the rows stay queued for a retry
            log.exception("search: draining the Whoosh outbox failed; rows kept")
            return done

    def _apply(self, ids: set[int], db: Session, ix: Any = None) -> set[str]:
        """Rewrite (or delete) these documents in the live index; return their words."""
        docs = list(document.build(db, ids))
        meta = self._meta(db, [d.incident_id for d in docs])
        writer = (ix or self.store.open()).writer(timeout=30)
        try:
            for i in ids:
                writer.delete_by_term("id", i)
            for d in docs:
                writer.add_document(**self._fields(d, meta))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return set().union(*(d.words() for d in docs)) if docs else set()

    @staticmethod
    def _meta(db: Session, ids: list[int]) -> dict[int, tuple[bool, int]]:
        if not ids:
            return {}
        rows = db.execute(select(Incident.id, Incident.restricted, clauses.WHEN)
                          .where(_ids_in(ids)))
        return {i: (bool(r), int(w.timestamp()) if w else 0) for i, r, w in rows}

    @staticmethod
    def _fields(doc: document.Document, meta: dict[int, tuple[bool, int]]) -> dict[str, Any]:
        restricted, when = meta.get(doc.incident_id, (True, 0))
        return {"id": doc.incident_id, "when": when, "restricted": restricted,
                "public": public_text(doc), **{f: getattr(doc, f) for f in document.FIELDS}}

    # -- who may see what: decided by the database -----------------------------------------
    def _scope(self, db: Session, user: Any, query: Query, view: View) -> Any:
        """(allow, mask) document-number sets for `user` and `query`'s filters.

        With filters, the allowed set is the SQL backends' own WHERE clause. Without, the
        mask is what that clause hides, plus any document the index still flags as
        restricted that the database does not confirm as visible (fail closed while the
        outbox catches up). Returns _NOTHING when no document can match.
        """
        docnum = view.docnum
        if query.filters:
            ids = db.scalars(select(Incident.id).where(clauses.where(user, query))).all()
            allow = {docnum[i] for i in ids if i in docnum}
            return (allow, None) if allow else _NOTHING
        visible = visible_incidents_clause(user)
        hidden = {docnum[i] for i in db.scalars(select(Incident.id).where(not_(visible)))
                  if i in docnum}
        flagged = view.restricted - hidden
        if flagged:
            incident_of = view.incident_of
            confirmed = set(db.scalars(select(Incident.id).where(
                _ids_in(sorted(incident_of[d] for d in flagged)), visible)))
            hidden |= {d for d in flagged if incident_of[d] not in confirmed}
        return None, hidden or None

    def _search(self, db: Session, user: Any, query: Query, node: Node, limit: int,
                sort: str = "relevance", exclude: int | None = None) -> Any:
        """Whoosh results for `node` among what `user` may see, or None."""
        if not db.info.get("debrief.search"):  # no uncommitted change of ours in the way
            self._drain_if_queued(db)
        view = self.store.view()
        scope = self._scope(db, user, query, view)
        if scope is _NOTHING:
            return None, view
        allow, mask = scope
        if exclude is not None and exclude in view.docnum:
            mask = (mask or set()) | {view.docnum[exclude]}
        fields = WITH_DRAFTS if may_see_drafts(user) else PUBLIC
        # optimize=False: Whoosh's block skipping saves scoring but then counts the total
        # in a second pass over the matches, which costs more (phrases above all).
        kwargs: dict[str, Any] = {"limit": limit, "filter": allow, "mask": mask,
                                  "optimize": False}
        if sort != "relevance":
            from whoosh.sorting import FieldFacet, MultiFacet

            newest = sort == "newest"
            kwargs["sortedby"] = MultiFacet([FieldFacet("when", reverse=newest),
                                             FieldFacet("id", reverse=newest)])
        return view.searcher.search(translate(node, fields), **kwargs), view

    def _drain_if_queued(self, db: Session) -> None:
        if db.scalar(select(SearchOutbox.id).limit(1)) is not None:
            self.drain()

    # -- the protocol ----------------------------------------------------------------------
    def query(self, db: Session, user: Any, request: SearchRequest) -> Results:
        """One page of visible hits, total, facets (in SQL) and snippets of that page."""
        positive, _ = split(request.query.text)
        if positive is None:  # filters and negations only: no ranking to do
            self._drain_if_queued(db)
            return super().query(db, user, request)
        offset = (request.page - 1) * request.per_page
        found, view = self._search(db, user, request.query, request.query.text,
                                   offset + request.per_page, request.sort)
        if found is None:
            return Results(facets={k: [] for k in ("type", "severity", "service", "factor",
                                                   "year")} if request.facets else {})
        incident_of = view.incident_of
        scored = request.sort == "relevance"
        page = [(incident_of[d], s if scored else 0.0)
                for s, d in found.top_n[offset:offset + request.per_page] if d in incident_of]
        if request.facets:  # one pass over the matches serves the total and the facets
            matched = found.docs()
            results = Results(total=len(matched))
            ids = sorted(incident_of[d] for d in matched if d in incident_of)
            results.facets = clauses.facets(db, select(Incident.id).where(_ids_in(ids)))
        else:
            results = Results(total=len(found))
        titles = self._titles(db, user, [i for i, _ in page])
        snips = self._snippets(view, request.query.text, page, user) if request.snippets \
            else {}
        results.hits = [Hit(i, f"INC-{i}", titles[i], float(s or 0.0),
                            snips.get(i, Markup(""))) for i, s in page if i in titles]
        return results

    @staticmethod
    def _titles(db: Session, user: Any, ids: list[int]) -> dict[int, str]:
        """Titles from the database, re-checking visibility of exactly the shown hits."""
        if not ids:
            return {}
        return dict(db.execute(select(Incident.id, Incident.title).where(
            _ids_in(ids), visible_incidents_clause(user))).all())

    def _snippets(self, view: View, node: Node, page: list[tuple[int, float]],
                  user: Any) -> dict[int, Markup]:
        terms = frozenset(positive_terms(node))
        drafts = may_see_drafts(user)
        out: dict[int, Markup] = {}
        names = [n for n in SNIPPET_ORDER if drafts or n != "draft"]
        for incident_id, _ in page:
            stored = view.searcher.stored_fields(view.docnum[incident_id])
            # First a cheap look for each field; a stem that is not a prefix of its word
            # ("happi" for "happy") falls back to analysing whole fields.
            for whole in (False, True):
                found = next((f for f in (excerpt(stored.get(n) or "", terms, document.START,
                                                  document.STOP, whole) for n in names)
                              if document.START in f), None)
                if found:
                    out[incident_id] = marked(found)
                    break
        return out

    def count(self, db: Session, user: Any, query: Query) -> int:
        """How many visible incidents match."""
        positive, _ = split(query.text)
        if positive is None:
            return super().count(db, user, query)
        found, _ = self._search(db, user, query, query.text, 1)
        return 0 if found is None else len(found)

    def match(self, node: Node, drafts: bool) -> Any:
        """Incidents whose text matches `node` (for negations in a query without words)."""
        view = self.store.view()
        fields = WITH_DRAFTS if drafts else PUBLIC
        incident_of = view.incident_of
        ids = sorted(incident_of[d] for d in view.searcher.docs_for_query(
            translate(node, fields)) if d in incident_of)
        return select(Incident.id.label("incident_id"), literal(0.0).label("score")).where(
            _ids_in(ids))

    def more_like_this(self, db: Session, user: Any, incident: Any, limit: int = 5) -> list[Hit]:
        """Visible incidents sharing the most telling words of `incident`'s public text."""
        doc = next(document.build(db, [incident.id]), None)
        if doc is None:
            return []
        node = similar.like_query(doc)
        if node is None:
            return []
        found, view = self._search(db, user, Query(node), node, limit, exclude=incident.id)
        if found is None:
            return []
        incident_of = view.incident_of
        ranked = [(incident_of[h.docnum], h.score) for h in found if h.docnum in incident_of]
        titles = self._titles(db, user, [i for i, _ in ranked])
        return [Hit(i, f"INC-{i}", titles[i], float(s)) for i, s in ranked if i in titles]

    # -- did you mean: vocabulary from the database, checked against visible documents ----
    def _nearest_visible(self, db: Session, user: Any, word: str) -> str | None:
        import difflib

        n = len(word)
        nearby = db.scalars(select(SearchTerm.term).where(
            SearchTerm.term >= word[0], SearchTerm.term < chr(ord(word[0]) + 1),
            func.length(SearchTerm.term).between(n - 2, n + 2))).all()
        fields = document.FIELDS if may_see_drafts(user) else document.PUBLIC_FIELDS
        for cand in difflib.get_close_matches(word, nearby, n=6, cutoff=0.72):
            found, view = self._search(db, user, Query(Term(cand)), Term(cand), 5)
            if found is None:
                continue
            whole = re.compile(rf"(?i)(?<!\w){re.escape(cand)}(?!\w)")
            for hit in found:
                stored = view.searcher.stored_fields(hit.docnum)
                if any(whole.search(stored.get(f) or "") for f in fields):
                    return cand
        return None

    def texts(self, db: Session, ids: list[int], drafts: bool) -> dict[int, str]:
        view = self.store.view()
        fields = document.FIELDS if drafts else document.PUBLIC_FIELDS
        out = {}
        for i in ids:
            if i in view.docnum:
                stored = view.searcher.stored_fields(view.docnum[i])
                out[i] = "\n".join(stored.get(f) or "" for f in fields)
        return out

    # -- maintenance -----------------------------------------------------------------------
    def rebuild(self, db: Session, progress: Progress | None = None) -> int:
        """Write every document into a new generation, then swap it in.

        Readers keep their searcher on the old generation until the swap. Changes
        committed meanwhile wait in the outbox (drains skip while the lock is held) and are
        applied after the caller's commit.
        """
        ids = list(db.scalars(select(Incident.id).order_by(Incident.id)))
        words: set[str] = set()
        done = 0
        with self.store.lock(timeout=600):
            name = self.store.create()
            writer = self.store.open(name).writer(limitmb=256)
            try:
                for start in range(0, len(ids), 500):
                    docs = list(document.build(db, ids[start:start + 500]))
                    meta = self._meta(db, [d.incident_id for d in docs])
                    for d in docs:
                        writer.add_document(**self._fields(d, meta))
                        words |= d.words()
                    done += len(docs)
                    db.expunge_all()  # keep memory flat over a large rebuild
                    if progress:
                        progress(done, len(ids))
                writer.commit(optimize=True)
            except BaseException:
                writer.cancel()
                raise
            self.store.swap(name)
            self.store.clean()
        db.execute(delete(SearchTerm))
        self.add_words(db, words)
        db.info[DRAIN_KEY] = True
        return done

    def status(self, db: Session) -> Status:
        """Documents in the live generation, incidents, and incidents queued in the outbox."""
        view = self.store.view()
        incidents = db.scalar(select(func.count(Incident.id))) or 0
        queued = db.scalar(select(func.count(SearchOutbox.incident_id.distinct()))) or 0
        rows = db.scalar(select(func.count()).select_from(SearchOutbox)) or 0
        vocabulary = db.scalar(select(func.count()).select_from(SearchTerm)) or 0
        return Status(self.name, len(view.docnum), incidents, queued,
                      {"outbox rows": rows, "index": view.generation,
                       "vocabulary": vocabulary})
