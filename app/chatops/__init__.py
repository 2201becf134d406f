"""ChatOps: Slack and Mattermost intake, outgoing webhooks delivered after each commit."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g
from sqlalchemy import event
from sqlalchemy.orm import Session

READY_KEY = "debrief.webhooks.ready"


def _committed(session: Session) -> None:
    pending = session.info.pop("debrief.webhooks.pending", None)
    if pending:
        session.info.setdefault(READY_KEY, set()).update(pending)


def _forget(session: Session, transaction: Any) -> None:
    # The outermost transaction ended without a commit moving them: they were rolled back.
    if transaction.parent is None:
        session.info.pop("debrief.webhooks.pending", None)


def _deliver_now(app: Flask, ids: set[int]) -> None:
    from app.db import session

    from .delivery import DeliverySettings, deliver_due

    with app.app_context():
        try:
            deliver_due(session(), DeliverySettings.from_config(app.config), ids=ids)
        except Exception:  # the response is already sent; cron retries what is left
            app.logger.exception("webhook delivery after the request failed")


def init_app(app: Flask) -> None:
    """Deliver the webhook events a request committed once its response has been sent."""
    from app.db import database

    factory = database(app).sessionmaker
    event.listen(factory, "after_commit", _committed)
    event.listen(factory, "after_transaction_end", _forget)

    @app.after_request
    def _schedule(response: Response) -> Response:
        sess = g.get("db_session")
        ids = sess.info.pop(READY_KEY, None) if sess is not None else None
        if ids:
            # After the response is sent, so a slow endpoint never delays the person.
            response.call_on_close(lambda: _deliver_now(app, set(ids)))
        return response
