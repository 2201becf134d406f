"""Pure parts: tracker URLs, SLA days, metrics, quality hints."""

from datetime import date
from types import SimpleNamespace

import pytest

from app.actions import metrics, quality, sla, trackers


@pytest.mark.parametrize("url, tracker, label, key", [
    ("https://acme.atlassian.net/browse/ABC-12", "jira", "ABC-12", "jira:ABC-12"),
    ("https://jira.example.org/jira/browse/ops-7", "jira", "OPS-7", "jira:OPS-7"),
    ("https://github.com/Octo/Repo/issues/12", "github", "Octo/Repo#12", "github:octo/repo#12"),
    ("https://linear.app/acme/issue/ENG-12/fix-the-thing", "linear", "ENG-12", "linear:ENG-12"),
    ("https://acme.service-now.com/nav_to.do?uri=incident.do%3Fsys_id%3D"
     "0123456789abcdef0123456789abcdef", "servicenow", "sys_id 01234567…",
     "servicenow:0123456789abcdef0123456789abcdef"),
    ("https://acme.service-now.com/nav_to.do?uri=incident.do%3Fsysparm_query%3Dnumber%3D"
     "INC0012", "servicenow", "INC0012", "servicenow:INC0012"),
])
def test_recognised_trackers(url, tracker, label, key):
    ref = trackers.recognise(url)
    assert ref == trackers.TrackerRef(tracker, label, key)


@pytest.mark.parametrize("url", [
    "https://github.com/o/r/pull/3", "https://example.com/wiki/page", "javascript:alert(1)",
    "not a url", "https://linear.app/acme/project/x", "ftp://acme.atlassian.net/browse/A-1"])
def test_other_links_have_no_key(url):
    assert trackers.recognise(url) is None


def test_webhook_keys_match_url_keys():
    assert trackers.github_key("Octo/Repo", 12) == trackers.recognise(
        "https://github.com/octo/repo/issues/12").key
    assert trackers.jira_key("abc-12") == "jira:ABC-12"


def test_sla_days_and_default_due():
    days = sla.parse_days("15, 30,60,90")
    assert days == (15, 30, 60, 90)
    assert sla.default_due(1, date(2025, 1, 1), days) == date(2025, 1, 16)
    assert sla.default_due(None, date(2025, 1, 1), days) is None
    assert sla.beyond_sla(date(2025, 2, 1), 1, date(2025, 1, 1), days)
    assert not sla.beyond_sla(date(2025, 1, 16), 1, date(2025, 1, 1), days)
    for bad in ("15,30", "a,b,c,d", "0,1,2,3"):
        with pytest.raises(ValueError, match="DEBRIEF_ACTION_SLA_DAYS"):
            sla.parse_days(bad)


TODAY = date(2025, 6, 30)


def _r(status, created=date(2025, 6, 1), due=None, **kw):
    return metrics.ActionRecord(status=status, created=created, due=due, **kw)


def test_summary_figures():
    rows = [_r("done"), _r("done"), _r("wont_do"), _r("open", due=date(2025, 6, 20)),
            _r("in_progress", created=date(2025, 6, 20), due=date(2025, 6, 28)),
            _r("open", due=date(2025, 7, 20))]
    s = metrics.summarise("all", rows, TODAY)
    assert (s.total, s.done, s.declined, s.open) == (6, 2, 1, 3)
    assert s.completion_rate == pytest.approx(2 / 5)
    assert s.median_open_age_days == 29.0  # ages 29, 10, 29
    assert s.overdue == 2 and s.median_days_overdue == 6.0  # 10 and 2 days late
    assert not s.small


def test_empty_and_small_groups():
    s = metrics.summarise("none", [], TODAY)
    assert s.completion_rate is None and s.median_open_age_days is None and s.small


def test_grouping_by_team_service_severity():
    rows = [_r("done", team="core", services=("api", "db"), severity=1),
            _r("open", services=("api",), severity=2), _r("open")]
    assert [(g.key, g.total) for g in metrics.by_team(rows, TODAY)] == [
        ("core", 1), ("no team", 2)]
    assert [(g.key, g.total) for g in metrics.by_service(rows, TODAY)] == [
        ("api", 2), ("db", 1), ("no service", 1)]
    assert [g.key for g in metrics.by_severity(rows, TODAY, ["P1", "P2", "P3", "P4"])] == [
        "P1", "P2", "no incident"]


def test_recurrence_rates():
    rows = [_r("done", type="prevent", category="detection", recurred=True),
            _r("done", type="prevent", category="detection", recurred=False),
            _r("done", type="detect", category="process", recurred=False),
            _r("open", type="detect", category="process", recurred=None)]
    by_type = {r.key: r for r in metrics.recurrence(rows, lambda r: r.type)}
    assert by_type["prevent"].rate == 0.5 and by_type["detect"].total == 1
    assert by_type["prevent"].small


@pytest.mark.parametrize("title, hinted", [
    ("Be more careful when deploying", True), ("Make sure to check the dashboard", True),
    ("Remember to rotate keys", True), ("Double-check the config", True),
    ("Add a canary stage to the deploy pipeline", False)])
def test_vigilance_hint(title, hinted):
    action = SimpleNamespace(title=title, owner_id=1, due_date=date(2025, 1, 1))
    assert bool(quality.hints(action)) is hinted


def test_vigilance_fallback_without_the_reviews_checker(monkeypatch):
    import sys

    import app.reviews

    monkeypatch.setitem(sys.modules, "app.reviews.blameless", None)  # import -> ImportError
    monkeypatch.delattr(app.reviews, "blameless", raising=False)
    assert quality.vigilance("Pay more attention to alerts")
    assert quality.vigilance("be careful with the migration")
    assert not quality.vigilance("Alert on replication lag above 30 s")


def test_missing_owner_and_due_hints():
    action = SimpleNamespace(title="Add an alert", owner_id=None, due_date=None)
    assert quality.hints(action) == ["no owner", "no due date"]
