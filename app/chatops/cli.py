"""`flask webhooks ...`: deliver queued webhook events (run from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import session

from .delivery import DeliverySettings, deliver_due

webhooks_cli = AppGroup("webhooks", help="Outgoing webhooks.")


@webhooks_cli.command("deliver")
@click.option("--limit", default=200, show_default=True, help="Most deliveries to attempt.")
def deliver(limit: int) -> None:
    """Attempt every due webhook delivery (new ones and retries); exit 1 if any failed."""
    report = deliver_due(session(), DeliverySettings.from_config(current_app.config),
                         limit=limit)
    for line in report.errors:
        click.echo(line, err=True)
    click.echo(f"delivered {report.delivered}, retrying later {report.retrying}, "
               f"failed for good {report.failed}")
    if report.failed:
        raise SystemExit(1)
