"""Benchmark: end-to-end Slack import into SQLite against the raw ceiling, in one run.

    .venv/bin/python benchmarks/import_slack.py [--messages 200000] [--channels 20]

The ceiling is what no importer can beat: json.loads of every day file in the ZIP plus one
sqlite3 executemany of the same number of rows into the same table. Each side runs in its
own process so peak RSS is measured separately. Prints events/s, the ratio and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ceiling(zip_path: str, db_path: str) -> dict:
    """json.loads every day file, then executemany one row per message."""
    from app import migrate

    migrate.upgrade(f"sqlite:///{db_path}")
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO incident (title, type, severity, status, summary, "
                 "impact_description, restricted, created_at, updated_at) VALUES "
                 "('bench', 'outage', 1, 'investigating', '', '', 0, '2024-01-01', "
                 "'2024-01-01')")
    t0 = time.perf_counter()
    rows = []
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            if name.count("/") == 1 and name.endswith(".json"):
                for m in json.loads(zf.read(name)):
                    # The same row Debrief stores: text twice and the raw item as JSON.
                    rows.append((1, m["ts"], m.get("user", ""), m.get("text", ""),
                                 m.get("text", ""), name + m["ts"], json.dumps(m)))
    conn.executemany(
        "INSERT INTO timeline_event (incident_id, occurred_at, author_name, text, "
        "text_original, kind, source, source_id, raw, event_type, attachments, starred, "
        "hidden, annotation, created_at) VALUES (?, ?, ?, ?, ?, 'other', 'slack', ?, ?, "
        "'message', '[]', 0, 0, '', '2024-01-01')", rows)
    conn.commit()
    elapsed = time.perf_counter() - t0
    return {"events": len(rows), "seconds": elapsed, "peak_mb": _peak_mb()}


def debrief(zip_path: str, db_path: str) -> dict:
    """Debrief's own pipeline: detect, parse, scrub, de-duplicate, insert, commit."""
    from app import create_app, migrate
    from app.db import database
    from app.incidents.service import IncidentData, create_incident
    from app.timeline import imports
    from app.timeline.importers import Source

    url = f"sqlite:///{db_path}"
    migrate.upgrade(url)
    app = create_app({"DEBRIEF_DATABASE_URL": url, "INSTANCE_PATH": str(Path(db_path).parent)})
    with app.app_context():
        db = database(app).sessionmaker()
        inc = create_incident(db, None, IncidentData(
            title="bench", type="outage", severity=1,
            started_at=datetime(2023, 1, 1, tzinfo=UTC)))
        db.commit()
        t0 = time.perf_counter()
        summary = imports.run_import(db, None, inc, Source.from_path(zip_path))
        db.commit()
        elapsed = time.perf_counter() - t0
    return {"events": summary.kept, "seconds": elapsed, "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--side", choices=["ceiling", "debrief"], help=argparse.SUPPRESS)
    parser.add_argument("--zip", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        with tempfile.TemporaryDirectory() as tmp:
            fn = ceiling if args.side == "ceiling" else debrief
            print(json.dumps(fn(args.zip, str(Path(tmp) / "bench.sqlite3"))))
        return
    from benchmarks.gen_slack import generate_slack_export

    with tempfile.TemporaryDirectory() as tmp:
        zip_path = generate_slack_export(Path(tmp) / "export.zip", messages=args.messages,
                                         channels=args.channels)
        results = {}
        for side in ("ceiling", "debrief"):
            out = subprocess.run([sys.executable, __file__, "--side", side, "--zip",
                                  str(zip_path)], capture_output=True, text=True, check=True)
            results[side] = json.loads(out.stdout.strip().splitlines()[-1])
    c, d = results["ceiling"], results["debrief"]
    c_rate, d_rate = c["events"] / c["seconds"], d["events"] / d["seconds"]
    print(f"messages generated: {args.messages} in {args.channels} channels")
    print(f"ceiling : {c['events']} rows in {c['seconds']:.2f} s = {c_rate:,.0f}/s, "
          f"peak RSS {c['peak_mb']:.0f} MB")
    print(f"debrief : {d['events']} events in {d['seconds']:.2f} s = {d_rate:,.0f}/s, "
          f"peak RSS {d['peak_mb']:.0f} MB")
    print(f"ratio   : {d_rate / c_rate:.0%} of the ceiling (target >= 50%); "
          f"peak RSS target < 300 MB")


if __name__ == "__main__":
    main()
