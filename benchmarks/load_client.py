"""The load generator of benchmarks/load.py: keep-alive HTTP clients in worker processes.

Threads with http.client connections (one per simulated user, cookies and CSRF kept),
spread over separate processes so the generator is not one GIL; latencies are merged
per request kind.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import random
import re
import sys
import threading
import time
import urllib.parse

PASSWORD = "load-benchmark-password"
EMAIL = "load@example.com"
WORDS = ("database", "checkout", "latency", "certificate", "dns", "queue", "payments",
         "timeout", "deploy", "cache", "replica", "kafka", "login", "storage", "billing")
TOKEN = re.compile(rb'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


# A user gives up after this long; a slower answer counts as an error (status 0).
TIMEOUT = 30.0
SETUP_TIMEOUT = 180.0


class Client:
    """One keep-alive connection with a cookie; reconnects when the server closes."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.cookie = ""
        self.reused = False

    def request(self, method: str, path: str, body: dict[str, str] | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, data, headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not self.reused:
                raise
            # The server closed a kept-alive socket between requests: retry once on a new
            # one. Timeouts and refusals are not retried; they are the errors we count.
            self.conn.close()
            self.conn.request(method, path, data, headers)
            resp = self.conn.getresponse()
        payload = resp.read()
        self.reused = not resp.will_close
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
    state = {"deadline": 0.0}
    # The deadline is set before any thread is released, so none sees it unset.
    ready = threading.Barrier(threads + 1, action=lambda: state.update(
        deadline=time.perf_counter() + duration))

    def run(seed: int) -> None:
        rng = random.Random(seed)
        client = Client(port)
        token: str | None = ""
        local: dict[str, list[float]] = {name: [] for name, _ in mix}
        bad: dict[str, dict[int, int]] = {name: {} for name in local}
        if names != ["hello"]:
            try:
                # Logging in is set-up, not measured: on a busy machine it may queue long.
                client.conn.timeout = SETUP_TIMEOUT
                client.login()
                token = client.token("/profile")
                client.conn.timeout = TIMEOUT
            except (OSError, http.client.HTTPException, RuntimeError) as exc:
                print(f"load client could not log in: {exc!r}", file=sys.stderr)
                token = None  # counted below as one error of code -1: could not log in
                bad[names[0]][-1] = 1
        ready.wait()
        for _ in range(max_requests if token is not None else 0):
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
