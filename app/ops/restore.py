"""Check a backup archive completely, then restore it into an empty database."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select, text

from . import codec
from .backup import FILE_DIRS, FORMAT, FORMAT_VERSION, MANIFEST

BATCH = 1000


class RestoreError(RuntimeError):
    """The archive or the target is not fit for a restore; nothing was written."""


@dataclass
class RestoreReport:
    tables: dict[str, int] = field(default_factory=dict)
    sequences: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


class Archive:
    """An opened archive whose names, manifest and checksums have all been verified."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise RestoreError(f"{self.path}: not a readable ZIP archive ({exc})") from None
        try:
            self._check_names()
            self.manifest = self._read_manifest()
            self._check_members()
        except BaseException:
            self.zf.close()
            raise

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def revisions(self) -> list[str]:
        return sorted(self.manifest["alembic_revisions"])

    @property
    def tables(self) -> list[dict[str, Any]]:
        return list(self.manifest["tables"])

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("files", []))

    def _check_names(self) -> None:
        for name in self.zf.namelist():
            if not _safe_name(name):
                raise RestoreError(f"{self.path}: unsafe member name {name!r} (absolute path "
                                   "or '..'); refusing the archive")

    def _read_manifest(self) -> dict[str, Any]:
        try:
            manifest = json.loads(self.zf.read(MANIFEST))
        except KeyError:
            raise RestoreError(f"{self.path}: no {MANIFEST}; not a Debrief backup") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise RestoreError(f"{self.path}: {MANIFEST} is not JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise RestoreError(f"{self.path}: {MANIFEST}: not a Debrief backup")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise RestoreError(f"{self.path}: {MANIFEST}: format_version "
                               f"{manifest.get('format_version')!r}; this version reads "
                               f"{FORMAT_VERSION}")
        for key, kind in (("alembic_revisions", list), ("tables", list), ("files", list)):
            if not isinstance(manifest.get(key), kind):
                raise RestoreError(f"{self.path}: {MANIFEST}: field {key!r} missing or wrong")
        for entry in manifest["tables"] + manifest["files"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("member"), str) or \
                    not isinstance(entry.get("sha256"), str):
                raise RestoreError(f"{self.path}: {MANIFEST}: malformed entry {entry!r:.80}")
        for entry in manifest["files"]:
            if not _safe_file_path(entry.get("path")):
                raise RestoreError(f"{self.path}: {MANIFEST}: unsafe file path "
                                   f"{entry.get('path')!r}")
        return manifest

    def _check_members(self) -> None:
        """Every member is listed and matches its checksum (and row count) before any write."""
        listed = {e["member"]: e for e in self.manifest["tables"] + self.manifest["files"]}
        extra = set(self.zf.namelist()) - set(listed) - {MANIFEST}
        if extra:
            raise RestoreError(f"{self.path}: members not in the manifest: "
                               f"{', '.join(sorted(extra)[:5])}")
        for member, entry in listed.items():
            digest = hashlib.sha256()
            lines = 0
            try:
                with self.zf.open(member) as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023
                        digest.update(chunk)
                        lines += chunk.count(b"\n")
            except KeyError:
                raise RestoreError(f"{self.path}: member {member} is missing") from None
            except (zipfile.BadZipFile, OSError) as exc:
                raise RestoreError(f"{self.path}: member {member} is damaged ({exc})") from None
            if digest.hexdigest() != entry["sha256"]:
                raise RestoreError(f"{self.path}: member {member} fails its sha256 checksum; "
                                   "the archive was modified or damaged")
            if member.startswith("tables/") and lines != entry.get("rows"):
                raise RestoreError(f"{self.path}: member {member} has {lines} rows, the "
                                   f"manifest says {entry.get('rows')}")

    def rows(self, member: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, object) for each row of a table member."""
        with self.zf.open(member) as fh:
            for n, raw in enumerate(fh, start=1):
                try:
                    obj = json.loads(raw)
                except ValueError as exc:
                    raise RestoreError(f"{member} line {n}: not JSON ({exc})") from None
                if not isinstance(obj, dict):
                    raise RestoreError(f"{member} line {n}: not a JSON object")
                yield n, obj


def _safe_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name.split("/")[0]:
        return False
    return ".." not in name.split("/") and posixpath.normpath(name) == name.rstrip("/")


def _safe_file_path(path: Any) -> bool:
    if not isinstance(path, str) or not _safe_name(path):
        return False
    return path.split("/")[0] in FILE_DIRS and len(path.split("/")) > 1


def check_revisions(archive: Archive, heads: list[str]) -> None:
    """Refuse an archive written by another schema version than this code's."""
    if archive.revisions != sorted(heads):
        raise RestoreError(
            f"{archive.path}: written at schema revision(s) {', '.join(archive.revisions)}, "
            f"this version of Debrief is at {', '.join(sorted(heads))}; restore with the "
            "matching version, then upgrade")


def code_heads() -> list[str]:
    """The schema revisions this version of the code migrates to."""
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def refuse_nonempty(conn: Connection, metadata: MetaData) -> None:
    """Refuse a target with rows in any known table (tables not yet created count as empty)."""
    present = set(inspect(conn).get_table_names())
    nonempty = [t.name for t in metadata.sorted_tables if t.name in present and
                conn.execute(select(1).select_from(t).limit(1)).first() is not None]
    if nonempty:
        raise RestoreError("the target database is not empty (rows in "
                           f"{', '.join(nonempty[:8])}); restore only into a fresh database")


def restore_rows(conn: Connection, archive: Archive, metadata: MetaData) -> RestoreReport:
    """Insert every archived row into the empty, migrated database on `conn` (no commit)."""
    in_db = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if in_db != archive.revisions:
        raise RestoreError(f"target database is at {', '.join(in_db) or 'no revision'}, the "
                           f"archive at {', '.join(archive.revisions)}")
    by_name = {e["name"]: e for e in archive.tables}
    _check_schema(conn, by_name, metadata)
    refuse_nonempty(conn, metadata)
    if conn.dialect.name == "sqlite":
        # Checked at COMMIT instead of per row, in case a future table refers to a later one.
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    report = RestoreReport()
    for table in metadata.sorted_tables:
        entry = by_name.get(table.name)
        report.tables[table.name] = _insert(conn, archive, table, entry) if entry else 0
    if conn.dialect.name == "postgresql":
        report.sequences = _reset_sequences(conn, metadata)
    return report


def _check_schema(conn: Connection, by_name: dict[str, dict[str, Any]],
                  metadata: MetaData) -> None:
    unknown = sorted(set(by_name) - set(metadata.tables))
    if unknown:
        raise RestoreError(f"the archive has tables this version does not know: "
                           f"{', '.join(unknown)}")
    present = set(inspect(conn).get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in present:
            raise RestoreError(f"table {table.name} is missing from the target after migrating")
        entry = by_name.get(table.name)
        if entry is None:
            continue
        archived, known = list(entry.get("columns") or []), [c.name for c in table.columns]
        if set(archived) != set(known):
            raise RestoreError(f"{entry['member']}: columns {sorted(set(archived) ^ set(known))} "
                               f"differ between the archive and table {table.name}")


def _insert(conn: Connection, archive: Archive, table: Table, entry: dict[str, Any]) -> int:
    decoders = {c.name: codec.decoder(c) for c in table.columns}
    json_cols = {c.name for c in table.columns if codec.is_json(c)}
    member, count, batch = entry["member"], 0, []
    stmt = table.insert()
    for n, obj in archive.rows(member):
        unknown = set(obj) - set(decoders)
        if unknown:
            raise RestoreError(f"{member} line {n}: unknown column(s) {', '.join(sorted(unknown))}")
        row: dict[str, Any] = {}
        for name, decode in decoders.items():
            if name not in obj:
                if name not in json_cols:
                    raise RestoreError(f"{member} line {n}: column {name} is missing")
                row[name] = codec.sql_null()
                continue
            try:
                row[name] = decode(obj[name])
            except (TypeError, ValueError, IndexError) as exc:
                raise RestoreError(f"{member} line {n}, column {name}: {exc}") from None
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(stmt, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(stmt, batch)
        count += len(batch)
    return count


def _reset_sequences(conn: Connection, metadata: MetaData) -> list[str]:
    """Move each serial/identity sequence past the restored ids so new rows do not collide."""
    done = []
    for table in metadata.sorted_tables:
        for col in table.primary_key.columns:
            seq = conn.execute(select(func.pg_get_serial_sequence(
                conn.dialect.identifier_preparer.format_table(table), col.name))).scalar()
            if seq is None:
                continue
            top = conn.execute(select(func.max(col))).scalar()
            if top is None:
                conn.execute(select(func.setval(seq, 1, False)))
            else:
                conn.execute(select(func.setval(seq, top)))
            done.append(seq)
    return done


def check_files(archive: Archive, instance_path: Path) -> None:
    """Refuse before any write when an archived file would replace a different one."""
    for entry in archive.files:
        dest = Path(instance_path) / entry["path"]
        if dest.is_symlink() or (dest.exists() and hashlib.sha256(
                dest.read_bytes()).hexdigest() != entry["sha256"]):
            raise RestoreError(f"{dest}: already exists with other content; move it away first")


def restore_files(archive: Archive, instance_path: Path) -> list[str]:
    """Write the archived instance files (after the database commit, like any side effect)."""
    written = []
    for entry in archive.files:
        dest = Path(instance_path) / entry["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".restore-")
        with os.fdopen(fd, "wb") as out:
            out.write(archive.zf.read(entry["member"]))
        os.replace(tmp, dest)
        written.append(entry["path"])
    return written
