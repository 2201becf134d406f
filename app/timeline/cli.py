"""`flask timeline ...`: import files into an incident's timeline from the shell."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.db import session
from app.models import Incident

from . import imports
from .import_options import ImportRequestError, parse_options, source_for
from .importers import ImportFormatError, Source

timeline_cli = AppGroup("timeline", help="Import and inspect incident timelines.")


def print_summary(summary: imports.ImportSummary, dry_run: bool) -> None:
    """Print an import summary the way the web result page shows it."""
    d = summary.to_dict()
    verb = "would import" if dry_run else "imported"
    click.echo(f"{d['filename']}: format {d['format']}; {verb} {d['kept']} events "
               f"({d['duplicates']} already present, {d['parsed']} read)")
    click.echo(f"zone assumed: {d['zone_assumed'] or 'none (the source states its zone)'}")
    click.echo(f"first: {d['first'] or '-'}  last: {d['last'] or '-'}")
    for title, key in (("channels", "by_channel"), ("kinds", "by_kind"),
                       ("skipped", "skipped"), ("redacted", "redacted")):
        if d[key]:
            click.echo(f"{title}: " + ", ".join(f"{k} {v}" for k, v in d[key].items()))
    for w in d["warnings"]:
        click.echo(f"warning: {w}")


@timeline_cli.command("import")
@click.argument("incident_id", type=int)
@click.argument("path", type=click.Path(exists=True))
@click.option("--format", "fmt", default=None, help="Importer name (default: recognise).")
@click.option("--tz", default=None, help="IANA zone for sources without one (IRC, naive CSV).")
@click.option("--channel", "channels", multiple=True, help="Keep only this channel (repeat).")
@click.option("--since", default=None, help="ISO 8601 start of the window (UTC if no offset).")
@click.option("--until", default=None, help="ISO 8601 end of the window (UTC if no offset).")
@click.option("--word", "words", multiple=True, help="Keep only messages with this word.")
@click.option("--scrub-emails", is_flag=True, help="Also redact e-mail addresses.")
@click.option("--scrub-phones", is_flag=True, help="Also redact phone numbers.")
@click.option("--dry-run", is_flag=True, help="Preview only; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_command(incident_id: int, path: str, fmt: str | None, tz: str | None,
                   channels: tuple[str, ...], since: str | None, until: str | None,
                   words: tuple[str, ...], scrub_emails: bool, scrub_phones: bool,
                   dry_run: bool, as_json: bool) -> None:
    """Import PATH (file, ZIP or unpacked Slack folder) into INCIDENT_ID's timeline."""
    db = session()
    incident = db.get(Incident, incident_id)
    if incident is None:
        raise click.ClickException(f"no incident {incident_id}")
    try:
        options = parse_options({
            "format": fmt or "", "tz": tz or "", "since": since or "", "until": until or "",
            "channels": ",".join(channels), "words": ",".join(words),
            "scrub_emails": "1" if scrub_emails else "", "scrub_phones": "1" if scrub_phones
            else ""}, "UTC")
        fmt_name, zone, sel = source_for(options)
        source = Source.from_path(path)

        def progress(n: int) -> None:  # on stderr, so --json output stays clean
            click.echo(f"  {n} events {'read' if dry_run else 'stored'} ...", err=True)
        if dry_run:
            summary = imports.preview(db, incident, source, fmt_name, zone, sel, progress)
        else:
            summary = imports.run_import(db, None, incident, source, fmt_name, zone, sel,
                                         progress=progress)
            if summary.kept > imports.BATCH:
                click.echo("  committing ...", err=True)
            db.commit()
    except (ImportFormatError, ImportRequestError) as exc:
        db.rollback()
        raise click.ClickException(f"{exc} (nothing was imported)") from None
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        print_summary(summary, dry_run)


@timeline_cli.command("suggest")
@click.argument("incident_id", type=int)
def suggest_command(incident_id: int) -> None:
    """Print the lifecycle moments the timeline suggests, with their evidence."""
    from flask import current_app

    from .moments import suggestions

    db = session()
    incident = db.get(Incident, incident_id)
    if incident is None:
        raise click.ClickException(f"no incident {incident_id}")
    rows = suggestions(db, incident, current_app.config["DEBRIEF_STATUS_MOMENTS"] or None)
    if not rows:
        click.echo("no suggestions: the timeline has no pager, alert, tracker or chat evidence")
    for row in rows:
        s = row.suggestion
        now = (f"now {row.current.isoformat()} ({row.current_source.value})" if row.current
               else "now missing")
        click.echo(f"{s.moment:16} {s.at.isoformat()}  {s.strength:6} {s.reason}  "
                   f"[event {s.evidence.id}; {now}]")
