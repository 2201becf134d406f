"""Incident metrics: hand-computed durations, unknowns, percentiles, bands, histograms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.incidents import metrics
from app.incidents.metrics import Duration, Moments

T0 = datetime(2024, 3, 5, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


FULL = Moments(started_at=at(0), detected_at=at(7), acknowledged_at=at(10),
               identified_at=at(42), mitigated_at=at(65), recovered_at=at(95),
               resolved_at=T0 + timedelta(days=3))


def test_registry_order_and_definitions() -> None:
    assert [m.key for m in metrics.METRICS] == [
        "time_to_detect", "time_to_acknowledge", "time_to_identify", "time_to_repair",
        "time_to_respond", "time_to_recover", "time_to_resolve"]
    rec = metrics.METRICS_BY_KEY["time_to_recover"]
    assert rec.definition == "time to recover = recovered_at − started_at"
    assert metrics.METRICS_BY_KEY["time_to_respond"].definition == (
        "time to respond = mitigated_at − detected_at")


def test_each_metric_hand_computed() -> None:
    d = metrics.durations(FULL)
    assert {k: v.value for k, v in d.items()} == {
        "time_to_detect": mins(7),            # 14:07 - 14:00
        "time_to_acknowledge": mins(3),       # 14:10 - 14:07
        "time_to_identify": mins(42),         # 14:42 - 14:00
        "time_to_repair": mins(65),           # 15:05 - 14:00
        "time_to_respond": mins(58),          # 15:05 - 14:07
        "time_to_recover": mins(95),          # 15:35 - 14:00
        "time_to_resolve": timedelta(days=3),
    }
    assert all(v.reason is None and v.known for v in d.values())


def test_any_object_with_the_attributes_works_and_zones_are_respected() -> None:
    @dataclass
    class Row:
        started_at: datetime | None
        detected_at: datetime | None
        acknowledged_at: datetime | None = None
        identified_at: datetime | None = None
        mitigated_at: datetime | None = None
        recovered_at: datetime | None = None
        resolved_at: datetime | None = None

    # 16:10 at UTC+2 is 14:10 UTC: ten minutes after a 14:00 UTC start.
    plus2 = timezone(timedelta(hours=2))
    row = Row(started_at=T0, detected_at=datetime(2024, 3, 5, 16, 10, tzinfo=plus2))
    assert metrics.duration(row, "time_to_detect").value == mins(10)


def test_missing_moment_is_unknown_with_reason() -> None:
    m = Moments(started_at=at(0), recovered_at=at(30))
    d = metrics.durations(m)
    assert d["time_to_detect"] == Duration(None, "detected_at missing", ("detected_at",))
    assert d["time_to_respond"].reason == "detected_at and mitigated_at missing"
    assert d["time_to_respond"].missing == ("detected_at", "mitigated_at")
    assert not d["time_to_respond"].inconsistent
    assert d["time_to_recover"].value == mins(30)
    empty = metrics.durations(Moments())
    assert empty["time_to_recover"].reason == "started_at and recovered_at missing"


def test_negative_interval_is_inconsistent_not_clamped() -> None:
    m = Moments(started_at=at(60), recovered_at=at(55))
    d = metrics.duration(m, "time_to_recover")
    assert d.value is None and d.inconsistent and not d.missing
    assert d.reason == "inconsistent: recovered_at is 5 min before started_at"


def test_equal_moments_give_zero_not_inconsistent() -> None:
    d = metrics.duration(Moments(started_at=at(0), detected_at=at(0)), "time_to_detect")
    assert d.value == timedelta(0) and not d.inconsistent


def test_naive_datetime_is_not_guessed() -> None:
    m = Moments(started_at=datetime(2024, 3, 5, 14, 0), detected_at=at(5))
    d = metrics.duration(m, "time_to_detect")
    assert d.value is None and d.reason == "started_at without time zone"


def test_time_between_failures_and_time_to_fail_across_three_incidents() -> None:
    a = Moments(started_at=at(0), recovered_at=at(30))
    b = Moments(started_at=at(240), recovered_at=at(300))          # 4 h after a
    c = Moments(started_at=T0 + timedelta(days=2), recovered_at=None)
    tbf = metrics.time_between_failures([a, b, c])
    assert [d.value for d in tbf] == [mins(240), timedelta(days=2) - mins(240)]
    ttf = metrics.time_to_fail([a, b, c])
    # b.started - a.recovered = 240 - 30; c.started - b.recovered = 2 d - 300 min
    assert [d.value for d in ttf] == [mins(210), timedelta(days=2) - mins(300)]
    assert metrics.time_to_fail([b, c, a])[1].reason == "previous recovered_at missing"
    assert metrics.time_between_failures([a]) == []


def test_unsorted_or_overlapping_incidents_are_flagged() -> None:
    a = Moments(started_at=at(0), recovered_at=at(100))
    b = Moments(started_at=at(60), recovered_at=at(120))  # starts while a is unrecovered
    assert metrics.time_to_fail([a, b])[0].inconsistent
    assert metrics.time_between_failures([b, a])[0].inconsistent


@pytest.mark.parametrize(("actual", "objective", "expected"), [
    (30, 60, "met"), (60, 60, "met"), (61, 60, "missed"), (0, 0, "met"),
    (None, 60, "unknown"), (30, None, "unknown"),
])
def test_objective_check(actual: float | None, objective: float | None, expected: str) -> None:
    assert metrics.objective_check(actual, objective) == expected


def test_objective_check_refuses_negative() -> None:
    with pytest.raises(ValueError):
        metrics.objective_check(-1, 60)


@pytest.mark.parametrize(("td", "band"), [
    (timedelta(0), "elite"),
    (timedelta(minutes=59, seconds=59), "elite"),
    (timedelta(hours=1), "high"),
    (timedelta(hours=23, minutes=59), "high"),
    (timedelta(days=1), "medium"),
    (timedelta(days=6, hours=23), "medium"),
    (timedelta(weeks=1), "low"),
    (timedelta(days=40), "low"),
    (None, None),
])
def test_dora_band_boundaries(td: timedelta | None, band: str | None) -> None:
    assert metrics.dora_band(td) == band


def test_dora_band_of_duration_objects() -> None:
    assert metrics.dora_band(Duration(timedelta(hours=2))) == "high"
    assert metrics.dora_band(Duration(None, "recovered_at missing")) is None
    with pytest.raises(ValueError):
        metrics.dora_band(timedelta(seconds=-1))


def test_median_and_p90_linear_on_one_to_ten() -> None:
    s = metrics.summarize([mins(i) for i in range(10, 0, -1)])  # order must not matter
    assert s.n == 10 and s.missing_n == 0
    assert s.median == s.p50 == mins(5.5)
    # rank h = 9 * 0.9 = 8.1 -> 9 + 0.1 * (10 - 9)
    assert s.p90 == mins(9.1)
    assert (s.min, s.max) == (mins(1), mins(10))


def test_summarize_small_sets_and_missing() -> None:
    s = metrics.summarize([mins(4), None, mins(1), Duration(None, "x missing"), mins(2)])
    # sorted 1, 2, 4: median rank 1 -> 2; p90 rank 1.8 -> 2 + 0.8 * 2 = 3.6
    assert (s.n, s.median, s.p90, s.missing_n) == (3, mins(2), mins(3.6), 2)
    one = metrics.summarize([mins(7)])
    assert (one.median, one.p90, one.min, one.max) == (mins(7),) * 4
    none = metrics.summarize([None])
    assert (none.n, none.median, none.p90, none.missing_n) == (0, None, None, 1)


def test_no_mean_is_exposed() -> None:
    s = metrics.summarize([mins(1), mins(100)])
    assert not any("mean" in name or "average" in name for name in dir(s))


def test_histogram_edges_belong_to_the_upper_bar() -> None:
    values = [mins(0), mins(4.9), mins(5), mins(14), mins(15), mins(30), mins(60),
              timedelta(hours=4), timedelta(hours=23), timedelta(days=1),
              timedelta(weeks=1), timedelta(days=30)]
    bars = metrics.histogram(values)
    assert [(b.label, b.count) for b in bars] == [
        ("< 5 min", 2), ("5–15 min", 2), ("15–30 min", 1), ("30–60 min", 1),
        ("1–4 h", 1), ("4–24 h", 2), ("1–7 d", 1), ("> 7 d", 2)]
    assert sum(b.count for b in bars) == len(values)


def test_summarize_metric_lists_left_out_and_counts_bands() -> None:
    recover = [5, 30, 90, 600, 1440, 3000]  # minutes
    incidents = [Moments(started_at=at(0), recovered_at=at(r)) for r in recover]
    no_recovery = Moments(started_at=at(0))
    backwards = Moments(started_at=at(10), recovered_at=at(0))
    ms = metrics.summarize_metric([*incidents, no_recovery, backwards], "time_to_recover")
    assert ms.n == 6 and ms.summary.missing_n == 2
    # sorted 5, 30, 90, 600, 1440, 3000: median rank 2.5 -> (90 + 600) / 2 = 345
    assert ms.median == mins(345)
    # p90 rank 4.5 -> (1440 + 3000) / 2 = 2220
    assert ms.p90 == mins(2220)
    assert [(x.incident, x.reason) for x in ms.left_out] == [
        (no_recovery, "recovered_at missing"),
        (backwards, "inconsistent: recovered_at is 10 min before started_at")]
    assert ms.dora == {"elite": 2, "high": 2, "medium": 2, "low": 0}
    assert [b.count for b in ms.histogram] == [0, 1, 0, 1, 1, 1, 2, 0]
    assert ms.small_n and ms.warning is not None and "6" in ms.warning


def test_summarize_metric_without_small_n_warning_and_no_dora_for_others() -> None:
    incidents = [Moments(started_at=at(0), detected_at=at(i)) for i in range(1, 11)]
    ms = metrics.summarize_metric(incidents, "time_to_detect")
    assert ms.n == 10 and not ms.small_n and ms.warning is None
    assert ms.dora is None and ms.left_out == ()
    assert (ms.median, ms.p90) == (mins(5.5), mins(9.1))


def test_summarize_metric_of_nothing() -> None:
    ms = metrics.summarize_metric([], "time_to_recover")
    assert ms.n == 0 and ms.median is None and ms.small_n
    assert ms.dora == {"elite": 0, "high": 0, "medium": 0, "low": 0}


@pytest.mark.parametrize(("td", "text"), [
    (timedelta(seconds=45), "45 s"),
    (timedelta(0), "0 s"),
    (timedelta(minutes=12, seconds=59), "12 min"),
    (timedelta(hours=1, minutes=5), "1 h 05 min"),
    (timedelta(hours=23, minutes=59), "23 h 59 min"),
    (timedelta(days=2, hours=3, minutes=40), "2 d 3 h"),
    (timedelta(minutes=-5), "−5 min"),
])
def test_format_duration(td: timedelta, text: str) -> None:
    assert metrics.format_duration(td) == text


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        metrics.percentile([], 0.5)
    with pytest.raises(ValueError):
        metrics.percentile([mins(1)], 1.5)
    assert metrics.percentile([mins(1), mins(3)], 0.25) == mins(1.5)
