"""Database plumbing: declarative Base, UTC timestamps, engine and sessions per app."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column; attach a zone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Database:
    """One engine and one session factory per Flask app."""

    def __init__(self, url: str):
        self.url = url
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            # Several gunicorn workers share one file: WAL lets readers run during a write,
            # and the busy timeout makes writers queue instead of failing at once.
            kwargs = {"connect_args": {"timeout": 15, "check_same_thread": False}}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy say BEGIN.
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A request that may write takes the write lock up front. A deferred transaction that
    # read first and writes after another worker committed fails at once with "database
    # is locked" (its snapshot is stale; the busy timeout cannot help): the load benchmark
    # saw concurrent timeline appends answer 500. Reads stay deferred, so they never wait.
    writing = _WRITER.get() or (
        has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


# Work outside a request that will write (a background import) says so, for the same reason.
_WRITER: contextvars.ContextVar[bool] = contextvars.ContextVar("debrief_writer", default=False)


@contextmanager
def writer() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock up front."""
    token = _WRITER.set(True)
    try:
        yield
    finally:
        _WRITER.reset(token)


def init_app(app: Flask) -> None:
    """Create the app's Database and close the request's session at teardown."""
    app.extensions["debrief.db"] = Database(app.config["DEBRIEF_DATABASE_URL"])

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        sess = g.pop("db_session", None)
        if sess is not None:
            sess.close()


def database(app: Flask | None = None) -> Database:
    """The Database of `app` (default: the current app)."""
    return (app or current_app).extensions["debrief.db"]


def session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session
