"""`flask backup create|restore`: thin commands over app.ops; the command commits."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import MetaData

from app import migrate
from app.db import Base, database, session

from . import backup, restore

backup_cli = AppGroup("backup", help="Back up and restore the whole installation.")


def _metadata() -> MetaData:
    import app.models  # noqa: F401 - every model module must be loaded for a full metadata

    return Base.metadata


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def create(file: Path) -> None:
    """Write a consistent archive of every table and the instance files to FILE."""
    try:
        result = backup.create_backup(database().engine, _metadata(), file,
                                      Path(current_app.instance_path))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(result.tables.values())
    click.echo(f"{result.path}: {len(result.tables)} tables, {rows} rows, {result.files} files "
               f"(schema {', '.join(result.revisions)})")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Restore FILE into this (empty) database, then rebuild the search index."""
    url = current_app.config["DEBRIEF_DATABASE_URL"]
    instance = Path(current_app.instance_path)
    metadata = _metadata()
    try:
        with restore.Archive(file) as archive:  # names and checksums verified on opening
            restore.check_revisions(archive, restore.code_heads())
            restore.check_files(archive, instance)
            engine = database().engine
            with engine.connect() as conn:
                restore.refuse_nonempty(conn, metadata)  # before migrating touches anything
            migrate.upgrade(url, "heads")
            with engine.connect() as conn:
                trans = conn.begin()
                try:
                    report = restore.restore_rows(conn, archive, metadata)
                    trans.commit()
                except BaseException:
                    trans.rollback()
                    raise
            report.files = restore.restore_files(archive, instance)
    except restore.RestoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {sum(report.tables.values())} rows into {len(report.tables)} tables"
               f", {len(report.files)} files")
    if report.sequences:
        click.echo(f"reset {len(report.sequences)} PostgreSQL sequences past the restored ids")
    ok, message = rebuild_search(current_app)
    click.echo(message, err=not ok)
    if not ok:
        raise SystemExit(1)


def rebuild_search(app: Flask) -> tuple[bool, str]:
    """Rebuild the search index if this version has one; (success, what was done)."""
    try:
        from app.search import service as search_service
    except ImportError:
        return True, "search: no search module in this version; nothing to rebuild"
    reindex = getattr(search_service, "reindex", None)
    if not callable(reindex) or "debrief.search" not in app.extensions:
        return True, "search: no search backend configured; nothing to rebuild"
    db = session()
    try:
        count = reindex(db)
        db.commit()
    except Exception as exc:  # the rows are committed; the index is derived and can wait
        db.rollback()
        return False, (f"search: index NOT rebuilt ({type(exc).__name__}: {exc}); the data is "
                       "restored; run `flask search reindex` once this is fixed")
    return True, f"search: index rebuilt ({count} incidents)"
