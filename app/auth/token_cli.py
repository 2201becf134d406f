"""`flask tokens ...`: issue, list and revoke personal API tokens from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import session
from app.models import ApiToken

from . import service, tokens

tokens_cli = AppGroup("tokens", help="Manage personal API tokens.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--scope", type=click.Choice(tokens.SCOPES), required=True)
@click.option("--name", default="created with flask tokens", show_default=True)
@click.option("--expires-days", type=int, default=None, help="Expire after N days.")
def create(email: str, scope: str, name: str, expires_days: int | None) -> None:
    """Issue a token for EMAIL and print it (shown once, stored hashed)."""
    db = session()
    user = service.get_by_email(db, email)
    if user is None:
        raise click.ClickException(f"email: no user {email}")
    try:
        issued = tokens.create_token(db, None, user, name=name, scope=scope,
                                     expires_days=expires_days)
    except tokens.TokenError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    db.commit()
    click.echo(f"token id={issued.token.id} for {user.email} ({scope}); copy it now, "
               "it is not shown again:", err=True)
    click.echo(issued.secret)


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID at once."""
    db = session()
    token = db.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"token_id: no token {token_id}")
    changed = tokens.revoke(db, None, token)
    db.commit()
    click.echo(f"token {token_id} ({token.prefix}…) " + ("revoked" if changed else
                                                         "was already revoked"))


@tokens_cli.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """List EMAIL's tokens (prefixes only; secrets are never stored)."""
    db = session()
    user = service.get_by_email(db, email)
    if user is None:
        raise click.ClickException(f"email: no user {email}")
    for t in tokens.tokens_of(db, user):
        state = "revoked" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.prefix}…\t{t.scope}\t{t.name}\t{state}\t"
                   f"expires {t.expires_at.isoformat() if t.expires_at else 'never'}")
