"""`flask actions ...`: reminder digests by e-mail, safe to run from cron every few minutes."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import session

from . import reminders
from .mail import SmtpSettings, compose, send
from .service import today_utc

actions_cli = AppGroup("actions", help="Follow-up actions: reminders and escalations.")


@actions_cli.command("remind")
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=0),
              help="Remind owners of actions due within this many days (and overdue ones).")
@click.option("--escalate-after", default=7, show_default=True, type=click.IntRange(min=0),
              help="Days overdue after which the review owner and team manager hear of it.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
def remind(days: int, escalate_after: int, dry_run: bool) -> None:
    """Send today's digests: one per recipient and kind a day, never twice."""
    db, today = session(), today_utc()
    digests = reminders.plan(db, today, days, escalate_after)
    if dry_run:
        for d in digests:
            click.echo(f"would send {d.kind} digest to {d.recipient.email}: {d.subject}")
            for line in reminders.describe(d, today):
                click.echo(f"  {line}")
        click.echo(f"dry run: {reminders.recipients_summary(digests)}")
        db.rollback()
        return
    settings = SmtpSettings.from_config(current_app.config)
    if not settings.host:
        raise click.ClickException("DEBRIEF_SMTP_HOST is not set: nothing sent (try --dry-run)")
    # The claim row is the decision: a concurrent run's insert of the same key fails.
    claimed = [d for d in digests if reminders.claim(db, d, today)]
    for d in digests:
        if d not in claimed:
            click.echo(f"already sent today: {d.kind} digest to {d.recipient.email}")
    base_url = current_app.config["DEBRIEF_ACTIONS_BASE_URL"]
    messages = [compose(d, settings.sender, base_url, today) for d in claimed]
    db.commit()
    failed = dict(send(settings, messages))
    for i, d in enumerate(claimed):
        if i in failed:
            click.echo(f"FAILED {d.kind} digest to {d.recipient.email}: {failed[i]}")
            reminders.release(db, d, today)
        else:
            click.echo(f"sent {d.kind} digest to {d.recipient.email} "
                       f"({len(d.actions)} actions): {d.subject}")
    db.commit()
    if failed:
        raise click.ClickException(f"{len(failed)} digests failed; the next run retries them")
    if not claimed:
        click.echo("nothing to send")
