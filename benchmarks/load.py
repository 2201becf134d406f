"""Benchmark: Debrief under gunicorn (4 sync workers) against a bare Flask hello-world.

    .venv/bin/python benchmarks/load.py --db sqlite   [--duration 60] [--connections 32]
    .venv/bin/python benchmarks/load.py --db postgres [--duration 60] [--profile]
    .venv/bin/python benchmarks/load.py --url postgresql+psycopg://user@host/emptydb

Loads 10k incidents (one with 500 events) with Core executemany inserts into a fresh
database: SQLite in WAL mode with a busy timeout (the app's own engine settings), or a
throwaway PostgreSQL cluster started like the test suite's (tests/pg.py), or the empty
database named by --url. Then drives 127.0.0.1 only: hello-world alone (the yardstick,
same gunicorn settings), the 500-event incident page alone, then the mix (incident list,
incident page, search, timeline appends with CSRF through logged-in sessions). The load
generator (load_client.py) runs in separate processes. Prints req/s, p50/p95/p99 and
errors per request kind, the ratio incident-page / hello-world throughput and the targets.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from load_client import EMAIL, PASSWORD, WORDS, Client, drive  # noqa: E402


# --------------------------------------------------------------------------- data
def load_data(url: str, incidents: int, big_events: int) -> dict[str, int]:
    """Bulk-insert users, services, incidents and events; return the ids the load needs."""
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from app.auth import service as users
    from app.db import Database
    from app.models import Incident, Service, TimelineEvent, incident_service

    rng = random.Random(42)
    db = Database(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(db.engine) as s:
        users.create_user(s, EMAIL, PASSWORD, role="editor", display_name="Load Tester")
        s.commit()
        s.execute(insert(Service.__table__), [
            {"name": f"{w}-service", "description": f"The {w} service"} for w in WORDS])
        service_ids = list(s.scalars(select(Service.id)))
        rows = []
        for n in range(incidents):
            start = now - timedelta(minutes=53 * (incidents - n))
            a, b = rng.sample(WORDS, 2)
            rows.append({
                "title": f"{a.title()} {b} incident #{n}", "type": rng.choice(
                    ["outage", "degradation", "security", "user-issue", "near-miss"]),
                "severity": rng.randint(1, 4), "status": rng.choice(
                    ["resolved", "closed", "closed", "monitoring", "investigating"]),
                "summary": f"{a} failure caused elevated {b} errors. " * 8,
                "impact_description": f"Customers saw {b} errors for {rng.randint(3, 300)} min.",
                "users_affected": rng.randint(0, 50_000), "downtime_minutes": rng.randint(0, 300),
                # Restricted ones stay out of the append range, which a plain editor writes to.
                "restricted": n % 50 == 0 and n < incidents - 200, "started_at": start,
                "detected_at": start + timedelta(minutes=4),
                "resolved_at": start + timedelta(minutes=rng.randint(20, 400)),
                "created_at": start, "updated_at": start})
        s.execute(insert(Incident.__table__), rows)
        ids = list(s.scalars(select(Incident.id).order_by(Incident.id)))
        s.execute(insert(incident_service), [
            {"incident_id": i, "service_id": rng.choice(service_ids)} for i in ids])
        big = ids[-1]
        events = []
        for i in ids:
            count = big_events if i == big else 3
            for k in range(count):
                events.append({
                    "incident_id": i, "occurred_at": now - timedelta(days=1, minutes=-k),
                    "author_name": rng.choice(["alice", "bob", "carol"]),
                    "text": f"{rng.choice(WORDS)} check {k}: p99 up, rolling back " * 2,
                    "text_original": "", "kind": "other", "source": "slack",
                    "source_id": f"{i}-{k}", "event_type": "message", "channel": "#inc",
                    "raw": {"ts": str(k)}})
            if len(events) > 5000:
                s.execute(insert(TimelineEvent.__table__), events)
                events = []
        if events:
            s.execute(insert(TimelineEvent.__table__), events)
        s.commit()
    db.engine.dispose()
    return {"big": big, "append_lo": ids[-101], "append_hi": ids[-2]}


def reindex(url: str) -> str:
    """Build the search index through the app's own service, if it has one."""
    from app import create_app
    from app.db import database, session

    app = create_app({"DEBRIEF_DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp()})
    try:
        from app.search import service
    except ImportError:
        return "no search module"
    with app.app_context():
        count = service.reindex(session())
        session().commit()
    database(app).engine.dispose()
    return f"{count} incidents indexed"


# --------------------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app: str, port: int, workers: int, env: dict[str, str], chdir: Path, log: Path):
    """Start gunicorn with sync workers on 127.0.0.1 and wait until it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
                             "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/")
            c.getresponse().read()
            c.close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start on port {port}")


def workers_cpu(master: subprocess.Popen) -> float:
    """CPU seconds used so far by the gunicorn master's workers (Linux /proc).

    Unlike req/s, CPU per request barely depends on what else the machine runs.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        if int(fields[1]) == master.pid:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def report(title: str, stats: dict, cpu: float) -> None:
    total = sum(s["n"] for s in stats.values())
    print(f"\n{title}; server CPU {cpu * 1000 / max(total, 1):.1f} ms per request")
    print(f"  {'endpoint':<8} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6}")
    for name, s in stats.items():
        print(f"  {name:<8} {s['n']:>8} {s['rps']:>8.1f} {s['p50']:>8.1f} {s['p95']:>8.1f} "
              f"{s['p99']:>8.1f} {s['errors']:>6} {s['codes'] or ''}")


def profile_page(url: str, big: int, repeat: int = 20) -> None:
    """cProfile the 500-event incident page in-process (test client, logged in)."""
    import cProfile
    import pstats

    from app import create_app

    app = create_app({"DEBRIEF_DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(),
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    client.get(f"/incidents/{big}")
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(repeat):
        assert client.get(f"/incidents/{big}").status_code == 200
    prof.disable()
    print(f"\nprofile: incident page {(time.perf_counter() - t0) / repeat * 1000:.1f} ms "
          "per request in-process; top functions by cumulative time:")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def sqlite_settings(url: str) -> str:
    """The journal mode and busy timeout a connection of the app's own engine gets."""
    from app.db import Database

    db = Database(url)
    with db.engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    db.engine.dispose()
    return f"journal_mode={mode}, busy_timeout={timeout} ms"


def verdict(hello: dict, page: dict, mixed: dict) -> list[str]:
    """The issue's targets, each with its measured value."""
    ratio = page["page"]["rps"] / hello["hello"]["rps"]
    errors = sum(s["errors"] for s in (*hello.values(), *page.values(), *mixed.values()))
    worst = max(mixed, key=lambda k: mixed[k]["p95"])
    return [
        f"errors: {errors} (target 0) {'MET' if errors == 0 else 'MISSED'}",
        f"incident page / hello-world throughput: {ratio:.3f} (target >= 0.40) "
        f"{'MET' if ratio >= 0.40 else 'MISSED'}",
        f"p95 incident page alone {page['page']['p95']:.0f} ms; in the mix, worst kind "
        f"{worst} {mixed[worst]['p95']:.0f} ms (target < 100) "
        f"{'MET' if mixed[worst]['p95'] < 100 and page['page']['p95'] < 100 else 'MISSED'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--url", help="an existing EMPTY database to load into instead "
                        "(e.g. postgresql+psycopg://user@127.0.0.1/debrief_load)")
    parser.add_argument("--duration", type=float, default=60, help="mixed phase, seconds")
    parser.add_argument("--solo-duration", type=float, default=20,
                        help="hello-world and incident-page-only phases, seconds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="cap per connection, so a run is bounded in count too")
    parser.add_argument("--profile", action="store_true", help="cProfile the incident page")
    parser.add_argument("--profile-only", action="store_true",
                        help="load, cProfile the incident page in-process, and stop")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file

    from app import migrate

    tmp = Path(tempfile.mkdtemp(prefix="debrief-load-"))
    pg = None
    procs: list[subprocess.Popen] = []
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    try:
        if args.url:
            url = args.url
        elif args.db == "postgres":
            from tests.pg import PostgresServer, find_bindir

            bindir = find_bindir()
            if bindir is None:
                sys.exit("PostgreSQL binaries not found (apt-get install postgresql)")
            pg = PostgresServer(bindir)
            pg.start()
            url = pg.create_database("debrief_load")
            print(f"PostgreSQL {bindir.parent.name}: throwaway cluster on a unix socket "
                  "(fsync off, as in the test suite)")
        else:
            url = f"sqlite:///{tmp / 'load.sqlite3'}"
        migrate.upgrade(url)
        if url.startswith("sqlite"):
            print(f"SQLite: {sqlite_settings(url)}")
        t0 = time.perf_counter()
        ids = load_data(url, args.incidents, args.events)
        print(f"loaded {args.incidents} incidents, one with {args.events} events, in "
              f"{time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        print(f"search: {reindex(url)} in {time.perf_counter() - t0:.1f} s")
        if args.profile or args.profile_only:
            profile_page(url, ids["big"])
        if args.profile_only:
            return

        backend = "sqlite" if url.startswith("sqlite") else "postgresql"
        cfg = (f"gunicorn -w {args.workers} sync, {args.connections} connections, "
               f"{backend}, {args.incidents} incidents")
        hello_port, app_port = free_port(), free_port()
        procs.append(gunicorn("hello_app:app", hello_port, args.workers, {}, ROOT / "benchmarks",
                              tmp / "hello.log"))
        cpu = workers_cpu(procs[-1])
        hello = drive(hello_port, args.connections, args.procs, args.solo_duration,
                      [("hello", 1)], ids, args.max_requests)
        cpu = workers_cpu(procs[-1]) - cpu
        stop(procs.pop())
        report(f"hello-world alone ({args.solo_duration:.0f} s; {cfg})", hello, cpu)
        cpu_ms = {"hello": cpu * 1000 / max(hello["hello"]["n"], 1)}
        env = {"DEBRIEF_DATABASE_URL": url, "DEBRIEF_INSTANCE_PATH": str(tmp / "instance"),
               "DEBRIEF_SECRET_KEY": "load-benchmark"}
        procs.append(gunicorn("wsgi:app", app_port, args.workers, env, ROOT, tmp / "app.log"))
        has_search = Client(app_port).request("GET", "/search?q=x")[0] != 404
        cpu = workers_cpu(procs[-1])
        page = drive(app_port, args.connections, args.procs, args.solo_duration,
                     [("page", 1)], ids, args.max_requests)
        cpu = workers_cpu(procs[-1]) - cpu
        report(f"incident page with {args.events} events alone ({args.solo_duration:.0f} s)",
               page, cpu)
        cpu_ms["page"] = cpu * 1000 / max(page["page"]["n"], 1)
        mix = [("list", 3), ("page", 3), ("search", 2 if has_search else 0), ("append", 2)]
        cpu = workers_cpu(procs[-1])
        mixed = drive(app_port, args.connections, args.procs, args.duration,
                      [m for m in mix if m[1]], ids, args.max_requests)
        cpu = workers_cpu(procs[-1]) - cpu
        stop(procs.pop())
        report(f"mixed ({args.duration:.0f} s; weights list 3, page 3, search 2, append 2)",
               mixed, cpu)
        if not has_search:
            print("  search: no /search route in this version; skipped")
        print(f"\nserver logs: {tmp}/app.log, {tmp}/hello.log")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        print("\ntargets:\n  " + "\n  ".join(verdict(hello, page, mixed)))
        print(f"  capacity ratio from server CPU per request (hello {cpu_ms['hello']:.2f} ms, "
              f"page {cpu_ms['page']:.1f} ms): {cpu_ms['hello'] / cpu_ms['page']:.3f}; "
              "this one holds on a busy machine")
    finally:
        for p in procs:
            stop(p)
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
