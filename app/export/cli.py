"""`flask export ...` and `flask import json`: the exports from the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import session
from app.models import Incident

from . import json_export, render, report
from .json_import import JSONImportError, import_incident

export_cli = AppGroup("export", help="PDF, JSON and report exports.")
import_cli = AppGroup("import", help="Restore exported data into this Debrief.")


def _incident(incident_id: int) -> Incident:
    incident = session().get(Incident, incident_id)
    if incident is None:
        raise click.ClickException(f"INCIDENT_ID: no incident {incident_id}")
    return incident


def _zone(zone: str | None) -> str:
    name = zone or current_app.config["DEBRIEF_DEFAULT_TIMEZONE"]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="'--zone'") from None
    return name


@export_cli.command("pdf")
@click.argument("incident_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="PDF file to write.")
@click.option("--one-pager", is_flag=True, help="The leadership one-pager instead.")
@click.option("--timeline-all", is_flag=True, help="Every visible event, not only starred.")
@click.option("--zone", default=None, help="Time zone of the times shown (default: the "
              "installation's DEBRIEF_DEFAULT_TIMEZONE).")
def export_pdf(incident_id: int, output: str, one_pager: bool, timeline_all: bool,
               zone: str | None) -> None:
    """Write INCIDENT_ID's review as PDF (the operator sees restricted incidents too)."""
    db = session()
    incident, shown_in = _incident(incident_id), _zone(zone)
    if one_pager:
        body = render.one_pager_pdf(db, report.OPERATOR, incident, shown_in)
    else:
        body = render.to_pdf(render.review_html(
            db, report.OPERATOR, incident, shown_in,
            timeline="all" if timeline_all else "starred"))
    Path(output).write_bytes(body)
    click.echo(f"wrote {output}")


# CLI names of the report's arguments, so an error names the option the user typed.
_OPTION = {"from": "--from", "to": "--to", "severity": "--severity"}


@export_cli.command("report")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD (included).")
@click.option("--team", default=None, help="Only incidents on this team's services.")
@click.option("--service", default=None, help="Only incidents on this service.")
@click.option("--severity", default=None, help="1 to 4.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="PDF file to write.")
@click.option("--zone", default=None, help="Zone of the day boundaries and times shown.")
def export_report(start: str, end: str, team: str | None, service: str | None,
                  severity: str | None, output: str, zone: str | None) -> None:
    """Write the period report as PDF (every incident; restricted ones are marked)."""
    try:
        q = report.parse_query({"from": start, "to": end, "team": team or "",
                                "service": service or "", "severity": severity or ""},
                               date.today())
    except ValueError as exc:
        name, _, why = str(exc).partition(": ")
        raise click.BadParameter(why, param_hint=f"'{_OPTION.get(name, name)}'") from None
    html = render.report_html(session(), report.OPERATOR, q, _zone(zone))
    Path(output).write_bytes(render.to_pdf(html))
    click.echo(f"wrote {output}")


@export_cli.command("json")
@click.argument("incident_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
def export_json(incident_id: int, output: str | None) -> None:
    """Write INCIDENT_ID with its review as JSON (restore it with `flask import json`)."""
    doc = json_export.export_incident(session(), _incident(incident_id))
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@import_cli.command("json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_json(file: str) -> None:
    """Restore an incident exported as JSON (new ids; users matched by e-mail)."""
    try:
        doc = json.loads(Path(file).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file}: not JSON ({exc})") from None
    db = session()
    try:
        incident, warnings = import_incident(db, None, doc)
    except JSONImportError as exc:
        db.rollback()
        raise click.ClickException(f"{file}: {exc}") from None
    db.commit()
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"imported as {incident.ref}")
