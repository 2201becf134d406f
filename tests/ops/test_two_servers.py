"""Two app servers as separate processes on one PostgreSQL: shared state, no lost writes."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.auth import service as users
from app.db import Database
from app.models import Role, TimelineEvent

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A cookie-keeping client for one server, logged in through the real form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as resp:
            return resp.geturl(), resp.read().decode()

    def post(self, path: str, form_page: str, data: dict[str, str]) -> tuple[str, str]:
        _url, html = self.get(form_page)
        match = TOKEN.search(html)
        assert match, f"no CSRF token on {form_page}"
        body = urllib.parse.urlencode({**data, "csrf_token": match.group(1)}).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as resp:
            return resp.geturl(), resp.read().decode()

    def login(self, email: str) -> None:
        url, _html = self.post("/login", "/login", {"email": email, "password": PASSWORD})
        assert not url.endswith("/login"), "login failed"


def start_server(port: int, db_url: str, instance: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DEBRIEF_DATABASE_URL": db_url, "DEBRIEF_INSTANCE_PATH": str(instance),
           "DEBRIEF_SECRET_KEY": "two-servers-test"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout",
         "60", "wsgi:app"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)


def wait_ready(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).close()
            return
        except OSError:  # refused while binding, or a worker still booting
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not answer within 30 s")


def _has_postgres_search() -> bool:
    try:
        import app.search.postgres  # noqa: F401
        import app.search.views  # noqa: F401
    except ImportError:
        return False
    return True


def test_two_servers_share_one_postgres(pg_server, tmp_path):
    url = pg_server.create_database("debrief_two_servers")
    migrate.upgrade(url)
    database = Database(url)
    with Session(database.engine) as db:
        users.create_user(db, "editor@example.com", PASSWORD, role=Role.EDITOR)
        db.commit()
    ports = [free_port(), free_port()]
    procs = []
    try:
        for i, port in enumerate(ports):
            procs.append(start_server(port, url, tmp_path / f"instance-{i}"))
        for proc, port in zip(procs, ports, strict=True):
            wait_ready(proc, port)
        a, b = (Browser(f"http://127.0.0.1:{p}") for p in ports)
        a.login("editor@example.com")
        b.login("editor@example.com")

        title = "Quokkaflux cache stampede"
        page, _html = a.post("/incidents/new", "/incidents/new", {
            "title": title, "type": "outage", "severity": "2", "status": "investigating",
            "commander_id": "0", "resolution_lead_id": "0", "started_at": "2025-03-04 10:00"})
        match = re.search(r"/incidents/(\d+)$", page)
        assert match, f"creation did not land on the incident page: {page}"
        incident_id = int(match.group(1))
        _url, html = b.get(f"/incidents/{incident_id}")
        assert title in html  # written through A, read through B at once

        def add(job: tuple[Browser, str]) -> None:
            browser, text = job
            browser.post(f"/incidents/{incident_id}/events", f"/incidents/{incident_id}",
                         {"occurred_at": "2025-03-04 10:05", "kind": "other", "text": text})

        jobs = [(a, f"from-A-{n}") for n in range(20)] + [(b, f"from-B-{n}") for n in range(20)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(add, jobs))
        with Session(database.engine) as db:
            texts = set(db.scalars(select(TimelineEvent.text).where(
                TimelineEvent.incident_id == incident_id)))
        assert {text for _browser, text in jobs} <= texts
        _url, html = a.get(f"/incidents/{incident_id}")
        assert all(text in html for _browser, text in jobs)

        if _has_postgres_search():
            _url, html = b.get("/search?q=quokkaflux")
            assert title in html, "search through B does not find the incident written via A"
        else:
            print("\n[two servers] no PostgreSQL search backend yet: search check skipped")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr:
                proc.stderr.close()
        database.engine.dispose()
