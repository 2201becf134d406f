"""SQLite FTS5 backend: a virtual table in the application database, bm25 with field weights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, bindparam, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from . import document
from .query import And, Node, Not, Or, Phrase, Term
from .registry import register
from .sqlsearch import SqlBackend

TABLE = "search_fts"
# bm25 weights in document.FIELDS order: title, main, review, extra, timeline, draft.
# Tuned on benchmarks/search_relevance: the review repeats the summary and impact, so it
# weighs less than actions/services; timeline chatter least (MRR 0.937 -> 0.952).
WEIGHTS = (10.0, 4.0, 1.0, 2.0, 0.5, 1.0)
_fts = table(TABLE, column("rowid"), column(TABLE), *(column(f) for f in document.FIELDS))


def _quote(value: str) -> str:
    """An FTS5 string: every user word is quoted, so no input is read as FTS5 syntax."""
    return '"' + value.replace('"', '""') + '"'


def expression(node: Node) -> str:
    """The FTS5 MATCH text of a parsed query node."""
    if isinstance(node, Term | Phrase):
        return _quote(node.text)
    if isinstance(node, Or):
        return "(" + " OR ".join(expression(x) for x in node.items) + ")"
    if isinstance(node, And):
        pos = [expression(x) for x in node.items if not isinstance(x, Not)]
        neg = [expression(x.node) for x in node.items if isinstance(x, Not)]
        out = "(" + " AND ".join(pos) + ")"
        return out + (" NOT (" + " OR ".join(neg) + ")" if neg else "")
    raise ValueError(f"cannot translate {node!r}")  # a bare Not is split off by the caller


def match_text(node: Node, drafts: bool) -> str:
    """MATCH text limited to the public columns unless `drafts`."""
    expr = expression(node)
    if drafts:
        return expr
    return "{" + " ".join(document.PUBLIC_FIELDS) + "} : (" + expr + ")"


@register("sqlite-fts5")
class Fts5Backend(SqlBackend):
    """Search in SQLite's FTS5, written in the same transaction as the incident."""

    def match(self, node: Node, drafts: bool) -> Select[Any]:
        score = -func.bm25(literal_column(TABLE), *WEIGHTS)
        return select(_fts.c.rowid.label("incident_id"), score.label("score")).where(
            _fts.c[TABLE].op("MATCH")(bindparam(None, match_text(node, drafts), unique=True)))

    def snippets(self, db: Session, node: Node, ids: list[int], drafts: bool) -> dict[int, str]:
        # Column -1: the column with the most matches; the draft column has none for a
        # viewer, whose MATCH text is limited to the public columns.
        if not ids:
            return {}
        snip = func.snippet(literal_column(TABLE), -1, document.START, document.STOP, "…", 24)
        # One statement for the shown hits: SQLite hands each value of `rowid IN (...)` to
        # FTS5 as a rowid= seek, so only those documents' postings are read (measured 2.5x
        # faster than a statement per hit, whose cost was mostly the round trips).
        stmt = select(_fts.c.rowid, snip).where(
            _fts.c[TABLE].op("MATCH")(bindparam(None, match_text(node, drafts), unique=True)),
            _fts.c.rowid.in_(ids))
        return {i: s or "" for i, s in db.execute(stmt)}

    def texts(self, db: Session, ids: list[int], drafts: bool) -> dict[int, str]:
        if not ids:
            return {}
        fields = document.FIELDS if drafts else document.PUBLIC_FIELDS
        rows = db.execute(select(_fts.c.rowid, *(_fts.c[f] for f in fields))
                          .where(_fts.c.rowid.in_(ids)))
        return {r[0]: "\n".join(x or "" for x in r[1:]) for r in rows}

    def write(self, db: Session, docs: list[document.Document]) -> None:
        names = ", ".join(document.FIELDS)
        values = ", ".join(f":{f}" for f in document.FIELDS)
        db.execute(text(f"INSERT INTO {TABLE}(rowid, {names}) VALUES (:id, {values})"),
                   [d.as_row() for d in docs])

    def remove(self, db: Session, ids: Iterable[int] | None) -> None:
        if ids is None:
            db.execute(text(f"DELETE FROM {TABLE}"))
            return
        ids = sorted(ids)
        if ids:
            db.execute(_fts.delete().where(_fts.c.rowid.in_(ids)))

    def document_ids(self) -> Select[Any]:
        return select(_fts.c.rowid.label("incident_id"))

    def rebuild(self, db: Session, progress: Any = None) -> int:
        done = super().rebuild(db, progress)
        # Merge the b-tree segments written chunk by chunk: later queries read fewer pages.
        db.execute(text(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')"))
        return done
