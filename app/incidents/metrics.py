"""Incident durations, percentiles and DORA bands (pure; a missing moment stays unknown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    start: str
    stop: str

    @property
    def definition(self) -> str:
        return f"{self.label.lower()} = {self.stop} − {self.start}"


METRICS = (
    Metric("time_to_detect", "Time to detect", "started_at", "detected_at"),
    Metric("time_to_acknowledge", "Time to acknowledge", "detected_at", "acknowledged_at"),
    Metric("time_to_identify", "Time to identify", "started_at", "identified_at"),
    Metric("time_to_repair", "Time to repair", "started_at", "mitigated_at"),
    Metric("time_to_respond", "Time to respond", "detected_at", "mitigated_at"),
    Metric("time_to_recover", "Time to recover", "started_at", "recovered_at"),
    Metric("time_to_resolve", "Time to resolve", "started_at", "resolved_at"),
)


@dataclass(frozen=True)
class Duration:
    value: timedelta | None
    reason: str | None = None


def durations(m: Any) -> dict[str, Duration]:
    """Every metric of one incident; unknown (with the reason) when a moment is missing."""
    out = {}
    for metric in METRICS:
        start, stop = getattr(m, metric.start), getattr(m, metric.stop)
        missing = [n for n, v in ((metric.start, start), (metric.stop, stop)) if v is None]
        if missing:
            out[metric.key] = Duration(None, f"{' and '.join(missing)} missing")
        elif stop < start:
            out[metric.key] = Duration(None, f"inconsistent: {metric.stop} before {metric.start}")
        else:
            out[metric.key] = Duration(stop - start)
    return out


def dora_band(td: timedelta | None) -> str | None:
    """DORA time-to-restore band: elite < 1 h, high < 1 day, medium < 1 week, else low."""
    if td is None:
        return None
    if td < timedelta(hours=1):
        return "elite"
    if td < timedelta(days=1):
        return "high"
    if td < timedelta(weeks=1):
        return "medium"
    return "low"


def format_duration(td: timedelta) -> str:
    """``45 s``, ``12 min``, ``1 h 05 min``, ``2 d 3 h``."""
    seconds = int(td.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
