"""PostgreSQL backend: generated tsvector columns with setweight, GIN indexes, ts_rank_cd."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, case, column, func, literal_column, or_, select, table, text, true
from sqlalchemy.orm import Session

from . import document
from .protocol import Hit, Results, SearchRequest
from .query import And, Node, Not, Or, Phrase, Term
from .registry import register
from .sqlsearch import SqlBackend

CONFIG = "english"
# ts_rank_cd weights for D (timeline), C (review, actions, services, tags, draft), B, A.
RANK_WEIGHTS = "'{0.05, 0.25, 0.5, 1.0}'::float4[]"
# Divide the rank by the mean harmonic distance between matching extents (flag 4): words
# found close together win. Tuned on benchmarks/search_relevance (MRR 0.872 with flag 1,
# 1 + log length; 0.894 with 4).
RANK_NORMALIZATION = 4
HEADLINE = (f"StartSel={document.START}, StopSel={document.STOP}, MaxWords=28, MinWords=10, "
            "MaxFragments=2, FragmentDelimiter=\" … \"")
_doc = table("search_document", column("incident_id"), column("tsv"), column("tsv_all"),
             *(column(f) for f in document.FIELDS))


def tsquery(node: Node) -> Any:
    """A tsquery expression for a parsed node; user text only ever travels as a parameter."""
    if isinstance(node, Term):
        return func.plainto_tsquery(literal_column(f"'{CONFIG}'"), node.text)
    if isinstance(node, Phrase):
        return func.phraseto_tsquery(literal_column(f"'{CONFIG}'"), node.text)
    if isinstance(node, Not):
        return func.tsquery_not(tsquery(node.node))
    combine = func.tsquery_and if isinstance(node, And) else func.tsquery_or
    assert isinstance(node, And | Or)
    expr = tsquery(node.items[0])
    for item in node.items[1:]:
        expr = combine(expr, tsquery(item))
    return expr


def _any(node: Node) -> Node:
    """Any one of the node's positive words or phrases: which field to headline."""
    leaves: list[Node] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term | Phrase):
            leaves.append(n)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item)

    walk(node)
    return Or(tuple(leaves)) if len(leaves) > 1 else leaves[0] if leaves else node


@register("postgres")
class PostgresBackend(SqlBackend):
    """Search in PostgreSQL full text, shared by every app server, no local index."""

    def query(self, db: Session, user: Any, request: SearchRequest) -> Results:
        # Ranking a few thousand matches is costed above jit_above_cost, and compiling the
        # plan with LLVM then takes longer than running it (p95 halved with JIT off on 1k
        # generated incidents). LOCAL: this transaction only; other queries keep the setting.
        db.execute(text("SET LOCAL jit = off"))
        return super().query(db, user, request)

    def more_like_this(self, db: Session, user: Any, incident: Any, limit: int = 5) -> list[Hit]:
        db.execute(text("SET LOCAL jit = off"))  # an OR of a dozen words: as above
        return super().more_like_this(db, user, incident, limit)

    def match(self, node: Node, drafts: bool) -> Select[Any]:
        q = select(tsquery(node).label("q")).subquery("q")
        vector = func.coalesce(_doc.c.tsv_all, _doc.c.tsv) if drafts else _doc.c.tsv
        hit = _doc.c.tsv.op("@@")(q.c.q)
        if drafts:
            hit = or_(hit, _doc.c.tsv_all.op("@@")(q.c.q))
        score = func.ts_rank_cd(literal_column(RANK_WEIGHTS), vector, q.c.q, RANK_NORMALIZATION)
        return select(_doc.c.incident_id, score.label("score")).select_from(_doc).join(
            q, true()).where(hit)

    def _body(self, drafts: bool) -> Any:
        parts = [_doc.c[f] for f in document.FIELDS[1:] if drafts or f != "draft"]
        return func.concat_ws("\n", *parts)

    def snippets(self, db: Session, node: Node, ids: list[int], drafts: bool) -> dict[int, str]:
        q = select(tsquery(node).label("q"), tsquery(_any(node)).label("any")).subquery("q")

        def headline(body: Any) -> Any:
            return func.ts_headline(literal_column(f"'{CONFIG}'"), body, q.c.q, HEADLINE)

        # Re-parsing 7 KB per hit is the cost of ts_headline: ask the stored vector which
        # field matched (ts_filter keeps one weight) and headline only that field.
        def matches(weights: str) -> Any:
            return func.ts_filter(_doc.c.tsv, literal_column(f"'{{{weights}}}'::\"char\"[]")).op(
                "@@")(q.c.any)

        head = case((matches("a,b"), headline(_doc.c.main)),
                    (matches("c"), headline(func.concat_ws("\n", _doc.c.review, _doc.c.extra))),
                    (matches("d"), headline(_doc.c.timeline)),
                    else_=headline(self._body(drafts)))
        rows = db.execute(select(_doc.c.incident_id, head).select_from(_doc).join(q, true())
                          .where(_doc.c.incident_id.in_(ids)))
        return {i: h or "" for i, h in rows}

    def texts(self, db: Session, ids: list[int], drafts: bool) -> dict[int, str]:
        if not ids:
            return {}
        fields = document.FIELDS if drafts else document.PUBLIC_FIELDS
        rows = db.execute(select(_doc.c.incident_id, *(_doc.c[f] for f in fields))
                          .where(_doc.c.incident_id.in_(ids)))
        return {r[0]: "\n".join(x or "" for x in r[1:]) for r in rows}

    def write(self, db: Session, docs: list[document.Document]) -> None:
        names = ", ".join(document.FIELDS)
        values = ", ".join(f":{f}" for f in document.FIELDS)
        updates = ", ".join(f"{f} = excluded.{f}" for f in document.FIELDS)
        # The tsvectors are generated columns: PostgreSQL computes them from these fields.
        db.execute(text(f"INSERT INTO search_document (incident_id, {names}) "
                        f"VALUES (:id, {values}) "
                        f"ON CONFLICT (incident_id) DO UPDATE SET {updates}"),
                   [d.as_row() for d in docs])

    def remove(self, db: Session, ids: Iterable[int] | None) -> None:
        if ids is None:
            db.execute(text("DELETE FROM search_document"))
            return
        ids = sorted(ids)
        if ids:
            db.execute(_doc.delete().where(_doc.c.incident_id.in_(ids)))

    def document_ids(self) -> Select[Any]:
        return select(_doc.c.incident_id)
