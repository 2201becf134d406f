"""`flask search ...`: reindex, status, query."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.db import session
from app.models import User

from . import service
from .tracking import backend_of

search_cli = AppGroup("search", help="Full-text search index.")


class Operator:
    """The person at the server's console: sees every incident, drafts included."""

    is_authenticated = True
    active = True
    id = None

    def can(self, _role: Any) -> bool:
        return True


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild every search document from the database."""
    db = session()
    with click.progressbar(length=0, label="indexing incidents") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        count = service.reindex(db, progress)
    db.commit()
    click.echo(f"{count} incidents indexed ({backend_of(db).name})")


@search_cli.command("status")
def status() -> None:
    """Print the backend, the document count and incidents not yet indexed."""
    info = backend_of(session()).status(session())
    click.echo(f"backend: {info.backend}\ndocuments: {info.documents}\n"
               f"incidents: {info.incidents}\npending: {info.pending}")
    for key, value in info.detail.items():
        click.echo(f"{key}: {value}")


@search_cli.command("query")
@click.argument("text")
@click.option("--as", "as_email", default=None,
              help="Search as this user (default: the operator, who sees everything).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
def query(text: str, as_email: str | None, limit: int, as_json: bool) -> None:
    """Print ranked hits for TEXT: id, title, score, snippet."""
    db = session()
    user: Any = Operator()
    if as_email:
        user = db.scalar(select(User).where(func.lower(User.email) == as_email.lower()))
        if user is None:
            raise click.BadParameter(f"no user with e-mail {as_email}", param_hint="--as")
    page = service.search(db, user, text, per_page=limit, facets=False,
                          labels=current_app.config["DEBRIEF_SEVERITY_LABELS"])
    if page.error:
        raise click.UsageError(f"query: {page.error}")
    if page.relaxed and not as_json:
        click.echo("no incident has all of these words; these have some of them")
    for hit in page.results.hits:
        plain = html.unescape(re.sub(r"</?mark>", "", str(hit.snippet)))
        if as_json:
            click.echo(json.dumps({"id": hit.incident_id, "ref": hit.ref, "title": hit.title,
                                   "score": float(f"{hit.score:.4g}"), "snippet": plain}))
        else:
            click.echo(f"{hit.ref}\t{hit.score:.4g}\t{hit.title}\n    {plain}")
    if not as_json:
        click.echo(f"{page.results.total} found" + (
            f"; did you mean: {page.suggestion}" if page.suggestion else ""))
