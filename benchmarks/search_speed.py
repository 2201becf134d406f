"""Search speed: Debrief's backends (FTS5, PostgreSQL, Whoosh) against tantivy-py as yardstick.

Generates incidents of ~7 KB (title, summary, impact, 50-event timeline, factors, actions),
rebuilds each index, then times 200 mixed queries (1-3 words, phrases, OR, NOT, filters;
top 10 with highlighted snippets) through Debrief's own search service, as a viewer.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/search_speed.py --sizes 1000,10000 [--facets] [--sizes 50000]
        [--backends sqlite-fts5,postgres,whoosh]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SERVICES = ["checkout", "payments", "search", "auth", "api-gateway", "notifications",
            "billing", "inventory", "reporting", "cdn", "dns", "kafka"]
NOUNS = ("database replica primary failover connection pool cache redis queue consumer "
         "deploy rollback certificate expiry dns resolver latency timeout retry storm "
         "memory leak disk pressure node kernel upgrade config flag migration index lock "
         "contention thread dashboard alert pager runbook capacity quota throttle shard "
         "partition network packet loss load balancer health check canary release build "
         "pipeline secret rotation token backup restore snapshot cluster scheduler cron "
         "webhook vendor region zone autoscaler container image registry").split()
VERBS = ("restarted investigated noticed escalated paged rolled deployed scaled drained "
         "checked confirmed mitigated suspected reverted increased reduced failed saturated "
         "recovered throttled blocked flushed rebuilt promoted").split()
FILLER = ("the a we it is on for with after during while then but and looks seems "
          "still again now maybe some more less all").split()
CATEGORIES = ["prevention", "detection", "triage", "diagnosis", "repair", "recovery",
              "process", "communication"]
TYPES = ["outage", "degradation", "user-issue", "near-miss", "security"]


_SYLLABLES = "ka to ri men sal vor dex tan bel quo fir nu lap grim sho zel".split()


def _vocabulary(size: int = 3000, seed: int = 3) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf weights: a few very common, most rare, as in real text."""
    rng = random.Random(seed)
    words = sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
                    for _ in range(size * 2)})[:size]
    rng.shuffle(words)
    return words, [1.0 / (rank + 1) for rank in range(len(words))]


VOCAB, ZIPF = _vocabulary()
# random.choices sums the weights on every call unless given them summed: that made
# generating 50k incidents take over half an hour. Same draws, same corpus.
ZIPF_CUMULATIVE = list(itertools.accumulate(ZIPF))


def sentence(rng: random.Random, words: int, topic: list[str] | None = None) -> str:
    """Words from the incident's topic, verbs, filler and the Zipf vocabulary."""
    topic = topic or NOUNS
    out = []
    for _ in range(words):
        r = rng.random()
        out.append(rng.choice(topic) if r < 0.2 else rng.choice(VERBS) if r < 0.3 else
                   rng.choice(FILLER) if r < 0.55 else
                   rng.choice(NOUNS) if r < 0.57 else
                   rng.choices(VOCAB, cum_weights=ZIPF_CUMULATIVE)[0])
    return " ".join(out).capitalize() + "."


def make_corpus(n: int, seed: int = 7) -> list[dict]:
    """n incidents as plain dicts (about 7 KB of text each)."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(n):
        when = start + timedelta(hours=rng.randrange(5 * 365 * 24))
        topic = rng.sample(NOUNS, 4)
        docs.append({
            "title": f"{topic[0].capitalize()} {topic[1]} {rng.choice(VERBS)} on "
                     f"{rng.choice(SERVICES)}",
            "type": TYPES[i % 5] if rng.random() < 0.3 else "outage",
            "severity": rng.randint(1, 4),
            "services": rng.sample(SERVICES, rng.randint(1, 2)),
            "summary": " ".join(sentence(rng, 16, topic) for _ in range(4)),
            "impact": " ".join(sentence(rng, 12, topic) for _ in range(2)),
            "started_at": when,
            "events": [(when + timedelta(minutes=k * 3),
                        sentence(rng, rng.randint(11, 21), topic)) for k in range(50)],
            "factors": [(rng.choice(CATEGORIES), sentence(rng, 14, topic)) for _ in range(3)],
            "actions": [sentence(rng, 8, topic) for _ in range(3)],
            "restricted": rng.random() < 0.05,
        })
    return docs


def make_queries(count: int = 200, seed: int = 11) -> list[str]:
    """A reproducible mix of words, phrases, OR, NOT and filters."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        r = rng.random()
        words = rng.sample(NOUNS, 3)
        if r < 0.25:
            q = words[0]
        elif r < 0.45:
            q = " ".join(words[:2])
        elif r < 0.55:
            q = " ".join(words)
        elif r < 0.70:
            q = f'"{words[0]} {words[1]}"'
        elif r < 0.78:
            q = f"{words[0]} OR {words[1]}"
        elif r < 0.84:
            q = f"{words[0]} -{words[1]}"
        elif r < 0.92:
            q = f"{words[0]} service:{rng.choice(SERVICES)}"
        else:
            q = f"{words[0]} {words[1]} severity:{rng.randint(1, 2)} year:{rng.randint(2021, 2025)}"
        out.append(q)
    return out


def load(db, corpus: list[dict]) -> int:
    """Insert the corpus with Core (fast), returning a viewer's id."""
    from sqlalchemy import insert, select

    from app.models import (
        Action,
        ContributingFactor,
        Incident,
        Service,
        TimelineEvent,
        User,
        incident_service,
    )

    db.execute(insert(Service), [{"name": s} for s in SERVICES])
    svc = dict(db.execute(select(Service.name, Service.id)).all())
    viewer = User(email="viewer@example.com", display_name="Viewer", password_hash="-",
                  role="viewer")
    db.add(viewer)
    db.flush()
    now = datetime.now(UTC)
    for start in range(0, len(corpus), 1000):
        chunk = corpus[start:start + 1000]
        ids = db.scalars(insert(Incident).returning(Incident.id, sort_by_parameter_order=True), [
            {"title": d["title"], "type": d["type"], "severity": d["severity"],
             "summary": d["summary"], "impact_description": d["impact"],
             "started_at": d["started_at"], "restricted": d["restricted"],
             "created_at": now, "updated_at": now} for d in chunk]).all()
        db.execute(insert(incident_service), [
            {"incident_id": i, "service_id": svc[s]} for i, d in zip(ids, chunk, strict=True)
            for s in d["services"]])
        db.execute(insert(TimelineEvent), [
            {"incident_id": i, "occurred_at": at, "text": text, "text_original": text,
             "source": "slack", "source_id": f"{i}-{k}", "author_name": "responder"}
            for i, d in zip(ids, chunk, strict=True)
            for k, (at, text) in enumerate(d["events"])])
        db.execute(insert(ContributingFactor), [
            {"incident_id": i, "category": c, "description": text}
            for i, d in zip(ids, chunk, strict=True) for c, text in d["factors"]])
        db.execute(insert(Action), [
            {"incident_id": i, "title": t} for i, d in zip(ids, chunk, strict=True)
            for t in d["actions"]])
    db.commit()
    return viewer.id


def percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000


def bench_debrief(url: str, corpus: list[dict], queries: list[str], facets: bool,
                  backend: str | None = None) -> dict:
    """Load, rebuild and query one database through Debrief's search service."""
    from app import create_app, migrate
    from app.db import database, session
    from app.models import User
    from app.search import service

    migrate.upgrade(url)
    with tempfile.TemporaryDirectory() as inst:
        config = {"DEBRIEF_DATABASE_URL": url, "INSTANCE_PATH": inst, "SECRET_KEY": "bench"}
        if backend:
            config["DEBRIEF_SEARCH_BACKEND"] = backend
        app = create_app(config)
        with app.app_context():
            db = session()
            viewer_id = load(db, corpus)
            t0 = time.perf_counter()
            service.reindex(db)
            db.commit()
            build = time.perf_counter() - t0
            viewer = db.get(User, viewer_id)
            for q in queries[:20]:  # warm the caches as a running server would be
                service.search(db, viewer, q, per_page=10, facets=facets)
            times, empty = [], 0
            for q in queries:
                t0 = time.perf_counter()
                page = service.search(db, viewer, q, per_page=10, facets=facets)
                _ = [str(h.snippet) for h in page.results.hits]
                times.append(time.perf_counter() - t0)
                assert page.error is None, (q, page.error)
                empty += page.results.total == 0
            db.rollback()
        database(app).engine.dispose()
    p50, p95 = percentiles(times)
    return {"build": build, "p50": p50, "p95": p95, "empty": empty}


def tantivy_query(q: str) -> str:
    """The same query in tantivy's syntax (filters become required field terms)."""
    parts = []
    for word in q.replace(" OR ", " __OR__ ").split(" "):
        if ":" in word:
            name, value = word.split(":", 1)
            parts.append(f"+{name}:{value}")
        else:
            parts.append(word)
    text = " ".join(parts).replace("__OR__", "OR")
    if " OR " not in text:  # Debrief ANDs words; make tantivy do the same
        text = " ".join(p if p.startswith(("+", "-", '"')) or p.endswith('"') else f"+{p}"
                        for p in text.split(" "))
    return text


def bench_tantivy(corpus: list[dict], queries: list[str]) -> dict:
    """Build a tantivy index of the same documents and run the same queries."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    for f in ("title", "main", "extra", "timeline"):
        sb.add_text_field(f, stored=True, tokenizer_name="en_stem")
    sb.add_text_field("service", stored=False, tokenizer_name="raw")
    sb.add_integer_field("severity", indexed=True, fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("id", stored=True)
    schema = sb.build()
    with tempfile.TemporaryDirectory() as path:
        index = tantivy.Index(schema, path=path)
        t0 = time.perf_counter()
        writer = index.writer(heap_size=256_000_000)
        for i, d in enumerate(corpus):
            writer.add_document(tantivy.Document(
                id=i, title=d["title"],
                main="\n".join([d["summary"], d["impact"]] + [f"{c}: {t}" for c, t in
                                                             d["factors"]]),
                extra="\n".join(d["actions"] + d["services"]),
                timeline="\n".join(t for _, t in d["events"]),
                service=d["services"], severity=d["severity"], year=d["started_at"].year))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        build = time.perf_counter() - t0
        searcher = index.searcher()
        fields = ["title", "main", "extra", "timeline"]
        boosts = {"title": 10.0, "main": 4.0, "extra": 2.0, "timeline": 1.0}
        times = []
        for q in queries[:20] + queries:
            t0 = time.perf_counter()
            query = index.parse_query(tantivy_query(q), fields, field_boosts=boosts)
            hits = searcher.search(query, 10).hits
            gen = tantivy.SnippetGenerator.create(searcher, query, schema, "timeline")
            for _score, addr in hits:
                gen.snippet_from_doc(searcher.doc(addr)).to_html()
            times.append(time.perf_counter() - t0)
        times = times[20:]
    p50, p95 = percentiles(times)
    return {"build": build, "p50": p50, "p95": p95, "empty": 0}


def file_backends() -> list[str]:
    """Registered backends that do not live in the database (whoosh, once registered)."""
    import importlib

    from app.search import registry

    for module in ("app.search.fts5", "app.search.postgres", "app.search.whoosh_backend"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # a backend not built (or not installed) here is simply not measured
    return sorted(set(registry.BACKENDS) - {"sqlite-fts5", "postgres"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    ap.add_argument("--facets", action="store_true", help="also count facets per query")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--backends", default="",
                    help="comma-separated subset of sqlite-fts5,postgres,whoosh (default: all)")
    args = ap.parse_args()
    wanted = set(filter(None, args.backends.split(","))) or {
        "sqlite-fts5", "postgres", *file_backends()}
    from tests.pg import PostgresServer, find_bindir

    queries = make_queries()
    server = None
    bindir = None if args.skip_postgres or "postgres" not in wanted else find_bindir()
    if bindir:
        server = PostgresServer(bindir)
        server.start()
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            corpus = make_corpus(n)
            kb = sum(len(d["summary"]) + len(d["impact"]) + sum(len(t) for _, t in d["events"])
                     + sum(len(t) for _, t in d["factors"]) + sum(map(len, d["actions"]))
                     for d in corpus) / n / 1024
            print(f"\n== {n} incidents, {kb:.1f} KB of text each, {len(queries)} queries, "
                  f"top 10 with snippets{', facets' if args.facets else ''} ==", flush=True)
            rows = {"tantivy": bench_tantivy(corpus, queries)}
            if "sqlite-fts5" in wanted:
                with tempfile.TemporaryDirectory() as tmp:
                    rows["sqlite-fts5"] = bench_debrief(f"sqlite:///{tmp}/bench.sqlite3",
                                                        corpus, queries, args.facets)
            if server:
                rows["postgres"] = bench_debrief(server.create_database(f"bench_{n}"), corpus,
                                                 queries, args.facets)
            for name in sorted(wanted & set(file_backends())):  # whoosh: files beside SQLite
                with tempfile.TemporaryDirectory() as tmp:
                    rows[name] = bench_debrief(f"sqlite:///{tmp}/bench.sqlite3", corpus,
                                               queries, args.facets, backend=name)
            base = rows["tantivy"]
            print(f"{'engine':<12} {'p50 ms':>8} {'p95 ms':>8} {'build s':>8} "
                  f"{'p95 / tantivy':>14}")
            for name, r in rows.items():
                print(f"{name:<12} {r['p50']:8.1f} {r['p95']:8.1f} {r['build']:8.1f} "
                      f"{r['p95'] / base['p95']:14.1f}x", flush=True)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
