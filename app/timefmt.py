"""Times for people: show UTC values in a viewer's zone (named), read local input to UTC."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> tzinfo:
    """The zone called `name`, falling back to UTC for unknown names."""
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def show(dt: datetime | None, zone_name: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``2025-03-04 14:05 CET``: the time in the viewer's zone, the zone named."""
    if dt is None:
        return "—"
    local = dt.astimezone(zone(zone_name))
    return f"{local.strftime(fmt)} {local.tzname() or 'UTC'}"


def parse_local(value: str | None, zone_name: str | None) -> datetime | None:
    """Read ``YYYY-MM-DDTHH:MM`` (or with an offset) typed in `zone_name`; UTC out."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)  # ValueError for the caller to report on its field
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(zone_name))
    return dt.astimezone(UTC)


def input_value(dt: datetime | None, zone_name: str | None, *, seconds: bool = False) -> str:
    """A value for ``<input type=datetime-local>`` in the viewer's zone (``step=1``: seconds)."""
    if dt is None:
        return ""
    return dt.astimezone(zone(zone_name)).strftime(
        "%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")
