"""Build Slack requests signed as Slack documents it, independently of the app's code."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"
CHANNEL = "C0INCIDENT"


def slash_body(text: str, *, channel: str = CHANNEL,
               trigger: str = "13345224609.738474920.8088930838d88f008e0",
               user: str = "alice") -> str:
    """A slash command body as Slack sends it (application/x-www-form-urlencoded)."""
    return urlencode({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": TEAM, "team_domain": "example",
        "channel_id": channel, "channel_name": "inc-checkout", "user_id": "U2147483697",
        "user_name": user, "command": "/debrief", "text": text,
        "response_url": "https://hooks.slack.com/commands/1234/5678",
        "trigger_id": trigger, "api_app_id": "A123456"})


def shortcut_body(text: str, ts: str = "1741082700.000200", channel: str = CHANNEL) -> str:
    """A message shortcut body: the `payload` field holds the JSON."""
    payload = {"type": "message_action", "callback_id": "add_to_debrief",
               "trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
               "team": {"id": TEAM, "domain": "example"},
               "channel": {"id": channel, "name": "inc-checkout"},
               "user": {"id": "U2147483697", "username": "alice", "team_id": TEAM},
               "message": {"type": "message", "user": "U0BOB", "ts": ts, "text": text,
                           "user_profile": {"display_name": "bob"}},
               "response_url": "https://hooks.slack.com/app/T0001/1/abc"}
    return urlencode({"payload": json.dumps(payload)})


def headers(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's recipe: v0= + hex HMAC-SHA256 over 'v0:{timestamp}:{body}'."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


def post(client, body: str, **kw):
    """POST a signed body to /hooks/slack."""
    return client.post("/hooks/slack", data=body.encode(), headers=headers(body, **kw))
