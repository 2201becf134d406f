"""`flask incidents ...`: list and create incidents from scripts."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.db import session
from app.models import MOMENTS, Incident, IncidentType
from app.timefmt import parse_local

from . import service

incidents_cli = AppGroup("incidents", help="List and create incidents.")


def _severity(value: str) -> int:
    labels = [label.upper() for label in current_app.config["DEBRIEF_SEVERITY_LABELS"]]
    if value.upper() in labels:
        return labels.index(value.upper()) + 1
    if value.isdigit() and 1 <= int(value) <= 4:
        return int(value)
    raise click.BadParameter(f"one of {', '.join(labels)} or 1-4", param_hint="--severity")


@incidents_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_incidents(as_json: bool) -> None:
    """List every incident (the shell sees all, restricted ones too, marked)."""
    rows = []
    for inc in session().scalars(select(Incident).order_by(Incident.id)):
        rows.append({
            "id": inc.id, "title": inc.title, "type": inc.type.value,
            "severity": current_app.config["DEBRIEF_SEVERITY_LABELS"][inc.severity - 1],
            "restricted": inc.restricted,
            "moments": {m: (getattr(inc, m).isoformat() if getattr(inc, m) else None)
                        for m in MOMENTS},
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        flag = " [restricted]" if r["restricted"] else ""
        click.echo(f"{r['id']}\t{r['severity']}\t{r['type']}\t{r['title']}{flag}")


@incidents_cli.command("create")
@click.option("--title", required=True)
@click.option("--type", "itype", required=True, type=click.Choice([t.value for t in IncidentType]))
@click.option("--severity", required=True, help="SEV1..SEV4 (configured labels) or 1-4.")
@click.option("--service", "services", multiple=True, help="Service name (repeatable).")
@click.option("--started-at", default=None, help="ISO 8601; without an offset it is UTC.")
@click.option("--restricted/--not-restricted", default=None,
              help="Default: restricted for security incidents.")
def create(title: str, itype: str, severity: str, services: tuple[str, ...],
           started_at: str | None, restricted: bool | None) -> None:
    """Create an incident and print its id."""
    try:
        started = parse_local(started_at, "UTC")
    except ValueError:
        raise click.BadParameter("not an ISO 8601 time", param_hint="--started-at") from None
    db = session()
    data = service.IncidentData(title=title, type=itype, severity=_severity(severity),
                                services=list(services), started_at=started,
                                restricted=restricted)
    try:
        incident = service.create_incident(db, None, data)
    except service.IncidentError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    db.commit()
    click.echo(incident.id)
