"""Backup and restore: full round trips between SQLite and PostgreSQL, and refusals."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from app.db import Base, database
from app.models import Incident, IncidentType
from app.ops import backup, restore
from tests.ops.dataset import dump, fill, table_names


def run_cli(url: str, instance: Path, *args: str):
    """Run `flask ARGS` against the database at url; return the click result."""
    flask_app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                            "DEBRIEF_DATABASE_URL": url, "SECRET_KEY": "test-secret"})
    try:
        return flask_app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
    finally:
        database(flask_app).engine.dispose()


def _source(fresh_db, engines, tmp_path: Path, kind: str) -> tuple[str, Path]:
    url = fresh_db(kind)
    instance = tmp_path / "src-instance"
    (instance / "review_templates").mkdir(parents=True)
    (instance / "review_templates" / "custom.yaml").write_text("name: Custom 🚀\n")
    (instance / "uploads" / "incident-1").mkdir(parents=True)
    (instance / "uploads" / "incident-1" / "graph.png").write_bytes(bytes(range(256)))
    fill(engines(url), instance)
    return url, instance


def _make_archive(fresh_db, engines, tmp_path: Path, kind: str = "sqlite") -> tuple[str, Path]:
    url, instance = _source(fresh_db, engines, tmp_path, kind)
    path = tmp_path / "backup.zip"
    result = run_cli(url, instance, "backup", "create", str(path))
    assert result.exit_code == 0, result.output
    return url, path


@pytest.mark.parametrize("source_kind,target_kind", [
    ("sqlite", "sqlite"), ("sqlite", "postgres"), ("postgres", "sqlite")])
def test_round_trip_keeps_every_row(fresh_db, engines, tmp_path, source_kind, target_kind):
    src_url, src_instance = _source(fresh_db, engines, tmp_path, source_kind)
    path = tmp_path / "backup.zip"
    made = run_cli(src_url, src_instance, "backup", "create", str(path))
    assert made.exit_code == 0, made.output

    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert manifest["dialect"] == ("postgresql" if source_kind == "postgres" else "sqlite")
    assert [t["name"] for t in manifest["tables"]] == [
        t.name for t in Base.metadata.sorted_tables]
    assert manifest["alembic_revisions"] == sorted(restore.code_heads())
    assert {f["path"] for f in manifest["files"]} == {
        "review_templates/custom.yaml", "uploads/incident-1/graph.png"}

    target_url = fresh_db(target_kind, migrated=False)  # the restore migrates it
    target_instance = tmp_path / "target-instance"
    done = run_cli(target_url, target_instance, "backup", "restore", str(path))
    assert "restored" in done.output, done.output
    # Exit 1 only when the derived search index could not be rebuilt; the rows are in.
    assert done.exit_code == 0 or "search: index NOT rebuilt" in done.output, done.output

    before, after = dump(engines(src_url)), dump(engines(target_url))
    assert sum(len(rows) for rows in before.values()) > 100
    # The search vocabulary is derived: the source was filled without the app (no index),
    # and the restore rebuilds it from the restored rows.
    derived = {"search_term"}
    for name in set(before) - derived:
        assert after[name] == before[name], f"table {name} differs after the round trip"
    assert after["search_term"], "the restore did not rebuild the search vocabulary"
    assert (target_instance / "review_templates" / "custom.yaml").read_text() == \
        "name: Custom 🚀\n"
    assert (target_instance / "uploads" / "incident-1" / "graph.png").read_bytes() == \
        bytes(range(256))

    # New rows must not collide with restored ids (PostgreSQL sequences were reset).
    with Session(engines(target_url)) as db:
        top = db.scalar(select(func.max(Incident.id)))
        fresh = Incident(title="after restore", type=IncidentType.OUTAGE, severity=3)
        db.add(fresh)
        db.commit()
        assert fresh.id == top + 1


def test_backup_refuses_to_overwrite(fresh_db, engines, tmp_path):
    url, path = _make_archive(fresh_db, engines, tmp_path)
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.create_backup(engines(url), Base.metadata, path, None)


def test_tampered_member_fails_checksum_and_writes_nothing(fresh_db, engines, tmp_path):
    _url, path = _make_archive(fresh_db, engines, tmp_path)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "tables/incident.jsonl":
                data = data.replace(b'"severity":1', b'"severity":4', 1)
            out.writestr(info, data)
    target = fresh_db("sqlite", migrated=False)
    result = run_cli(target, tmp_path / "t", "backup", "restore", str(tampered))
    assert result.exit_code != 0
    assert "tables/incident.jsonl fails its sha256 checksum" in result.output
    assert table_names(engines(target)) == set()  # not even migrated
    assert not (tmp_path / "t" / "review_templates").exists()


def test_bad_value_rolls_back_everything(fresh_db, engines, tmp_path):
    _url, path = _make_archive(fresh_db, engines, tmp_path)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as out:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename == "manifest.json":
                continue
            data = src.read(info)
            if info.filename == "tables/timeline_event.jsonl":
                # A valid checksum over a bad value: the insert fails late, after other tables.
                lines = data.splitlines(keepends=True)
                row = json.loads(lines[-1])
                row["occurred_at"] = "not a time"
                lines[-1] = (json.dumps(row) + "\n").encode()
                data = b"".join(lines)
                for entry in manifest["tables"]:
                    if entry["member"] == info.filename:
                        entry["sha256"] = hashlib.sha256(data).hexdigest()
            out.writestr(info, data)
        out.writestr("manifest.json", json.dumps(manifest))
    target = fresh_db("sqlite")
    result = run_cli(target, tmp_path / "t", "backup", "restore", str(broken))
    assert result.exit_code != 0
    assert "tables/timeline_event.jsonl line" in result.output
    assert "column occurred_at" in result.output
    assert all(rows == [] for rows in dump(engines(target)).values())


def test_non_empty_target_is_refused(fresh_db, engines, tmp_path):
    url, path = _make_archive(fresh_db, engines, tmp_path)
    before = dump(engines(url))
    result = run_cli(url, tmp_path / "t", "backup", "restore", str(path))
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert dump(engines(url)) == before


def test_other_schema_revision_is_refused(fresh_db, engines, tmp_path):
    _url, path = _make_archive(fresh_db, engines, tmp_path)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(other, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["alembic_revisions"] = ["0000deadbeef"]
                data = json.dumps(manifest).encode()
            out.writestr(info, data)
    target = fresh_db("sqlite", migrated=False)
    result = run_cli(target, tmp_path / "t", "backup", "restore", str(other))
    assert result.exit_code != 0
    assert "0000deadbeef" in result.output and "matching version" in result.output
    assert table_names(engines(target)) == set()


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "files/../../evil",
                                  "files/uploads/..\\..\\evil", "C:/evil"])
def test_hostile_member_names_are_refused(tmp_path, name):
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": backup.FORMAT}))
        zf.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(restore.RestoreError, match="unsafe member name"):
        restore.Archive(path)


def test_hostile_file_path_in_manifest_is_refused(tmp_path):
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps({
            "format": backup.FORMAT, "format_version": backup.FORMAT_VERSION,
            "alembic_revisions": [], "tables": [],
            "files": [{"path": "uploads/../../etc/cron.d/x", "member": "files/x",
                       "sha256": hashlib.sha256(b"x").hexdigest()}]}))
        zf.writestr("files/x", b"x")
    with pytest.raises(restore.RestoreError, match="unsafe file path"):
        restore.Archive(path)


def test_not_a_backup_is_refused_clearly(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(restore.RestoreError, match="junk.zip: not a readable ZIP"):
        restore.Archive(junk)
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(restore.RestoreError, match="no manifest.json"):
        restore.Archive(empty)
