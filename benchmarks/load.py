"""Benchmark: Debrief under gunicorn (4 sync workers) against a bare Flask hello-world.

    .venv/bin/python benchmarks/load.py --db sqlite   [--duration 60] [--connections 32]
    .venv/bin/python benchmarks/load.py --db postgres [--duration 30] [--profile]

Loads 10k incidents (one with 500 events) with Core inserts, then drives 127.0.0.1 only:
hello-world alone, the 500-event incident page alone, then the mix (incident list,
incident page, search, timeline appends with CSRF through logged-in sessions). The load
generator runs in separate processes (threads with keep-alive http.client connections), so
it is measured apart from the servers. Prints req/s, p50/p95/p99 and errors per endpoint,
and the ratio incident-page throughput / hello-world throughput.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-benchmark-password"
EMAIL = "load@example.com"
WORDS = ("database", "checkout", "latency", "certificate", "dns", "queue", "payments",
         "timeout", "deploy", "cache", "replica", "kafka", "login", "storage", "billing")
TOKEN = re.compile(rb'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


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


# --------------------------------------------------------------------------- client
class Client:
    """One keep-alive connection with a cookie; reconnects when the server closes."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: dict[str, str] | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, data, headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # a sync worker closed the socket: retry once on a new one
            self.conn.request(method, path, data, headers)
            resp = self.conn.getresponse()
        payload = resp.read()
        cookie = resp.getheader("Set-Cookie")
        if cookie and cookie.startswith("session="):
            self.cookie = cookie.split(";", 1)[0]
        if resp.will_close:
            self.conn.close()
        return resp.status, payload

    def token(self, path: str) -> str:
        _status, html = self.request("GET", path)
        match = TOKEN.search(html)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1).decode()

    def login(self) -> None:
        status, _ = self.request("POST", "/login", {
            "email": EMAIL, "password": PASSWORD, "csrf_token": self.token("/login")})
        if status != 302:
            raise RuntimeError(f"login failed with {status}")


def _worker(port: int, threads: int, duration: float, mix: list[tuple[str, int]],
            ids: dict[str, int], max_requests: int, out: mp.Queue) -> None:
    """One load process: `threads` connections until the deadline or the request cap."""
    results: dict[str, list[float]] = {name: [] for name, _ in mix}
    errors: dict[str, dict[int, int]] = {name: {} for name, _ in mix}
    lock = threading.Lock()
    names = [name for name, weight in mix for _ in range(weight)]
    ready = threading.Barrier(threads + 1)
    state = {"deadline": 0.0}

    def run(seed: int) -> None:
        rng = random.Random(seed)
        client = Client(port)
        token = ""
        if names != ["hello"]:
            client.login()
            token = client.token(f"/incidents/{ids['big']}")
        ready.wait()
        local: dict[str, list[float]] = {name: [] for name, _ in mix}
        bad: dict[str, dict[int, int]] = {name: {} for name in local}
        for _ in range(max_requests):
            if time.perf_counter() >= state["deadline"]:
                break
            name = rng.choice(names)
            method, path, body, ok = _request(name, rng, ids, token)
            t0 = time.perf_counter()
            try:
                status, _payload = client.request(method, path, body)
            except (OSError, http.client.HTTPException):
                status = 0
            local[name].append(time.perf_counter() - t0)
            if status != ok:  # 0 means the connection failed or timed out
                bad[name][status] = bad[name].get(status, 0) + 1
        with lock:
            for name in local:
                results[name] += local[name]
                for code, n in bad[name].items():
                    errors[name][code] = errors[name].get(code, 0) + n

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    ready.wait()
    state["deadline"] = time.perf_counter() + duration
    start = time.perf_counter()
    for t in pool:
        t.join()
    out.put((results, errors, time.perf_counter() - start))


def _request(name: str, rng: random.Random, ids: dict[str, int], token: str):
    if name == "hello":
        return "GET", "/", None, 200
    if name == "list":
        return "GET", f"/incidents?page={rng.randint(1, 20)}", None, 200
    if name == "page":
        return "GET", f"/incidents/{ids['big']}", None, 200
    if name == "search":
        q = urllib.parse.quote(" ".join(rng.sample(WORDS, rng.randint(1, 2))))
        return "GET", f"/search?q={q}", None, 200
    target = rng.randint(ids["append_lo"], ids["append_hi"])
    return "POST", f"/incidents/{target}/events", {
        "occurred_at": "2026-01-01 10:00", "kind": "other", "csrf_token": token,
        "text": f"load append {rng.random()}"}, 302


def drive(port: int, connections: int, procs: int, duration: float,
          mix: list[tuple[str, int]], ids: dict[str, int], max_requests: int) -> dict:
    """Run the load processes; merge their latencies and errors."""
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    per = [connections // procs + (1 if i < connections % procs else 0) for i in range(procs)]
    workers = [ctx.Process(target=_worker, args=(port, n, duration, mix, ids,
                                                 max_requests, out)) for n in per if n]
    for w in workers:
        w.start()
    parts = [out.get(timeout=duration + 300) for _ in workers]
    for w in workers:
        w.join()
    merged: dict[str, dict] = {}
    elapsed = max(p[2] for p in parts)
    for name, _ in mix:
        lat = sorted(x for p in parts for x in p[0][name])
        codes: dict[int, int] = {}
        for p in parts:
            for code, n in p[1][name].items():
                codes[code] = codes.get(code, 0) + n
        merged[name] = {"n": len(lat), "rps": len(lat) / elapsed, "errors": sum(codes.values()),
                        "codes": codes, "p50": _pct(lat, 50), "p95": _pct(lat, 95),
                        "p99": _pct(lat, 99)}
    return merged


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000


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


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def report(title: str, stats: dict) -> None:
    print(f"\n{title}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
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
    args = parser.parse_args()

    from app import migrate

    tmp = Path(tempfile.mkdtemp(prefix="debrief-load-"))
    pg = None
    procs: list[subprocess.Popen] = []
    try:
        if args.db == "postgres":
            from tests.pg import PostgresServer, find_bindir

            bindir = find_bindir()
            if bindir is None:
                sys.exit("PostgreSQL binaries not found (apt-get install postgresql)")
            pg = PostgresServer(bindir)
            pg.start()
            url = pg.create_database("debrief_load")
        else:
            url = f"sqlite:///{tmp / 'load.sqlite3'}"
        migrate.upgrade(url)
        t0 = time.perf_counter()
        ids = load_data(url, args.incidents, args.events)
        print(f"loaded {args.incidents} incidents ({args.db}) in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        print(f"search: {reindex(url)} in {time.perf_counter() - t0:.1f} s")
        if args.profile:
            profile_page(url, ids["big"])

        hello_port, app_port = free_port(), free_port()
        procs.append(gunicorn("hello_app:app", hello_port, args.workers, {}, ROOT / "benchmarks",
                              tmp / "hello.log"))
        hello = drive(hello_port, args.connections, args.procs, args.solo_duration,
                      [("hello", 1)], ids, args.max_requests)
        stop(procs.pop())
        env = {"DEBRIEF_DATABASE_URL": url, "DEBRIEF_INSTANCE_PATH": str(tmp / "instance"),
               "DEBRIEF_SECRET_KEY": "load-benchmark"}
        procs.append(gunicorn("wsgi:app", app_port, args.workers, env, ROOT, tmp / "app.log"))
        has_search = Client(app_port).request("GET", "/search?q=x")[0] != 404
        page = drive(app_port, args.connections, args.procs, args.solo_duration,
                     [("page", 1)], ids, args.max_requests)
        mix = [("list", 3), ("page", 3), ("search", 2 if has_search else 0), ("append", 2)]
        mixed = drive(app_port, args.connections, args.procs, args.duration,
                      [m for m in mix if m[1]], ids, args.max_requests)
        stop(procs.pop())

        cfg = (f"gunicorn -w {args.workers} sync, {args.connections} connections, "
               f"{args.db}, {args.incidents} incidents")
        report(f"hello-world alone ({args.solo_duration:.0f} s; {cfg})", hello)
        report(f"incident page with {args.events} events alone ({args.solo_duration:.0f} s)",
               page)
        report(f"mixed ({args.duration:.0f} s)", mixed)
        if not has_search:
            print("  search: no /search route in this version; skipped")
        print(f"\nserver logs: {tmp}/app.log, {tmp}/hello.log")
        ratio = page["page"]["rps"] / hello["hello"]["rps"]
        errors = sum(s["errors"] for s in (*hello.values(), *page.values(), *mixed.values()))
        print(f"\nratio incident page / hello-world throughput: {ratio:.2f} (target >= 0.40)")
        print(f"p95 incident page alone {page['page']['p95']:.0f} ms, in the mix "
              f"{mixed['page']['p95']:.0f} ms (target < 100); errors {errors} (target 0)")
    finally:
        for p in procs:
            stop(p)
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
