"""`flask users ...`: create and list users from the shell."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.db import session
from app.models import Role, User

from . import service

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="viewer",
              show_default=True)
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email: str, role: str, display_name: str | None, timezone: str,
           password_stdin: bool) -> None:
    """Create a user; the password is prompted (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = session()
    try:
        user = service.create_user(db, email, password, role=role, display_name=display_name,
                                   timezone=timezone)
    except service.UserError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    db.commit()
    click.echo(f"created {user.email} ({user.role}) id={user.id}")


@users_cli.command("list")
def list_users() -> None:
    """List users with their roles."""
    for user in session().scalars(select(User).order_by(User.email)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{user.display_name}{state}")
