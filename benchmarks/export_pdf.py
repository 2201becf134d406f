"""PDF export speed and memory: Debrief's export against WeasyPrint alone on the same HTML.

Two documents: a review with 500 timeline events (all shown) and long sections (~30
pages), and a period report over 1,000 incidents. Each measurement runs in a fresh
process (peak RSS is per process): "ours" loads the data, builds the HTML (Jinja, charts)
and renders it; "weasyprint" renders the HTML that "ours" produced, nothing else. Both
processes import the same modules and warm WeasyPrint up on a one-line page first, so
the difference is the export's own work. Also times the whole web request for the large
review (login excluded), for the request-timeout question.

    .venv/bin/python benchmarks/export_pdf.py [--repeat 3] [--events 500] [--incidents 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WORDS = ("the replica fell behind while the pool kept retrying and the dashboard showed "
         "green because the alert watched the primary only so the on-call engineer saw "
         "latency first then errors then a queue that grew until the consumer was "
         "restarted and the backlog drained over twenty minutes").split()
T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
REPORT_RANGE = (date(2024, 1, 1), date(2024, 12, 31))


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _app(url: str, instance: str):
    from app import create_app

    return create_app({"DEBRIEF_DATABASE_URL": url, "SECRET_KEY": "bench",
                       "INSTANCE_PATH": instance, "TESTING": True})


def build(url: str, instance: str, events: int, incidents: int) -> dict[str, int]:
    """Migrate a fresh database and fill it: one long review, `incidents` for the report."""
    from app import migrate
    from app.actions.service import ActionData, create_action
    from app.auth.service import create_user
    from app.db import database
    from app.incidents.service import IncidentData, create_incident, set_moment
    from app.models import Provenance, Service
    from app.reviews.factors import add_factor
    from app.reviews.service import save_section, section, start_review
    from app.reviews.templates import load_template
    from app.timeline.service import add_event

    migrate.upgrade(url)
    app = _app(url, instance)
    db = database(app).sessionmaker()
    rng = random.Random(9)
    owner = create_user(db, "bench@example.com", "correct horse battery", role="admin",
                        display_name="Bench Owner")
    services = [Service(name=f"svc-{n}", rto_minutes=rng.choice((30, 60, 240)))
                for n in range(12)]
    db.add_all(services)
    db.flush()
    inc = create_incident(db, owner, IncidentData(
        title="Payments degraded across regions", type="outage", severity=1,
        started_at=T0, services=["svc-0", "svc-1"], summary=_text(rng, 120),
        users_affected=48000, downtime_minutes=185))
    for name, minutes in (("detected_at", 7), ("acknowledged_at", 11), ("mitigated_at", 150),
                          ("recovered_at", 185)):
        set_moment(db, owner, inc, name, T0 + timedelta(minutes=minutes), Provenance.IMPORTED)
    for n in range(events):
        add_event(db, owner, inc, T0 + timedelta(seconds=20 * n), _text(rng, rng.randint(4, 18)),
                  author_name=f"Responder {n % 12}")
    review, _ = start_review(db, owner, inc, load_template(
        REPO / "review_templates" / "standard.toml"), owner_id=owner.id)
    for key in ("detection", "response_recovery", "went_well", "went_wrong", "lucky",
                "messaging"):
        body = "\n\n".join(_text(rng, 90) for _ in range(6))
        save_section(db, owner, review, key, body, section(review, key).version)
    for _ in range(12):
        f = add_factor(db, owner, review, rng.choice(("detection", "process", "recovery")),
                       _text(rng, 12))
        create_action(db, owner, ActionData(title=_text(rng, 8)[:120], incident_id=inc.id,
                                            review_id=review.id, factor_id=f.id,
                                            owner_id=owner.id, due_date=date(2025, 4, 1)))
    start = datetime.combine(REPORT_RANGE[0], datetime.min.time(), UTC)
    for n in range(incidents):
        began = start + timedelta(minutes=rng.randint(0, 365 * 24 * 60 - 1))
        i = create_incident(db, owner, IncidentData(
            title=_text(rng, 6)[:100], type=rng.choice(("outage", "degradation", "near-miss")),
            severity=rng.randint(1, 4), started_at=began,
            services=[rng.choice(services).name], users_affected=rng.randint(0, 90000),
            downtime_minutes=rng.randint(0, 600)))
        at = began
        for name in ("detected_at", "acknowledged_at", "mitigated_at", "recovered_at"):
            if rng.random() < 0.93:  # some moments stay missing, as in real data
                at = at + timedelta(minutes=rng.lognormvariate(3, 1.2))
                set_moment(db, owner, i, name, at, Provenance.IMPORTED)
        if n % 4 == 0:
            create_action(db, owner, ActionData(title=_text(rng, 6)[:100], incident_id=i.id,
                                                due_date=date(2025, 1, 1)))
    db.commit()
    ids = {"incident": inc.id}
    db.close()
    return ids


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS, so
    # the peak below is the measured work's, not that of imports or app start-up.
    Path("/proc/self/clear_refs").write_text("5")


def child(kind: str, url: str, instance: str, work: Path, incident_id: int) -> dict[str, float]:
    """One measurement in this (fresh) process; prints its figures as JSON."""
    from weasyprint import HTML

    from app.db import database
    from app.export import pdf, render, report
    from app.models import Incident

    app = _app(url, instance)
    HTML(string="<p>warm up</p>").write_pdf()  # fonts and Pango loaded in both variants
    with app.test_request_context():
        db = database(app).sessionmaker()
        _reset_peak()
        base = _status_mib("VmRSS")
        began, cpu = time.perf_counter(), time.process_time()
        if kind.startswith("ours"):
            if kind == "ours-review":
                html = render.review_html(db, report.OPERATOR, db.get(Incident, incident_id),
                                          "UTC", timeline="all")
            else:
                html = render.report_html(db, report.OPERATOR,
                                          report.ReportQuery(*REPORT_RANGE), "UTC")
            out = render.to_pdf(html)
            (work / f"{kind.split('-')[1]}.html").write_text(html, encoding="utf-8")
        else:  # WeasyPrint alone, on the HTML "ours" wrote, through the same stylesheet
            html = (work / f"{kind.split('-')[1]}.html").read_text(encoding="utf-8")
            out = HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.SafeFetcher(
                app.static_folder, 512 * 1024)).write_pdf()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak = _status_mib("VmHWM")
    (work / f"{kind}.pdf").write_bytes(out)
    return {"seconds": seconds, "cpu": cpu, "peak_mib": peak, "grew_mib": peak - base}


def web_request(url: str, instance: str, incident_id: int) -> tuple[float, float]:
    """Wall and CPU seconds for GET /incidents/ID/export.pdf?timeline=all through the whole app."""
    app = _app(url, instance)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": "bench@example.com",
                                "password": "correct horse battery", "csrf_token": token})
    began, cpu = time.perf_counter(), time.process_time()
    resp = client.get(f"/incidents/{incident_id}/export.pdf?timeline=all")
    assert resp.status_code == 200, resp.status_code
    return time.perf_counter() - began, time.process_time() - cpu


def _pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(next(x.split()[-1] for x in out.splitlines() if x.startswith("Pages:")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--incident", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url, args.instance, Path(args.work),
                               args.incident)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.sqlite3'}"
        began = time.perf_counter()
        ids = build(url, str(work), args.events, args.incidents)
        print(f"data: 1 review with {args.events} events, {args.incidents} incidents "
              f"({time.perf_counter() - began:.0f} s to build)")
        results: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.repeat):
            for kind in ("ours-review", "weasyprint-review", "ours-report", "weasyprint-report"):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", kind, "--url", url, "--instance",
                     str(work), "--work", str(work), "--incident", str(ids["incident"])],
                    capture_output=True, text=True, check=True)
                results.setdefault(kind, []).append(json.loads(out.stdout.splitlines()[-1]))
        print(f"{'document':<8} {'pages':>5} {'ours wall/cpu s':>15} {'alone wall/cpu s':>16} "
              f"{'cpu ratio':>9} {'ours +MiB':>9} {'alone +MiB':>10} {'ratio':>6}")
        for doc in ("review", "report"):
            ours, alone = results[f"ours-{doc}"], results[f"weasyprint-{doc}"]

            def med(rows: list[dict[str, float]], key: str) -> float:
                return statistics.median(r[key] for r in rows)

            print(f"{doc:<8} {_pages(work / f'ours-{doc}.pdf'):>5} "
                  f"{med(ours, 'seconds'):>7.2f}/{med(ours, 'cpu'):<7.2f} "
                  f"{med(alone, 'seconds'):>8.2f}/{med(alone, 'cpu'):<7.2f} "
                  f"{med(ours, 'cpu') / med(alone, 'cpu'):>9.2f} {med(ours, 'grew_mib'):>9.0f} "
                  f"{med(alone, 'grew_mib'):>10.0f} "
                  f"{med(ours, 'grew_mib') / max(med(alone, 'grew_mib'), 1):>6.2f}")
        print(f"(median of {args.repeat}; +MiB = peak RSS during the work above the RSS "
              "before it, in a fresh process each)")
        wall, cpu = web_request(url, str(work), ids["incident"])
        print(f"web request, review PDF with every event: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
