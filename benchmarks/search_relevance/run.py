"""Relevance of Debrief's search on the real back catalogue: MRR and precision@5 per backend.

Imports the three postmortem folders of ../shared/corpus/postmortems with Debrief's own
`flask import-postmortems --tz Europe/London` into a fresh SQLite database (and a fresh
PostgreSQL database when the test helper finds a server, or --pg-dsn names one), then runs
every judged query of queries.yaml through Debrief's search service as an administrator.

    .venv/bin/python benchmarks/search_relevance/run.py [--verbose] [--skip-postgres]
        [--backends sqlite-fts5,postgres,whoosh] [--pg-dsn postgresql+psycopg://...] [--json]
        [--fts5-weights 10,4,2,2,1,2 ...] [--pg-weights 0.05,0.25,0.5,1.0 ...] [--pg-norm 0 ...]

MRR counts the first relevant hit in the top 10 (1/rank, 0 when none); P@5 is the share of
the top 5 that is relevant; hit@1 / hit@5 say whether a relevant incident is first / shown.
Each --fts5-weights (bm25 weights of title, main, review, extra, timeline, draft) or
--pg-weights (ts_rank_cd weights of D, C, B, A) or --pg-norm (its normalization flags)
adds a row, for tuning.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus" / "postmortems"
FOLDERS = ("dfds_postmortems", "moj_cloud-platform_incidents", "icco_postmortems")
QUERIES = Path(__file__).with_name("queries.yaml")


def load_queries() -> list[dict[str, Any]]:
    """The judged set, checked: every relevant key names a file of the three folders."""
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    known = {p.name for f in FOLDERS for p in (CORPUS / f).rglob("*.md")}
    for item in queries:
        missing = [k for k in item["relevant"] if k not in known]
        if missing:
            raise SystemExit(f"queries.yaml: {item['q']!r} names unknown files {missing}")
    return queries


def import_corpus(app: Any) -> dict[int, str]:
    """Run the import command; return incident id -> source file name."""
    from sqlalchemy import select

    from app.db import session
    from app.models import TimelineImport

    out = app.test_cli_runner().invoke(
        args=["import-postmortems", "--tz", "Europe/London", *(str(CORPUS / f) for f in FOLDERS)])
    if out.exit_code != 0:
        raise SystemExit(f"import failed: {out.output[-2000:]}")
    print("  " + out.output.strip().splitlines()[-1], file=sys.stderr)
    with app.app_context():
        rows = session().execute(select(TimelineImport.incident_id, TimelineImport.filename))
        return {i: name.split("/", 1)[-1] for i, name in rows}


def evaluate(app: Any, user_id: int, keys: dict[int, str],
             queries: list[dict[str, Any]]) -> dict[str, Any]:
    """Run every query; per-query ranks and the averages."""
    from app.db import session
    from app.models import User
    from app.search import service

    rows = []
    with app.app_context():
        db = session()
        user = db.get(User, user_id)
        for item in queries:
            page = service.search(db, user, item["q"], per_page=10, facets=False,
                                  labels=app.config["DEBRIEF_SEVERITY_LABELS"])
            if page.error:
                raise SystemExit(f"{item['q']!r}: {page.error}")
            got = [keys.get(h.incident_id, f"#{h.incident_id}") for h in page.results.hits]
            relevant = set(item["relevant"])
            rank = next((n for n, k in enumerate(got, 1) if k in relevant), None)
            rows.append({"q": item["q"], "rank": rank, "total": page.results.total,
                         "rr": 1 / rank if rank else 0.0,
                         "p5": sum(k in relevant for k in got[:5]) / 5,
                         "top": got[:3]})
        db.rollback()
    return {"mrr": statistics.mean(r["rr"] for r in rows),
            "p5": statistics.mean(r["p5"] for r in rows),
            "hit1": sum(r["rank"] == 1 for r in rows) / len(rows),
            "hit5": sum(bool(r["rank"]) and r["rank"] <= 5 for r in rows) / len(rows),
            "rows": rows}


def run_backend(label: str, url: str, queries: list[dict[str, Any]], args: argparse.Namespace,
                backend: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Import into `url`, then evaluate with the default weights and any given variants."""
    from app import create_app, migrate
    from app.auth.service import create_user
    from app.db import database, session
    from app.search import fts5, postgres, service

    migrate.upgrade(url)
    results = []
    with tempfile.TemporaryDirectory() as inst:
        config = {"DEBRIEF_DATABASE_URL": url, "INSTANCE_PATH": inst, "SECRET_KEY": "bench"}
        if backend:
            config["DEBRIEF_SEARCH_BACKEND"] = backend
        app = create_app(config)
        print(f"{label}: importing ...", file=sys.stderr)
        keys = import_corpus(app)
        with app.app_context():
            db = session()
            user_id = create_user(db, "relevance@example.com", "relevance-bench-pw",
                                  role="admin").id
            service.reindex(db)  # an external index (Whoosh) drains its outbox here
            db.commit()
        results.append((label, evaluate(app, user_id, keys, queries)))
        variants: list[tuple[Any, str, Any]] = []
        if label.startswith("sqlite-fts5"):
            variants = [(fts5, "WEIGHTS", tuple(float(x) for x in w.split(",")))
                        for w in args.fts5_weights]
        elif label.startswith("postgres"):
            variants = [(postgres, "RANK_WEIGHTS", f"'{{{w}}}'::float4[]")
                        for w in args.pg_weights]
            variants += [(postgres, "RANK_NORMALIZATION", n) for n in args.pg_norm]
        for module, name, value in variants:
            saved = getattr(module, name)
            setattr(module, name, value)
            try:
                results.append((f"{label} {name}={value}", evaluate(app, user_id, keys, queries)))
            finally:
                setattr(module, name, saved)
        database(app).engine.dispose()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--backends", default="",
                    help="comma-separated subset, e.g. sqlite-fts5,postgres (default: all)")
    ap.add_argument("--pg-dsn", help="an empty PostgreSQL database to use (SQLAlchemy URL)")
    ap.add_argument("--fts5-weights", action="append", default=[])
    ap.add_argument("--pg-weights", action="append", default=[])
    ap.add_argument("--pg-norm", action="append", default=[], type=int,
                    help="ts_rank_cd normalization flags to try (e.g. 0, 2, 32)")
    ap.add_argument("--verbose", action="store_true", help="print every query's rank")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    queries = load_queries()
    from benchmarks.search_speed import file_backends
    from tests.pg import PostgresServer, find_bindir

    wanted = set(filter(None, args.backends.split(","))) or {
        "sqlite-fts5", "postgres", *file_backends()}
    results: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite-fts5" in wanted:
            results += run_backend("sqlite-fts5", f"sqlite:///{tmp}/relevance.sqlite3", queries,
                                   args)
        for name in sorted(wanted & set(file_backends())):
            results += run_backend(name, f"sqlite:///{tmp}/{name}.sqlite3", queries, args,
                                   backend=name)
    server = None
    if "postgres" in wanted and not args.skip_postgres:
        url = args.pg_dsn
        if url is None and (bindir := find_bindir()) is not None:
            server = PostgresServer(bindir)
            server.start()
            url = server.create_database("relevance")
        try:
            if url:
                results += run_backend("postgres", url, queries, args)
        finally:
            if server:
                server.stop()
    if args.json:
        print(json.dumps([{"backend": n, **r} for n, r in results], indent=2))
        return
    print(f"\n{len(queries)} judged queries over {', '.join(FOLDERS)}")
    print(f"{'backend':<48} {'MRR':>6} {'P@5':>6} {'hit@1':>6} {'hit@5':>6}")
    for name, r in results:
        print(f"{name:<48} {r['mrr']:6.3f} {r['p5']:6.3f} {r['hit1']:6.2f} {r['hit5']:6.2f}")
    if args.verbose:
        for name, r in results:
            print(f"\n-- {name}")
            for row in r["rows"]:
                print(f"{row['rank'] or '-':>3}  {row['total']:>4} found  {row['q']:<50} "
                      f"top: {'; '.join(k[:40] for k in row['top'])}")


if __name__ == "__main__":
    main()
