"""Large imports as background jobs: the preview and the import itself, with progress.

Each job opens its own session; the import is still one transaction, so a failure or a
dead process writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import jobs
from app.db import database, writer
from app.models import Incident, User

from . import imports, uploads
from .import_options import source_for
from .importers import ImportFormatError, Source


def _incident(db: Any, incident_id: int) -> Incident:
    incident = db.get(Incident, incident_id)
    if incident is None:
        raise jobs.JobError("The incident was deleted meanwhile; nothing was imported.")
    return incident


def start_preview(app: Flask, user_id: int, incident_id: int,
                  pending: uploads.PendingUpload, path: Path, preview_url: str) -> str:
    """Read the whole file in the background; the result goes back to the preview page."""
    def work(progress: jobs.Progress) -> dict[str, Any]:
        db = database(app).sessionmaker()
        try:
            fmt, tz, sel = source_for(pending.options)
            summary = imports.preview(
                db, _incident(db, incident_id), Source(pending.filename, path=path), fmt, tz,
                sel, progress=lambda n: progress(n, None, "events read"))
        except ImportFormatError as exc:
            raise jobs.JobError(str(exc)) from None
        finally:
            db.close()
        return {"token": pending.token, "summary": summary.to_job_dict(),
                "url": f"{preview_url}?job={progress.job_id}"}  # type: ignore[attr-defined]

    return jobs.start(app, "import-preview", user_id, f"Reading {pending.filename}", work)


def start_import(app: Flask, user_id: int, incident_id: int, pending: uploads.PendingUpload,
                 path: Path, expected: int | None, script_root: str) -> str:
    """Store the events in the background, in one transaction; then show the result."""
    def work(progress: jobs.Progress) -> dict[str, Any]:
        with writer():
            return _store(progress)

    def _store(progress: jobs.Progress) -> dict[str, Any]:
        db = database(app).sessionmaker()
        try:
            fmt, tz, sel = source_for(pending.options)
            incident = _incident(db, incident_id)
            summary = imports.run_import(
                db, db.get(User, user_id), incident, Source(pending.filename, path=path), fmt,
                tz, sel, progress=lambda n: progress(n, expected, "events stored"))
            progress(summary.kept, expected, "saving")
            db.commit()
            record_id = imports.last_import_id(db, incident_id)
        except ImportFormatError as exc:
            db.rollback()
            raise jobs.JobError(str(exc)) from None
        finally:
            db.close()
        uploads.discard(app.instance_path, pending.token)
        return {"url": f"{script_root}/incidents/{incident_id}/imports/{record_id}",
                "kept": summary.kept, "duplicates": summary.duplicates}

    return jobs.start(app, "import", user_id, f"Importing {pending.filename}", work)
