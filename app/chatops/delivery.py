"""Deliver queued webhook events: sign, POST, record the outcome, retry with backoff.

This is a job runner (like a CLI command): it commits its own small transactions, one to
claim a delivery and one to record its outcome, so no HTTP call runs inside a transaction.

Signature: ``X-Debrief-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`` keyed
with the endpoint's secret, where timestamp is the ``X-Debrief-Timestamp`` header (Unix
seconds) and body the exact bytes received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import WebhookDelivery, WebhookEndpoint

from .ssrf import check_url

SIGNATURE_HEADER = "X-Debrief-Signature"
TIMESTAMP_HEADER = "X-Debrief-Timestamp"
EVENT_HEADER = "X-Debrief-Event"
DELIVERY_HEADER = "X-Debrief-Delivery"
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


@dataclass(frozen=True)
class DeliverySettings:
    """Limits of delivery, read from the app's configuration by the caller."""

    timeout: float = 10.0
    max_attempts: int = 8
    allow_private: bool = False

    @classmethod
    def from_config(cls, config: Any) -> DeliverySettings:
        """The settings in a Flask config mapping."""
        return cls(timeout=float(config["DEBRIEF_WEBHOOK_TIMEOUT_SECONDS"]),
                   max_attempts=int(config["DEBRIEF_WEBHOOK_MAX_ATTEMPTS"]),
                   allow_private=bool(config["DEBRIEF_WEBHOOKS_ALLOW_PRIVATE"]))


@dataclass
class RunReport:
    """What one delivery run did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def body_of(payload: Any) -> bytes:
    """The exact bytes sent (and signed) for a payload."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``{timestamp}.{body}`` keyed with `secret`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 1, 2, 4 ... minutes, at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery,
         settings: DeliverySettings) -> tuple[int | None, str]:
    """POST one signed event; (HTTP status or None, error text or '')."""
    problem = check_url(endpoint.url, settings.allow_private)
    if problem:
        return None, f"refused: {problem}"
    body = body_of(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "Debrief-Webhooks/1",
               TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(endpoint.secret, timestamp,
                                                                   body),
               EVENT_HEADER: delivery.event, DELIVERY_HEADER: delivery.event_id}
    try:
        # Redirects are not followed: a redirect could lead to an address check_url refuses.
        response = requests.post(endpoint.url, data=body, headers=headers,
                                 timeout=settings.timeout, allow_redirects=False)
    except requests.Timeout:
        return None, f"timed out after {settings.timeout:g} s"
    except requests.RequestException as exc:
        # The exception text repeats the URL, which may hold a token: name the kind only.
        return None, f"connection failed ({type(exc).__name__})"
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}: {response.text[:300]}"


def _claim(db: Session, delivery_id: int, now: datetime, settings: DeliverySettings) -> bool:
    # One worker wins: the row is pushed into the future so the others skip it; if this
    # worker dies mid-attempt, the row becomes due again when the lease ends.
    lease = now + timedelta(seconds=settings.timeout + 60)
    result = db.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now).values(next_attempt_at=lease))
    db.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def attempt(db: Session, delivery: WebhookDelivery, settings: DeliverySettings,
            report: RunReport) -> None:
    """Make one attempt and record it: delivered, retry later, or failed for good."""
    endpoint = db.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.active:
        # An admin's decision, not a receiver's failure: stop without counting an attempt.
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.last_error = "the endpoint was disabled before delivery"
        db.commit()
        return
    code, error = post(endpoint, delivery, settings)
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.last_error = error
    now = utcnow()
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        report.delivered += 1
    elif delivery.attempts >= settings.max_attempts:
        delivery.status, delivery.next_attempt_at = "failed", None
        report.failed += 1
        report.errors.append(f"delivery {delivery.id}: {error}")
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        report.retrying += 1
        report.errors.append(f"delivery {delivery.id}: {error}")
    db.commit()


def deliver_due(db: Session, settings: DeliverySettings, *, ids: set[int] | None = None,
                limit: int = 200) -> RunReport:
    """Attempt every pending delivery that is due (only `ids` when given)."""
    report = RunReport()
    now = utcnow()
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
    if ids is not None:
        query = query.where(WebhookDelivery.id.in_(ids))
    due = list(db.scalars(query.order_by(WebhookDelivery.next_attempt_at).limit(limit)))
    db.rollback()
    for delivery_id in due:
        if not _claim(db, delivery_id, now, settings):
            continue
        delivery = db.get(WebhookDelivery, delivery_id)
        if delivery is not None:
            attempt(db, delivery, settings, report)
    return report
