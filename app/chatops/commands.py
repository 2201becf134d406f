"""Parse `/debrief ...` command text into a Command (pure: no Flask, no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

# Words people type -> lifecycle moment fields. `resolved_at` is derived from the actions.
MOMENT_WORDS = {
    "started": "started_at",
    "detected": "detected_at",
    "acknowledged": "acknowledged_at",
    "identified": "identified_at",
    "mitigated": "mitigated_at",
    "recovered": "recovered_at",
}

HELP = (
    "Debrief commands:\n"
    "• `/debrief link INC-123`: write this channel's commands to incident INC-123\n"
    "• `/debrief add <text>`: add a timeline event (Markdown) to the linked incident\n"
    "• `/debrief moment detected|mitigated|recovered [HH:MM or ISO time]`: set a moment "
    "(also started, acknowledged, identified; default now; HH:MM in {zone})\n"
    "• `/debrief status`: which incident this channel is linked to\n"
    "• `/debrief help`: this message"
)

_REF = re.compile(r"^(?:INC-?)?(\d{1,9})$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
# A moment time may be typed a little ahead of the server's clock, never more.
_FUTURE_SLACK = timedelta(minutes=2)


class CommandError(ValueError):
    """The command text could not be understood; the message says how to fix it."""


@dataclass(frozen=True)
class Command:
    """One understood command."""

    verb: str  # add | moment | link | status | help
    text: str = ""
    moment: str | None = None
    at: datetime | None = None
    incident_id: int | None = None


def parse_time(value: str, now: datetime, zone: tzinfo) -> datetime:
    """``HH:MM`` (the latest such time not after now, in `zone`) or an ISO 8601 time."""
    clock = _CLOCK.match(value)
    if clock:
        hh, mm = int(clock[1]), int(clock[2])
        if hh > 23 or mm > 59:
            raise CommandError(f"{value!r} is not a time of day (HH:MM, 00:00 to 23:59)")
        local_now = now.astimezone(zone)
        at = local_now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        # "09:10" typed at 00:05 means yesterday's 09:10, not a time in the future.
        if at > local_now + _FUTURE_SLACK:
            at = (local_now - timedelta(days=1)).replace(hour=hh, minute=mm, second=0,
                                                         microsecond=0)
        return at
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{value!r} is not a time: give HH:MM or an ISO time like 2025-03-04T10:15Z"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    if at > now + _FUTURE_SLACK:
        raise CommandError(f"{value} is in the future: a moment records what already happened")
    return at


def parse(text: str, now: datetime, zone: tzinfo) -> Command:
    """Understand the text after `/debrief`; CommandError explains what was wrong."""
    words = (text or "").strip().split(None, 1)
    if not words:
        return Command("help")
    verb, rest = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if verb == "help":
        return Command("help")
    if verb == "status":
        return Command("status")
    if verb == "add":
        if not rest:
            raise CommandError("add what? Usage: `/debrief add <text>`")
        return Command("add", text=rest)
    if verb == "link":
        match = _REF.match(rest)
        if not match:
            raise CommandError("link to which incident? Usage: `/debrief link INC-123`")
        return Command("link", incident_id=int(match[1]))
    if verb == "moment":
        parts = rest.split()
        if not parts or parts[0].lower() not in MOMENT_WORDS:
            raise CommandError("which moment? Usage: `/debrief moment "
                               f"{'|'.join(MOMENT_WORDS)} [HH:MM or ISO time]`")
        if len(parts) > 2:
            raise CommandError("give one time at most, e.g. `/debrief moment detected 14:05`")
        at = parse_time(parts[1], now, zone) if len(parts) == 2 else now
        return Command("moment", moment=MOMENT_WORDS[parts[0].lower()], at=at)
    raise CommandError(f"unknown command `{verb}`. Try `/debrief help`.")
