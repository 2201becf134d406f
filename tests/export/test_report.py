"""The period report and metrics dashboard: honest figures, charts, links, visibility."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.export import render, report
from app.export.charts import report_charts
from app.incidents.service import set_moment
from app.models import Provenance, Service

from .conftest import pdf_text

DAY = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
RANGE = "from=2025-01-01&to=2025-01-31"


@pytest.fixture()
def period(db, make_user, make_incident):
    """Ten incidents recovered in 10..100 min, two without a recovery, one restricted."""
    member = make_user("editor", timezone="UTC")
    db.add(Service(name="api", rto_minutes=60))
    db.commit()
    made = []
    for n in range(10):
        inc = make_incident(title=f"Recovered {n}", severity=1 + n % 4, services=["api"],
                            started_at=DAY + timedelta(days=n), users_affected=100 * n,
                            downtime_minutes=10 * (n + 1))
        set_moment(db, None, inc, "recovered_at", inc.started_at + timedelta(minutes=10 * (n + 1)),
                   Provenance.IMPORTED)
        made.append(inc)
    missing = [make_incident(title=f"No recovery {n}", started_at=DAY + timedelta(hours=n))
               for n in range(2)]
    secret = make_incident(title="Credential leak", type="security", actor=member,
                           started_at=DAY, users_affected=999999)
    set_moment(db, member, secret, "recovered_at", DAY + timedelta(days=3))
    outside = make_incident(title="Outside the range", started_at=DAY + timedelta(days=60))
    db.commit()
    return {"recovered": made, "missing": missing, "secret": secret, "member": member,
            "outside": outside}


def _metric(data, key):
    return next(m for m in data["metrics"] if m["key"] == key)


def test_distribution_excludes_and_lists_missing_moments(db, period, make_user):
    viewer = make_user("viewer")
    q = report.parse_query({"from": "2025-01-01", "to": "2025-01-31"}, date(2025, 2, 1))
    data = report.build(db, viewer, q, date(2025, 2, 1))
    assert data["n"] == 12  # restricted and out-of-range incidents are not counted
    rec = _metric(data, "time_to_recover")
    assert rec["n"] == 10 and not rec["small_n"]
    assert rec["median"] == 55 * 60 and rec["p90"] == 91 * 60  # linear between ranks
    assert rec["median_text"] == "55 min" and rec["p90_text"] == "1 h 31 min"
    assert sorted(x["ref"] for x in rec["missing"]) == sorted(i.ref for i in period["missing"])
    assert all(x["reason"] == "recovered_at missing" for x in rec["missing"])
    assert sum(b["count"] for b in rec["histogram"]) == 10
    detect = _metric(data, "time_to_detect")
    assert detect["n"] == 0 and detect["median"] is None and len(detect["missing"]) == 12
    assert data["dora"]["band"] == "elite"  # median 55 min < 1 h
    counts = {b["band"]: b["count"] for b in data["dora"]["counts"]}
    assert counts == {"elite": 5, "high": 5, "medium": 0, "low": 0}
    assert "Credential leak" not in str(data["incidents"])


@pytest.mark.parametrize(("minutes", "band"), [
    (59, "elite"), (60, "high"), (24 * 60 - 1, "high"), (24 * 60, "medium"),
    (7 * 24 * 60 - 1, "medium"), (7 * 24 * 60, "low")])
def test_dora_band_boundaries(db, make_incident, make_user, minutes, band):
    inc = make_incident(started_at=DAY)
    set_moment(db, None, inc, "recovered_at", DAY + timedelta(minutes=minutes))
    db.commit()
    q = report.ReportQuery(date(2025, 1, 1), date(2025, 1, 31))
    data = report.build(db, make_user("admin"), q, date(2025, 2, 1))
    assert data["dora"]["band"] == band
    assert data["sets"][f"band:{band}"] == [inc.id]


def test_histogram_buckets_follow_the_metrics_library():
    assert report.bucket_of(3599) == 3 and report.bucket_of(3600) == 4
    assert report.bucket_of(0) == 0 and report.bucket_of(30 * 86400) == 7


def test_restricted_incidents_marked_for_members_only(client, login, period, make_user):
    login(make_user("viewer"))
    page = client.get(f"/reports?{RANGE}").get_data(as_text=True)
    assert "Credential leak" not in page and "restricted" not in page.lower().replace(
        "restricted incidents invisible", "")
    login(period["member"])
    page = client.get(f"/reports?{RANGE}").get_data(as_text=True)
    assert "Credential leak" in page  # top by users affected
    assert "restricted" in page and "13</a> incidents" in page


def test_dashboard_numbers_link_to_their_incidents(client, login, period, make_user):
    login(make_user("viewer"))
    page = client.get(f"/reports?{RANGE}&severity=").get_data(as_text=True)
    assert "Time to recover" in page and "recovered_at − started_at" in page
    assert "small n" in page  # time to detect has n = 0
    links = re.findall(r'href="(/reports/incidents\?[^"]+)"', page)
    missing = next(html.unescape(u) for u in links if "missing:time_to_recover" in u)
    listed = client.get(missing).get_data(as_text=True)
    assert "No recovery 0" in listed and "No recovery 1" in listed
    assert "Recovered 3" not in listed
    sev1 = next(html.unescape(u) for u in links if "pick=severity:1" in u)
    listed = client.get(sev1).get_data(as_text=True)
    assert "Recovered 0" in listed and "Recovered 4" in listed and "Recovered 1" not in listed



# Figures that count incidents: the list behind the link has exactly that many.
COUNTS_INCIDENTS = ("all", "restricted", "type", "severity", "service", "metric", "missing",
                    "hist", "band", "id")


def test_every_number_opens_exactly_the_incidents_it_counts(client, login, period, make_user):
    login(period["member"])  # sees the restricted incident too
    page = client.get(f"/reports?{RANGE}").get_data(as_text=True)
    links = re.findall(r'<a href="(/reports/incidents\?[^"]+)">([^<]+)</a>', page)
    assert len(links) > 30
    for url, shown in links:
        url = html.unescape(url)
        resp = client.get(url)
        assert resp.status_code == 200, url
        listed = int(re.search(r"\((\d+)\)</span></h1>", resp.get_data(as_text=True))[1])
        pick = re.search(r"pick=([^&]+)", url)[1].replace("%3A", ":")
        if pick.split(":")[0] in COUNTS_INCIDENTS and shown.replace(",", "").isdigit() \
                and not pick.startswith("id:"):
            assert listed == int(shown), (url, shown, listed)
        else:  # actions, factors, answers, durations: at least one incident behind them
            assert listed >= 1, url
    resp = client.get(f"/reports/incidents?{RANGE}&pick=nonsense:1")
    assert resp.status_code == 400 and "pick" in resp.get_data(as_text=True)


SVG = re.compile(r"<svg\b.*?</svg>", re.S)


# One backend is enough to render: the figures themselves are checked on both above.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_same_svg_charts_in_the_page_and_the_pdf(app, db, client, login, period, make_user,
                                                     tmp_path):
    viewer = make_user("viewer", timezone="UTC")
    login(viewer)
    page = client.get(f"/reports?{RANGE}").get_data(as_text=True)
    assert page.count("<svg") >= 2 and 'aria-label="Histogram of time to recover' in page
    assert " style=" not in page and "<style" not in page  # the CSP forbids inline styles
    q = report.parse_query({"from": "2025-01-01", "to": "2025-01-31"}, date(2025, 2, 1))
    with app.test_request_context():
        printed = render.report_html(db, viewer, q, "UTC")
    assert SVG.findall(printed) == SVG.findall(page)  # byte for byte the same charts
    pdf = client.get(f"/reports/export.pdf?{RANGE}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data, tmp_path)
    # The SVG's text is drawn as text by WeasyPrint: the chart is there, not a blank box.
    assert "Incidents by type and severity (n = 12)" in text
    assert "Time to recover (n = 10)" in text
    assert period["missing"][0].ref in text and "55 min" in text
    assert "Credential leak" not in text  # the viewer is not a member


def test_charts_are_deterministic(db, period, make_user):
    q = report.ReportQuery(date(2025, 1, 1), date(2025, 1, 31))
    viewer = make_user("viewer")
    one = report_charts(report.build(db, viewer, q, date(2025, 2, 1)))
    two = report_charts(report.build(db, viewer, q, date(2025, 2, 1)))
    assert one == two and "Date" not in one["types"]


@pytest.mark.parametrize(("args", "field"), [
    ("from=2025-13-01", "from"), ("to=yesterday", "to"), ("severity=7", "severity"),
    ("from=2025-02-01&to=2025-01-01", "from")])
def test_bad_report_arguments_are_400_naming_the_field(client, login, make_user, args, field):
    login(make_user("viewer"))
    for url in ("/reports", "/reports/export.pdf", "/reports/incidents"):
        resp = client.get(f"{url}?{args}")
        assert resp.status_code == 400 and field in resp.get_data(as_text=True), url


def test_team_and_service_filters(db, client, login, period, make_user):
    from app.models import Team

    team = Team(name="Payments")
    db.add(team)
    db.flush()
    svc = db.query(Service).filter_by(name="api").one()
    svc.team_id = team.id
    db.commit()
    q = report.ReportQuery(date(2025, 1, 1), date(2025, 1, 31), team="Payments")
    assert report.build(db, make_user("viewer"), q, date(2025, 2, 1))["n"] == 10
    q = report.ReportQuery(date(2025, 1, 1), date(2025, 1, 31), service="nope")
    assert report.build(db, make_user("viewer"), q, date(2025, 2, 1))["n"] == 0
