"""Run Alembic migrations for an app's database (used by `flask db` and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from . import REPO_ROOT


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at migrations/ and the given database URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    # Alembic's ini interpolation treats % specially; URLs with encoded passwords have it.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate the database up to `revision` (default: every branch's head)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database down to `revision`."""
    command.downgrade(alembic_config(url), revision)
