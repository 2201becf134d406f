"""Webhook endpoint rules: add (URL checked, secret kept), enable, disable, remove."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import WebhookEndpoint

from .outbox import EVENTS
from .ssrf import check_url


def create_endpoint(db: Session, actor: Any, name: str, url: str, secret: str,
                    events: list[str], *, allow_private: bool) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it and its signing secret (generated when none is given)."""
    name, url, secret = name.strip(), url.strip(), secret.strip()
    if not name:
        raise ValueError("name: cannot be empty")
    if db.scalar(select(WebhookEndpoint).where(WebhookEndpoint.name == name)):
        raise ValueError(f"name: an endpoint called {name!r} exists")
    if len(url) > 500:
        raise ValueError("url: at most 500 characters")
    problem = check_url(url, allow_private)
    if problem:
        raise ValueError(f"url: {problem}")
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise ValueError(f"events: choose one or more of {', '.join(EVENTS)}")
    if secret and len(secret) < 16:
        raise ValueError("secret: at least 16 characters (or leave empty to generate one)")
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) > 200:
        raise ValueError("secret: at most 200 characters")
    endpoint = WebhookEndpoint(name=name[:120], url=url, secret=secret,
                               events=sorted(set(events)), active=True)
    db.add(endpoint)
    db.flush()
    # The URL may carry a token of the receiver's, so the audit leaves it out.
    audit.record(db, actor, "webhook_endpoint", endpoint.id, "create",
                 {"name": endpoint.name, "events": endpoint.events})
    return endpoint, secret


def set_active(db: Session, actor: Any, endpoint: WebhookEndpoint, active: bool) -> None:
    """Enable or disable an endpoint (disabled ones receive nothing new)."""
    changes = audit.diff(endpoint, {"active": active})
    if changes:
        audit.record(db, actor, "webhook_endpoint", endpoint.id, "active", changes)
        db.flush()


def delete_endpoint(db: Session, actor: Any, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its delivery log."""
    audit.record(db, actor, "webhook_endpoint", endpoint.id, "delete", {"name": endpoint.name})
    db.delete(endpoint)
    db.flush()
