"""`flask ...` commands: thin wrappers that call services and commit once."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import migrate
from .actions.cli import actions_cli
from .auth.cli import users_cli
from .auth.token_cli import tokens_cli
from .chatops.cli import webhooks_cli
from .db import session
from .export.cli import export_cli, import_cli
from .incidents.cli import incidents_cli
from .ops.cli import backup_cli
from .reviews.cli import import_postmortems, reviews_cli
from .search.cli import search_cli
from .timeline.cli import timeline_cli

db_cli = AppGroup("db", help="Database schema migrations.")


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    migrate.upgrade(current_app.config["DEBRIEF_DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' empties it)."""
    migrate.downgrade(current_app.config["DEBRIEF_DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@click.command("demo")
@with_appcontext
@click.option("--credentials-file", default=None,
              help="Where to write the demo login (default: instance/demo-login.txt).")
def demo_command(credentials_file: str | None) -> None:
    """Load the demo data set (idempotent) and print the demo login."""
    from .demo import load_demo

    db = session()
    result = load_demo(db, credentials_path=credentials_file or
                       f"{current_app.instance_path}/demo-login.txt")
    db.commit()
    click.echo(result.message)


def init_app(app: Flask) -> None:
    """Register every command group."""
    for group in (db_cli, users_cli, incidents_cli, timeline_cli, search_cli, actions_cli,
                  backup_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo_command)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(reviews_cli)
    app.cli.add_command(import_postmortems)
