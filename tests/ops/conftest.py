"""Fixtures for operations tests: fresh databases of either kind."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app import migrate
from app.db import Database

_n = itertools.count()


@pytest.fixture()
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., str]:
    """fresh_db(kind, migrated=True) -> URL of a new empty database ('sqlite' or 'postgres')."""

    def make(kind: str, migrated: bool = True) -> str:
        if kind == "sqlite":
            url = "sqlite:///" + str(tmp_path / f"db{next(_n)}.sqlite3")
        else:
            server = request.getfixturevalue("pg_server")
            url = server.create_database(f"debrief_ops_{next(_n)}")
        if migrated:
            migrate.upgrade(url)
        return url

    return make


@pytest.fixture()
def engines() -> Iterator[Callable[[str], Engine]]:
    """engines(url) -> an engine with the app's pragmas, disposed after the test."""
    made: dict[str, Database] = {}

    def get(url: str) -> Engine:
        if url not in made:
            made[url] = Database(url)
        return made[url].engine

    yield get
    for db in made.values():
        db.engine.dispose()
