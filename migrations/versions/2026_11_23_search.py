"""Search: vocabulary table; FTS5 table (SQLite) or tsvector document table (PostgreSQL).

The index starts empty: run `flask search reindex` once after this upgrade on a database
that already holds incidents. From then on every commit keeps it current.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FIELDS = ("title", "main", "review", "extra", "timeline", "draft")
# Weights: A title; B summary, impact, factors; C published review, actions, services, tags;
# D timeline. Draft review text joins only tsv_all, which is matched for editors and above.
PUBLIC_VECTOR = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', main), 'B') || "
    "setweight(to_tsvector('english', review || ' ' || extra), 'C') || "
    "setweight(to_tsvector('english', timeline), 'D')"
)


def upgrade() -> None:
    op.create_table(
        "search_term",
        sa.Column("term", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_term")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            + ", ".join(FIELDS)
            + ", tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        return
    columns = ",\n".join(f"  {f} text NOT NULL DEFAULT ''" for f in FIELDS)
    op.execute(f"""
CREATE TABLE search_document (
  incident_id integer PRIMARY KEY REFERENCES incident (id) ON DELETE CASCADE,
{columns},
  tsv tsvector GENERATED ALWAYS AS ({PUBLIC_VECTOR}) STORED,
  tsv_all tsvector GENERATED ALWAYS AS (CASE WHEN draft = '' THEN NULL ELSE
    {PUBLIC_VECTOR} || setweight(to_tsvector('english', draft), 'C') END) STORED
)""")
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    op.execute("CREATE INDEX ix_search_document_tsv_all ON search_document USING gin (tsv_all)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TABLE IF EXISTS search_document")
    op.drop_table("search_term")
