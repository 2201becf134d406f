"""Due dates from an SLA per severity (pure)."""

from __future__ import annotations

from datetime import date, timedelta


def parse_days(raw: str | list[int] | tuple[int, ...]) -> tuple[int, int, int, int]:
    """Read ``"15,30,60,90"`` (days for SEV1..SEV4); ValueError naming the setting."""
    values = raw if isinstance(raw, list | tuple) else [p for p in str(raw).split(",")]
    try:
        days = tuple(int(str(v).strip()) for v in values)
    except ValueError:
        raise ValueError("DEBRIEF_ACTION_SLA_DAYS: give four whole numbers of days") from None
    if len(days) != 4 or any(d < 1 for d in days):
        raise ValueError("DEBRIEF_ACTION_SLA_DAYS: give four positive numbers, SEV1..SEV4")
    return days  # type: ignore[return-value]


def sla_days(severity: int | None, days: tuple[int, ...]) -> int | None:
    """The SLA in days for `severity` (1..4), None without a severity."""
    if severity is None or not 1 <= severity <= len(days):
        return None
    return days[severity - 1]


def default_due(severity: int | None, start: date, days: tuple[int, ...]) -> date | None:
    """The due date an action gets by default: `start` plus the severity's SLA."""
    n = sla_days(severity, days)
    return None if n is None else start + timedelta(days=n)


def beyond_sla(due: date | None, severity: int | None, start: date,
               days: tuple[int, ...]) -> bool:
    """True when `due` lies past the SLA deadline counted from `start`."""
    limit = default_due(severity, start, days)
    return due is not None and limit is not None and due > limit
