"""Time parsing shared by importers: every result is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from .base import ImportFormatError


def parse_iso(
    value: str, *, tz: tzinfo | None = None, file: str | None = None, field: str | None = None,
    line: int | None = None,
) -> datetime:
    """Parse ISO 8601 (``Z``, ``+HH:MM`` or ``+HHMM``) to UTC.

    A naive value needs `tz` (the zone the user chose); without it this raises, because
    guessing a zone silently shifts the whole timeline.
    """
    if not isinstance(value, str) or not value.strip():
        raise ImportFormatError("missing timestamp", file=file, field=field, line=line)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Jira writes +HHMM; fromisoformat accepts it on 3.11+, but normalise anyway.
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ImportFormatError(
            f"not an ISO 8601 timestamp: {value[:40]!r}", file=file, field=field, line=line
        ) from None
    if dt.tzinfo is None:
        if tz is None:
            raise ImportFormatError(
                f"timestamp {value[:40]!r} has no zone; choose the zone it was written in",
                file=file, field=field, line=line,
            )
        dt = dt.replace(tzinfo=tz)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 9999-12-31T23:59-05:00 leaves the range
        raise ImportFormatError(f"timestamp out of range: {value[:40]!r}", file=file,
                                field=field, line=line) from None


def from_epoch_seconds(
    value: str | int | float, *, file: str | None = None, field: str | None = None,
    line: int | None = None,
) -> datetime:
    """Epoch seconds (Slack's ``"1700000000.000100"`` string kept exact) to UTC."""
    try:
        seconds = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ImportFormatError(
            f"not an epoch timestamp: {str(value)[:40]!r}", file=file, field=field, line=line
        ) from None
    if not seconds.is_finite() or seconds < 0 or seconds > 32503680000:  # year 3000
        raise ImportFormatError(
            f"timestamp out of range: {str(value)[:40]!r}", file=file, field=field, line=line
        )
    whole = int(seconds)
    micros = int((seconds - whole) * 1_000_000)
    return datetime.fromtimestamp(whole, UTC).replace(microsecond=micros)


def from_epoch_millis(
    value: int | str, *, file: str | None = None, field: str | None = None,
    line: int | None = None,
) -> datetime:
    """Epoch milliseconds (Mattermost) to UTC."""
    if isinstance(value, bool):
        raise ImportFormatError("not an epoch timestamp", file=file, field=field, line=line)
    try:
        millis = int(value)
    except (TypeError, ValueError):
        raise ImportFormatError(
            f"not an epoch-milliseconds timestamp: {str(value)[:40]!r}",
            file=file, field=field, line=line,
        ) from None
    return from_epoch_seconds(Decimal(millis) / 1000, file=file, field=field, line=line)
