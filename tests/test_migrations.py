"""Migrations: `upgrade head` yields exactly the models' schema; `downgrade base` empties."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import app.models  # noqa: F401
from app import migrate
from app.db import Base
from app.search.schema import include_name


def _fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "m.sqlite3")
    server = request.getfixturevalue("pg_server")
    return server.create_database("debrief_migration_test")


import pytest  # noqa: E402


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    return _fresh_url(request, tmp_path)


def test_upgrade_matches_models_and_downgrade_empties(fresh_url):
    migrate.upgrade(fresh_url)
    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_name": include_name})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    migrate.downgrade(fresh_url, "base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    engine.dispose()
