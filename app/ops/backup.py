"""Write a consistent, versioned backup archive: every table as JSON Lines, plus files."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select, text

from . import codec

FORMAT = "debrief-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Instance sub-folders whose files belong to the installation, not to the code.
FILE_DIRS = ("uploads", "review_templates")
BATCH = 2000


class BackupError(RuntimeError):
    """The backup cannot be written; nothing was left behind."""


@dataclass
class BackupResult:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    revisions: list[str] = field(default_factory=list)


def app_version() -> str:
    """The installed Debrief version, or 'unknown' when run from a bare checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("debrief")
    except PackageNotFoundError:
        return "unknown"


def create_backup(engine: Engine, metadata: MetaData, target: Path,
                  instance_path: Path | None, now: datetime | None = None) -> BackupResult:
    """Write every table of `metadata` and the instance files to the ZIP `target`."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target}: already exists; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder")
    fd, tmp_name = tempfile.mkstemp(prefix=".debrief-backup-", suffix=".zip", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        result = _write(engine, metadata, tmp, instance_path, now or datetime.now(UTC))
        os.chmod(tmp, 0o600)  # the archive holds password hashes and restricted incidents
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    result.path = target
    return result


def _write(engine: Engine, metadata: MetaData, path: Path, instance_path: Path | None,
           now: datetime) -> BackupResult:
    result = BackupResult(path)
    tables_meta: list[dict[str, Any]] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf, \
            _snapshot(engine) as conn:
        _check_tables(conn, metadata)
        result.revisions = _revisions(conn)
        for table in metadata.sorted_tables:
            member = f"tables/{table.name}.jsonl"
            digest = hashlib.sha256()
            count = 0
            with zf.open(member, "w", force_zip64=True) as out:
                for line in _table_lines(conn, table):
                    data = line.encode("utf-8")
                    digest.update(data)
                    out.write(data)
                    count += 1
            result.tables[table.name] = count
            tables_meta.append({"name": table.name, "member": member, "rows": count,
                                "sha256": digest.hexdigest(),
                                "columns": [c.name for c in table.columns]})
        files_meta = _write_files(zf, instance_path)
        result.files = len(files_meta)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version(),
            "alembic_revisions": result.revisions, "created_at": now.isoformat(),
            "dialect": engine.dialect.name, "tables": tables_meta, "files": files_meta,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
    return result


class _snapshot:
    """A connection in one read transaction: REPEATABLE READ on PostgreSQL."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self) -> Connection:
        self.conn = self.engine.connect()
        if self.engine.dialect.name == "postgresql":
            # One snapshot for every table, so rows written meanwhile cannot half-appear.
            self.conn.execution_options(isolation_level="REPEATABLE READ")
        self.trans = self.conn.begin()
        if self.engine.dialect.name == "postgresql":
            self.conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        return self.conn

    def __exit__(self, *exc: object) -> None:
        try:
            self.trans.rollback()  # read only: nothing to keep
        finally:
            self.conn.close()


def _check_tables(conn: Connection, metadata: MetaData) -> None:
    present = set(inspect(conn).get_table_names())
    missing = [t.name for t in metadata.sorted_tables if t.name not in present]
    if missing:
        raise BackupError(f"tables missing from the database: {', '.join(missing)}; "
                          "run `flask db upgrade` first")


def _revisions(conn: Connection) -> list[str]:
    if "alembic_version" not in inspect(conn).get_table_names():
        raise BackupError("the database has no alembic_version table; run `flask db upgrade`")
    return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _table_lines(conn: Connection, table: Table) -> Iterator[str]:
    """One JSON object per row; a JSON column's key is absent when its value is SQL NULL."""
    json_cols = [c for c in table.columns if codec.is_json(c)]
    flags = [c.is_(None).label(f"__null_{i}") for i, c in enumerate(json_cols)]
    # Primary-key order keeps a parent before its children in self-referencing tables.
    order = list(table.primary_key.columns) or list(table.columns)
    stmt = select(*table.columns, *flags).order_by(*order)
    names = [c.name for c in table.columns]
    json_names = {c.name for c in json_cols}
    rows = conn.execution_options(yield_per=BATCH).execute(stmt)
    for row in rows:
        values = tuple(row)
        null_flags = values[len(names):]
        sql_null = {c.name for c, flag in zip(json_cols, null_flags, strict=True) if flag}
        obj: dict[str, Any] = {}
        for name, value in zip(names, values, strict=False):
            if name in json_names:
                if name not in sql_null:
                    obj[name] = value
            else:
                obj[name] = codec.encode(value)
        yield json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _write_files(zf: zipfile.ZipFile, instance_path: Path | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if instance_path is None:
        return out
    for top in FILE_DIRS:
        root = Path(instance_path) / top
        if not root.is_dir() or root.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue  # links could point outside the instance folder
                rel = path.relative_to(instance_path).as_posix()
                data = path.read_bytes()
                member = f"files/{rel}"
                zf.writestr(member, data)
                out.append({"path": rel, "member": member, "size": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()})
    return out
