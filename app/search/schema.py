"""Search objects that are not SQLAlchemy models, and the hook hiding them from Alembic."""

from __future__ import annotations

from typing import Any

# FTS5's virtual table and its shadow tables (SQLite), and the PostgreSQL document table
# with its generated tsvector columns: created by migration 0002, derived from the models'
# data, rebuilt by `flask search reindex`; autogenerate must neither drop nor compare them.
DERIVED_TABLES = frozenset({
    "search_fts", "search_fts_data", "search_fts_idx", "search_fts_content",
    "search_fts_docsize", "search_fts_config", "search_document",
})


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic include_name hook: skip the derived search tables."""
    return not (type_ == "table" and name in DERIVED_TABLES)
