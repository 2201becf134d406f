"""`flask import-postmortems` on the three real back-catalogue folders, on every database."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import (
    Action,
    Incident,
    IncidentStatus,
    Review,
    ReviewStatus,
    Tag,
    TimelineEvent,
    TimelineImport,
    incident_tag,
)

REPO = Path(__file__).resolve().parents[2]
FOLDERS = ("dfds_postmortems", "moj_cloud-platform_incidents", "icco_postmortems")


def _run(app, *args: str) -> tuple[int, str]:
    out = app.test_cli_runner().invoke(args=["import-postmortems", *args])
    return out.exit_code, out.output


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _by_folder(reports: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {f: [] for f in FOLDERS}
    for r in reports:
        if r["status"] == "imported":
            out[r["path"].split("/", 1)[0]].append(r)
    return out


@pytest.mark.corpus
def test_three_real_folders_import_once_with_zones_events_and_actions(
        app, db, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = corpus / "postmortems"
    # First run from the repository with relative paths, as a person would type them.
    monkeypatch.chdir(REPO)
    rel = [os.path.relpath(root / f) for f in FOLDERS]
    code, output = _run(app, "--tz", "Europe/London", "--json", *rel)
    assert code == 0, output
    reports = json.loads(output)
    assert Counter(r["status"] for r in reports) == {"imported": 320, "skipped": 4}
    # Templates, READMEs and site pages in _meta folders are named and skipped.
    assert all("_meta" in r["path"] for r in reports if r["status"] == "skipped")
    folders = _by_folder(reports)
    assert {f: len(v) for f, v in folders.items()} == {
        "dfds_postmortems": 39, "moj_cloud-platform_incidents": 39, "icco_postmortems": 242}

    # Zones: DFDS states its own (UTC, CET in prose, CET in a table header); MOJ states
    # none, so --tz places its timestamped timelines; ICCO bodies are prose.
    dfds_zones = Counter(r["zone"] for r in folders["dfds_postmortems"])
    assert dfds_zones["document says 'All times in UTC.'"] == 24
    assert dfds_zones["document says 'All times in CET.'"] == 11
    assert dfds_zones["table header says 'Date and Time in CET'"] == 3
    assert Counter(r["zone"] for r in folders["moj_cloud-platform_incidents"]) == {
        "--tz Europe/London": 39}
    assert sum(r["events"] for r in folders["dfds_postmortems"]) == 355
    assert sum(r["events"] > 0 for r in folders["dfds_postmortems"]) == 38
    # 14 timestamped Context lists and 25 "Key events" lists.
    assert sum(r["events"] for r in folders["moj_cloud-platform_incidents"]) == 268
    assert sum(r["events"] for r in folders["icco_postmortems"]) == 0

    # What the report says is what the database holds.
    ids = [r["incident_id"] for r in reports if r["status"] == "imported"]
    assert _count(db, Incident) == 320
    assert db.scalar(select(func.count()).select_from(Review).where(
        Review.status == ReviewStatus.PUBLISHED, Review.published_snapshot.is_not(None))) == 320
    assert db.scalar(select(func.count(Incident.id)).where(
        Incident.status == IncidentStatus.CLOSED)) == 320
    events = dict(db.execute(select(TimelineEvent.incident_id, func.count())
                             .group_by(TimelineEvent.incident_id)).all())
    assert all(events.get(r["incident_id"], 0) == r["events"]
               for r in reports if r["status"] == "imported")
    # Action item lists become tracked actions (every DFDS postmortem has some).
    with_actions = set(db.scalars(select(Action.incident_id).distinct()))
    assert {r["incident_id"] for r in folders["dfds_postmortems"]} <= with_actions
    log4shell = next(r for r in folders["dfds_postmortems"] if "Log4Shell" in r["path"])
    assert db.scalar(select(func.count(Action.id)).where(
        Action.incident_id == log4shell["incident_id"])) >= 1
    # ICCO front-matter keywords become tags.
    tagged = db.scalar(select(func.count(incident_tag.c.incident_id.distinct())).join(Tag)
                       .where(Tag.name != "postmortem-import"))
    assert tagged >= 195
    assert len(set(ids)) == 320

    # Idempotent: a second run, from elsewhere with absolute paths, imports nothing new.
    monkeypatch.chdir(corpus)
    code, output = _run(app, *[str(root / f) for f in FOLDERS])
    assert code == 0, output
    assert output.strip().endswith("0 imported, 324 skipped, 0 error")
    assert output.count("already imported") == 320
    assert _count(db, Incident) == 320 and _count(db, TimelineImport) == 320

    # The imported reviews are searchable at once (same transaction).
    out = app.test_cli_runner().invoke(args=["search", "query", "log4j", "--json"])
    assert json.loads(out.output.splitlines()[0])["id"] == log4shell["incident_id"]


def test_text_report_and_a_broken_file_among_good_ones(app, db, tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "2024-05-01-cache.md").write_text(
        "# Cache stampede took the catalogue down\n\nAll times in UTC.\n\n"
        "## Summary\nA cold cache sent every request to the database.\n\n"
        "## Timeline\n- 2024-05-01 09:12 cache cluster restarted\n"
        "- 2024-05-01 09:20 database CPU at 100%\n\n"
        "## Action items\n- [ ] Warm the cache before traffic returns\n"
        "- [x] Add a database CPU alert\n", encoding="utf-8")
    (folder / "2024-06-02-broken.md").write_text(
        "---\ntitle: [unclosed\nseverity: 2\n---\n# Never imported\n", encoding="utf-8")
    (folder / "2024-07-03-dns.md").write_text(
        "# Resolver timeouts\n\n## Timeline (CET)\n| Time | Event |\n|---|---|\n"
        "| 2024-07-03 14:00 | resolvers time out |\n", encoding="utf-8")

    code, output = _run(app, str(folder))
    assert code == 0, output
    lines = output.splitlines()
    assert any(line.startswith("error postmortems/2024-06-02-broken.md") and
               "malformed front matter" in line and ":3:" in line for line in lines)
    cache = next(line for line in lines if "2024-05-01-cache.md" in line)
    assert cache.startswith("imported ") and "2 timeline events" in cache
    assert "zone: document says 'All times in UTC.'" in cache and "actions" in cache
    dns = next(line for line in lines if "2024-07-03-dns.md" in line)
    assert "1 timeline events" in dns and "CET" in dns
    assert lines[-1] == "2 imported, 0 skipped, 1 error"

    # The broken file left nothing behind; the good ones are whole.
    titles = set(db.scalars(select(Incident.title)))
    assert titles == {"Cache stampede took the catalogue down", "Resolver timeouts"}
    cache_id = db.scalar(select(Incident.id).where(Incident.title.startswith("Cache")))
    actions = {a.title: a.status.value for a in db.scalars(
        select(Action).where(Action.incident_id == cache_id))}
    assert actions == {"Warm the cache before traffic returns": "open",
                       "Add a database CPU alert": "done"}

    # Fixing the broken file and re-running imports just that one.
    (folder / "2024-06-02-broken.md").write_text(
        "---\ntitle: Queue backlog\nseverity: SEV2\n---\n# Queue backlog\n", encoding="utf-8")
    code, output = _run(app, str(folder))
    assert output.splitlines()[-1] == "1 imported, 2 skipped, 0 error"
    assert _count(db, Incident) == 3


def test_bad_zone_is_refused_before_anything_is_written(app, db, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    code, output = _run(app, "--tz", "Mars/Olympus", str(tmp_path))
    assert code == 2 and "--tz" in output
    assert _count(db, Incident) == 0
