"""Slack requests: signing-secret verification and shortcut payloads (pure: no Flask)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

# Slack's documented replay window: refuse requests older (or newer) than five minutes.
REPLAY_WINDOW_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}`` keyed with the signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, given: str | None, body: bytes,
           now: float) -> str | None:
    """None when the request is Slack's; otherwise why it is refused (no secret in it)."""
    if not timestamp or not given:
        return "X-Slack-Request-Timestamp and X-Slack-Signature are required"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a Unix time"
    if abs(now - sent) > REPLAY_WINDOW_SECONDS:
        return "X-Slack-Request-Timestamp is more than five minutes from now (replay refused)"
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode()):
        return "X-Slack-Signature does not match the body"
    return None


class PayloadError(ValueError):
    """A shortcut payload without the fields Debrief needs."""


@dataclass(frozen=True)
class MessageShortcut:
    """A message shortcut: who chose which message, in which channel."""

    team_id: str
    channel_id: str
    channel_name: str
    user_id: str
    user_name: str
    message_ts: str
    message_at: datetime
    message_user: str
    message_author: str
    text: str
    raw: dict[str, Any]
    response_url: str = ""


def _field(obj: Any, *path: str) -> str:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, str) else ""


def message_shortcut(raw_payload: str) -> MessageShortcut:
    """Read the `payload` form field of a ``message_action`` request."""
    try:
        payload = json.loads(raw_payload)
    except ValueError:
        raise PayloadError("payload is not JSON") from None
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
    if payload.get("type") != "message_action":
        raise PayloadError(f"payload type {payload.get('type')!r} is not handled "
                           "(only message shortcuts)")
    ts = _field(payload, "message", "ts")
    try:
        at = datetime.fromtimestamp(float(ts), tz=UTC)
    except ValueError:
        raise PayloadError("message.ts is missing or not a Slack timestamp") from None
    team = _field(payload, "team", "id") or _field(payload, "user", "team_id")
    channel = _field(payload, "channel", "id")
    if not team or not channel:
        raise PayloadError("team.id and channel.id are required")
    if len(team) > 64 or len(channel) > 64:
        raise PayloadError("team.id and channel.id: at most 64 characters")
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    return MessageShortcut(
        team_id=team, channel_id=channel, channel_name=_field(payload, "channel", "name"),
        user_id=_field(payload, "user", "id"),
        user_name=_field(payload, "user", "username") or _field(payload, "user", "name"),
        message_ts=ts, message_at=at,
        message_user=_field(message, "user"),
        # Slack sends the author's id; a name only when the message carries a profile.
        message_author=(_field(message, "user_profile", "display_name")
                        or _field(message, "user_profile", "real_name")
                        or _field(message, "username") or _field(message, "user")),
        text=_field(message, "text"),
        raw={"ts": ts, "user": _field(message, "user"), "text": _field(message, "text")},
        response_url=_field(payload, "response_url"))


def is_slack_response_url(url: str) -> bool:
    """True only for Slack's own https://hooks.slack.com/ URLs (no other host is called)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme == "https" and parts.hostname == "hooks.slack.com"
            and parts.port in (None, 443) and not parts.username)


def send_reply(response_url: str, text: str, timeout: float = 5.0) -> str | None:
    """Post an ephemeral reply to a shortcut's response_url; None when Slack took it."""
    if not is_slack_response_url(response_url):
        return "response_url is not a hooks.slack.com URL"
    try:
        resp = requests.post(response_url, json={"response_type": "ephemeral", "text": text},
                             timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        # The URL itself grants posting to the channel, so the error names only the kind.
        return f"connection failed ({type(exc).__name__})"
    return None if resp.ok else f"HTTP {resp.status_code}"
