"""Import options as a user gives them (form fields, CLI flags) and as the pipeline needs them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

from app.timefmt import input_value, parse_local

from .importers import get
from .importers.archive import ZipLimits
from .importers.base import UnknownFormatError
from .imports import Selection, default_window


class ImportRequestError(ValueError):
    """A bad import option, naming the field."""


def form_defaults(incident: Any, user: Any) -> dict[str, str]:
    """Initial form values: the default window in the user's zone, the user's zone."""
    since, until = default_window(incident)
    return {"since": input_value(since, user.timezone), "until": input_value(until,
                                                                              user.timezone),
            "tz": user.timezone}


def zone_or_error(name: str | None) -> tzinfo | None:
    """The named IANA zone, None for empty, ImportRequestError for unknown names."""
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportRequestError(
            f"tz: unknown time zone {name!r} (use an IANA name like Europe/Paris)") from None


def _split(value: str | None) -> list[str]:
    return [v.strip().lstrip("#") for v in (value or "").replace("\n", ",").split(",")
            if v.strip()]


def parse_options(form: Mapping[str, str], user_zone: str) -> dict[str, Any]:
    """Validate form (or CLI) values into a JSON-able options dict."""
    fmt = (form.get("format") or "").strip() or None
    if fmt:
        try:
            get(fmt)
        except UnknownFormatError as exc:
            raise ImportRequestError(f"format: {exc}") from None
    zone_name = (form.get("tz") or "").strip()
    zone_or_error(zone_name)
    window: dict[str, str | None] = {}
    for name in ("since", "until"):
        try:
            # Window times are typed in the user's zone (the form says which).
            value = parse_local(form.get(name), user_zone)
        except ValueError:
            raise ImportRequestError(f"{name}: not a date and time (YYYY-MM-DD HH:MM)") from None
        window[name] = value.isoformat() if value else None
    if window["since"] and window["until"] and window["until"] < window["since"]:
        raise ImportRequestError("until: the window ends before it starts")
    truthy = {"1", "on", "true", "yes"}
    return {
        "format": fmt, "tz": zone_name or None, **window,
        "channels": _split(form.get("channels")),
        "words": [w.lower() for w in _split(form.get("words"))],
        "threads_only": str(form.get("threads_only", "")).lower() in truthy,
        "scrub_emails": str(form.get("scrub_emails", "")).lower() in truthy,
        "scrub_phones": str(form.get("scrub_phones", "")).lower() in truthy,
    }


def source_for(options: Mapping[str, Any]) -> tuple[str | None, tzinfo | None, Selection]:
    """Format name, zone and Selection from a stored options dict."""
    since = datetime.fromisoformat(options["since"]) if options.get("since") else None
    until = datetime.fromisoformat(options["until"]) if options.get("until") else None
    sel = Selection(
        since=since, until=until,
        channels=frozenset(options["channels"]) if options.get("channels") else None,
        words=tuple(options.get("words") or ()),
        threads_only=bool(options.get("threads_only")),
        scrub_emails=bool(options.get("scrub_emails")),
        scrub_phones=bool(options.get("scrub_phones")),
        zip_limits=configured_zip_limits(),
    )
    return options.get("format"), zone_or_error(options.get("tz")), sel


def configured_zip_limits() -> ZipLimits | None:
    """DEBRIEF_ZIP_MAX_UNCOMPRESSED_MB and DEBRIEF_ZIP_MAX_RATIO of the current app."""
    if not has_app_context():
        return None
    cfg = current_app.config
    return ZipLimits(max_total_size=int(cfg["DEBRIEF_ZIP_MAX_UNCOMPRESSED_MB"]) * 1024 * 1024,
                     max_ratio=float(cfg["DEBRIEF_ZIP_MAX_RATIO"]))
