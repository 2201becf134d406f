"""Incident durations, percentiles and DORA bands (pure; a missing moment stays unknown).

Conventions, stated once so every page can cite them:

- Each metric is ``stop − start`` of two lifecycle moments (``METRICS``). A missing
  moment makes the value unknown with a reason naming it; a stop before its start is
  reported as inconsistent, never clamped to zero; nothing is guessed from other fields.
- Percentiles use linear interpolation between closest ranks (Hyndman-Fan type 7, the
  default of numpy and of ``statistics.quantiles(method="inclusive")``): for sorted
  values x[0..n-1] the q-quantile is at rank h = (n - 1)·q, interpolated between
  x[floor h] and x[ceil h]. So for 1..10 minutes the median is 5.5 and p90 is 9.1.
- No mean is exposed: durations are long-tailed, so sets report n, median, p90, min,
  max and a histogram, with a warning when n is small.
- DORA recovery bands follow DORA 2021/2023 (REVIEWS.md): elite < 1 h, high < 1 day,
  medium < 1 week, low otherwise. Boundaries belong to the slower band: exactly 1 h is
  high, exactly 1 day is medium, exactly 1 week is low.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

MOMENT_NAMES = ("started_at", "detected_at", "acknowledged_at", "identified_at",
                "mitigated_at", "recovered_at", "resolved_at")

SMALL_N = 10
DORA_BANDS = ("elite", "high", "medium", "low")
DORA_DEFINITION = ("elite < 1 h; high < 1 day; medium < 1 week; low otherwise "
                   "(exactly 1 h is high, 1 day medium, 1 week low)")
PERCENTILE_METHOD = "linear interpolation between closest ranks (numpy default, type 7)"

Band = Literal["elite", "high", "medium", "low"]
Outcome = Literal["met", "missed", "unknown"]


class HasMoments(Protocol):
    """Anything with the seven lifecycle moments (the Incident model, ``Moments``)."""

    started_at: datetime | None
    detected_at: datetime | None
    acknowledged_at: datetime | None
    identified_at: datetime | None
    mitigated_at: datetime | None
    recovered_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class Moments:
    """The seven lifecycle moments of one incident (aware datetimes or None)."""

    started_at: datetime | None = None
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    identified_at: datetime | None = None
    mitigated_at: datetime | None = None
    recovered_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Metric:
    """One duration: its key, label, and the moments it starts and stops at."""

    key: str
    label: str
    start: str
    stop: str

    @property
    def definition(self) -> str:
        """The sentence shown beside the value, e.g. ``time to recover = ...``."""
        return f"{self.label.lower()} = {self.stop} − {self.start}"


METRICS: tuple[Metric, ...] = (
    Metric("time_to_detect", "Time to detect", "started_at", "detected_at"),
    Metric("time_to_acknowledge", "Time to acknowledge", "detected_at", "acknowledged_at"),
    Metric("time_to_identify", "Time to identify", "started_at", "identified_at"),
    Metric("time_to_repair", "Time to repair", "started_at", "mitigated_at"),
    Metric("time_to_respond", "Time to respond", "detected_at", "mitigated_at"),
    Metric("time_to_recover", "Time to recover", "started_at", "recovered_at"),
    Metric("time_to_resolve", "Time to resolve", "started_at", "resolved_at"),
)
METRICS_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class Duration:
    """A measured interval, or None with the reason it could not be measured."""

    value: timedelta | None
    reason: str | None = None
    missing: tuple[str, ...] = ()
    inconsistent: bool = False

    @property
    def known(self) -> bool:
        """True when there is a trustworthy value."""
        return self.value is not None


def interval(start_name: str, start: datetime | None,
             stop_name: str, stop: datetime | None) -> Duration:
    """``stop − start``; unknown if either is missing or naive, inconsistent if negative."""
    missing = tuple(n for n, v in ((start_name, start), (stop_name, stop)) if v is None)
    if missing:
        return Duration(None, f"{' and '.join(missing)} missing", missing=missing)
    assert start is not None and stop is not None
    naive = [n for n, v in ((start_name, start), (stop_name, stop)) if v.utcoffset() is None]
    if naive:
        return Duration(None, f"{' and '.join(naive)} without time zone", inconsistent=True)
    if stop < start:
        gap = format_duration(start - stop)
        return Duration(None, f"inconsistent: {stop_name} is {gap} before {start_name}",
                        inconsistent=True)
    return Duration(stop - start)


def duration(m: HasMoments | Any, key: str) -> Duration:
    """One metric (by key) of one incident."""
    metric = METRICS_BY_KEY[key]
    return interval(metric.start, getattr(m, metric.start),
                    metric.stop, getattr(m, metric.stop))


def durations(m: HasMoments | Any) -> dict[str, Duration]:
    """Every metric of one incident, in ``METRICS`` order."""
    return {metric.key: duration(m, metric.key) for metric in METRICS}


def time_between_failures(incidents_sorted: Sequence[Any]) -> list[Duration]:
    """Per service: started of each incident − started of the previous (n − 1 values)."""
    return [interval("previous started_at", prev.started_at, "started_at", cur.started_at)
            for prev, cur in zip(incidents_sorted, incidents_sorted[1:], strict=False)]


def time_to_fail(incidents_sorted: Sequence[Any]) -> list[Duration]:
    """Per service: started of the next incident − recovered of the previous (n − 1)."""
    return [interval("previous recovered_at", prev.recovered_at,
                     "next started_at", nxt.started_at)
            for prev, nxt in zip(incidents_sorted, incidents_sorted[1:], strict=False)]


def objective_check(actual_minutes: float | None, objective_minutes: float | None) -> Outcome:
    """Downtime vs RTO or data-loss window vs RPO: met when actual ≤ objective."""
    if actual_minutes is None or objective_minutes is None:
        return "unknown"
    if actual_minutes < 0 or objective_minutes < 0:
        raise ValueError("minutes cannot be negative")
    return "met" if actual_minutes <= objective_minutes else "missed"


def dora_band(td: timedelta | Duration | None) -> Band | None:
    """DORA time-to-restore band: elite < 1 h, high < 1 day, medium < 1 week, else low."""
    if isinstance(td, Duration):
        td = td.value
    if td is None:
        return None
    if td < timedelta(0):
        raise ValueError("a time to restore cannot be negative")
    if td < timedelta(hours=1):
        return "elite"
    if td < timedelta(days=1):
        return "high"
    if td < timedelta(weeks=1):
        return "medium"
    return "low"


def percentile(sorted_values: Sequence[timedelta], q: float) -> timedelta:
    """The q-quantile (0 ≤ q ≤ 1) of sorted values by linear interpolation (type 7)."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    h = (len(sorted_values) - 1) * q
    lo, hi = math.floor(h), math.ceil(h)
    low, high = sorted_values[lo], sorted_values[hi]
    return low + (high - low) * (h - lo)


@dataclass(frozen=True)
class Summary:
    """n, median (= p50), p90, min and max of the known values; how many were unknown."""

    n: int
    median: timedelta | None
    p90: timedelta | None
    min: timedelta | None
    max: timedelta | None
    missing_n: int

    @property
    def p50(self) -> timedelta | None:
        """The median, under its percentile name."""
        return self.median


def summarize(values: Iterable[timedelta | Duration | None]) -> Summary:
    """Summarise durations; None and unknown ``Duration`` values are counted as missing."""
    known: list[timedelta] = []
    missing = 0
    for v in values:
        td = v.value if isinstance(v, Duration) else v
        if td is None:
            missing += 1
        else:
            known.append(td)
    known.sort()
    if not known:
        return Summary(0, None, None, None, None, missing)
    return Summary(len(known), percentile(known, 0.5), percentile(known, 0.9),
                   known[0], known[-1], missing)


@dataclass(frozen=True)
class Bucket:
    """A histogram bar: lower ≤ value < upper (upper None = no limit)."""

    label: str
    lower: timedelta
    upper: timedelta | None
    count: int


# Log-ish edges: incident durations are long-tailed, equal-width bars would hide it.
BUCKET_EDGES: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("< 5 min", timedelta(0), timedelta(minutes=5)),
    ("5–15 min", timedelta(minutes=5), timedelta(minutes=15)),
    ("15–30 min", timedelta(minutes=15), timedelta(minutes=30)),
    ("30–60 min", timedelta(minutes=30), timedelta(hours=1)),
    ("1–4 h", timedelta(hours=1), timedelta(hours=4)),
    ("4–24 h", timedelta(hours=4), timedelta(days=1)),
    ("1–7 d", timedelta(days=1), timedelta(weeks=1)),
    ("> 7 d", timedelta(weeks=1), None),
)


def histogram(values: Iterable[timedelta]) -> tuple[Bucket, ...]:
    """Count non-negative durations into ``BUCKET_EDGES`` (each bar includes its lower edge)."""
    counts = [0] * len(BUCKET_EDGES)
    for v in values:
        for i, (_, lower, upper) in enumerate(BUCKET_EDGES):
            if v >= lower and (upper is None or v < upper):
                counts[i] += 1
                break
    return tuple(Bucket(label, lower, upper, c)
                 for (label, lower, upper), c in zip(BUCKET_EDGES, counts, strict=True))


@dataclass(frozen=True)
class LeftOut:
    """An incident not counted, with the reason (a moment missing or inconsistent)."""

    incident: Any
    reason: str


@dataclass(frozen=True)
class MetricSummary:
    """One metric over a set of incidents: the numbers, the bars and who was left out."""

    metric: Metric
    summary: Summary
    histogram: tuple[Bucket, ...]
    left_out: tuple[LeftOut, ...]
    dora: dict[str, int] | None

    @property
    def n(self) -> int:
        """How many incidents have a value."""
        return self.summary.n

    @property
    def median(self) -> timedelta | None:
        """The median of the known values."""
        return self.summary.median

    @property
    def p90(self) -> timedelta | None:
        """The 90th percentile of the known values."""
        return self.summary.p90

    @property
    def small_n(self) -> bool:
        """True when n is too small for the numbers to show a real change."""
        return self.summary.n < SMALL_N

    @property
    def warning(self) -> str | None:
        """The sentence shown when n is small, else None."""
        if not self.small_n:
            return None
        return (f"Only {self.summary.n} incident(s) with a value: with fewer than "
                f"{SMALL_N}, the median and p90 move a lot from one incident to the next "
                "and a real improvement may not show.")


def summarize_metric(incidents: Iterable[HasMoments | Any], key: str) -> MetricSummary:
    """One metric over incidents: n, median, p90, histogram, left-out list, DORA counts."""
    metric = METRICS_BY_KEY[key]
    values: list[timedelta] = []
    left_out: list[LeftOut] = []
    for incident in incidents:
        d = duration(incident, key)
        if d.value is None:
            left_out.append(LeftOut(incident, d.reason or "unknown"))
        else:
            values.append(d.value)
    dora = None
    if key == "time_to_recover":
        dora = dict.fromkeys(DORA_BANDS, 0)
        for v in values:
            dora[dora_band(v) or "low"] += 1
    summary = summarize([*values, *([None] * len(left_out))])
    return MetricSummary(metric, summary, histogram(values), tuple(left_out), dora)


def format_duration(td: timedelta) -> str:
    """``45 s``, ``12 min``, ``1 h 05 min``, ``2 d 3 h`` (smaller units are truncated)."""
    seconds = int(td.total_seconds())
    if seconds < 0:
        return "−" + format_duration(timedelta(seconds=-seconds))
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
