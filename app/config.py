"""Configuration: defaults, overridden by DEBRIEF_* environment variables or a mapping."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Every setting, its default and a one-line meaning: the README's table is built from this.
SETTINGS: dict[str, tuple[Any, str]] = {
    "DATABASE_URL": (None, "SQLAlchemy URL; default sqlite:///instance/debrief.sqlite3"),
    "SECRET_KEY": (None, "session signing key; generated into instance/secret_key if unset"),
    "SEARCH_BACKEND": (None, "sqlite-fts5, postgres or whoosh; default follows the database"),
    "SEARCH_PAGE_SIZE": (20, "hits per page of search results"),
    "SIMILAR_CACHE_SECONDS": (60, "how long one process reuses a viewer's \"similar "
                                  "incidents\" list (0: never); visibility is checked on "
                                  "every use"),
    "WHOOSH_DIR": (None, "Whoosh index folder; default instance/whoosh"),
    "SEVERITY_LABELS": ("SEV1,SEV2,SEV3,SEV4", "labels of the four ordered severity levels"),
    "DEFAULT_TIMEZONE": ("UTC", "zone for new users and for anonymous pages"),
    "MAX_UPLOAD_MB": (50, "largest accepted upload, in MiB"),
    "IMPORT_BACKGROUND_MB": (4, "imports of files this large (MiB) or larger run as a "
                                "background job with a progress page"),
    "ZIP_MAX_UNCOMPRESSED_MB": (1024, "largest total uncompressed size of an uploaded ZIP"),
    "ZIP_MAX_RATIO": (200, "largest compression ratio of a ZIP entry (zip-bomb guard)"),
    "SESSION_COOKIE_SECURE": (False, "send the session cookie over HTTPS only (set in production)"),
    "PAGE_SIZE": (25, "rows per page in lists"),
    "STATUS_MOMENTS": ("", "tracker status -> moment map as JSON, e.g. "
                           '{"In Progress": "acknowledged_at"} (empty: built-in)'),
    "ACTION_SLA_DAYS": ("15,30,60,90", "days to complete an action, per severity SEV1..SEV4"),
    "SMTP_HOST": ("", "SMTP server for reminder mail (empty: mail is not sent)"),
    "SMTP_PORT": (25, "SMTP server port"),
    "SMTP_USER": ("", "SMTP login (empty: no login)"),
    "SMTP_PASSWORD": ("", "SMTP password (never printed or logged)"),
    "SMTP_TLS": (False, "upgrade the SMTP connection with STARTTLS"),
    "MAIL_FROM": ("debrief@localhost", "sender address of reminder mail"),
    "ACTIONS_BASE_URL": ("", "public URL of Debrief for links in mail and calendars"),
    "GITHUB_WEBHOOK_SECRET": ("", "secret of the GitHub issues webhook (empty: refused)"),
    "JIRA_WEBHOOK_SECRET": ("", "shared secret of the Jira webhook (empty: refused)"),
    "JIRA_STATUS_CATEGORIES": ("", "Jira statusCategory key -> action status as JSON "
                                   '(empty: {"done": "done", "indeterminate": '
                                   '"in_progress", "new": "open"})'),
    "PDF_PAGE_SIZE": ("A4", "paper size of PDF exports: A4 or Letter"),
    "PDF_DATA_URI_MAX_KB": (512, "largest data: URI a PDF export may embed, in KiB"),
    "API_RATE_LIMIT": ("600 per minute", "requests each API token may make (Flask-Limiter "
                                         "notation, e.g. 100/minute;5000/hour)"),
    "API_RATE_LIMIT_STORAGE_URI": ("memory://", "where API rate-limit counters live; "
                                                "memory:// is per process, give "
                                                "redis://host:6379 to share between servers"),
    "SLACK_SIGNING_SECRET": ("", "Slack app signing secret for /hooks/slack (empty: refused; "
                                 "never printed or logged)"),
    "WEBHOOKS_ALLOW_PRIVATE": (False, "let outgoing webhooks reach private and loopback "
                                      "addresses (link-local/metadata stay refused)"),
    "WEBHOOK_TIMEOUT_SECONDS": (10, "time limit of one outgoing webhook delivery attempt"),
    "WEBHOOK_MAX_ATTEMPTS": (8, "delivery attempts before an outgoing webhook is marked failed"),
}

_BOOL = {"1": True, "true": True, "yes": True, "on": True,
         "0": False, "false": False, "no": False, "off": False, "": False}


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        if raw.strip().lower() not in _BOOL:
            raise ValueError(f"expected a boolean, got {raw!r}")
        return _BOOL[raw.strip().lower()]
    if isinstance(default, int):
        return int(raw)
    return raw


def load(instance_path: str, overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config: defaults, then DEBRIEF_* variables, then `overrides`."""
    env = os.environ if environ is None else environ
    cfg: dict[str, Any] = {}
    for name, (default, _doc) in SETTINGS.items():
        key = f"DEBRIEF_{name}"
        if key in env:
            try:
                cfg[key] = _coerce(default, env[key])
            except ValueError as exc:
                raise RuntimeError(f"{key}: {exc}") from None
        else:
            cfg[key] = default
    if overrides:
        cfg.update(overrides)
    if not cfg["DEBRIEF_DATABASE_URL"]:
        cfg["DEBRIEF_DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "debrief.sqlite3")
    if not cfg["DEBRIEF_WHOOSH_DIR"]:
        cfg["DEBRIEF_WHOOSH_DIR"] = str(Path(instance_path) / "whoosh")
    cfg["SECRET_KEY"] = cfg.get("SECRET_KEY") or cfg["DEBRIEF_SECRET_KEY"] or _instance_secret(
        instance_path)
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["DEBRIEF_MAX_UPLOAD_MB"]) * 1024 * 1024
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = bool(cfg["DEBRIEF_SESSION_COOKIE_SECURE"])
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg["WTF_CSRF_TIME_LIMIT"] = None
    raw_map = cfg["DEBRIEF_STATUS_MOMENTS"]
    if isinstance(raw_map, str):
        try:
            cfg["DEBRIEF_STATUS_MOMENTS"] = json.loads(raw_map) if raw_map.strip() else {}
        except json.JSONDecodeError as exc:
            raise RuntimeError(f"DEBRIEF_STATUS_MOMENTS: not JSON ({exc})") from None
    labels = [s.strip() for s in str(cfg["DEBRIEF_SEVERITY_LABELS"]).split(",") if s.strip()]
    if len(labels) != 4:
        raise RuntimeError("DEBRIEF_SEVERITY_LABELS: give exactly four comma-separated labels")
    cfg["DEBRIEF_SEVERITY_LABELS"] = labels
    if str(cfg["DEBRIEF_PDF_PAGE_SIZE"]).lower() not in ("a4", "letter"):
        raise RuntimeError("DEBRIEF_PDF_PAGE_SIZE: give A4 or Letter")
    return cfg


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in the instance folder, created once (mode 0600)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def settings_table() -> str:
    """The Markdown table of settings for the README."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for name, (default, doc) in SETTINGS.items():
        shown = "" if default is None else json.dumps(default) if not isinstance(
            default, str) else default
        rows.append(f"| `DEBRIEF_{name}` | {shown} | {doc} |")
    return "\n".join(rows)
