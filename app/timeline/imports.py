"""Import a file into an incident's timeline: parse, scrub, select, de-duplicate, store.

One pipeline serves the preview and the real import, so what the preview promises is
what the import does. The caller owns the transaction: nothing is written unless it
commits, and an error anywhere leaves the database untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.models import EventKind, Incident, TimelineEvent, TimelineImport
from app.search.tracking import mark_dirty

from .importers import (
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
    detect,
    get,
)
from .importers.archive import ZipLimits
from .scrub import scrub, scrub_value

# Rows per INSERT: large enough to amortise round trips, small enough for bound limits.
BATCH = 2000


@dataclass
class Selection:
    """What the user asked to keep."""

    since: datetime | None = None
    until: datetime | None = None
    channels: frozenset[str] | None = None
    words: tuple[str, ...] = ()
    threads_only: bool = False
    scrub_emails: bool = False
    scrub_phones: bool = False
    zip_limits: ZipLimits | None = None  # the installation's, from its settings


@dataclass
class ImportSummary:
    """What an import found, kept, skipped and redacted; shown in preview and result."""

    format: str
    filename: str
    zone_assumed: str | None = None
    parsed: int = 0
    kept: int = 0
    duplicates: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    by_author: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    redacted: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)

    def to_job_dict(self) -> dict[str, Any]:
        """to_dict() plus the sample events, for a preview computed in a background job."""
        return {**self.to_dict(), "sample": [
            {**e, "at": e["at"].isoformat()} for e in self.sample]}

    @classmethod
    def from_job_dict(cls, d: dict[str, Any]) -> ImportSummary:
        """The summary back from to_job_dict()."""
        def when(v: str | None) -> datetime | None:
            return datetime.fromisoformat(v) if v else None
        return cls(format=d["format"], filename=d["filename"], zone_assumed=d["zone_assumed"],
                   parsed=d["parsed"], kept=d["kept"], duplicates=d["duplicates"],
                   by_channel=Counter(d["by_channel"]), by_author=Counter(d["by_author"]),
                   by_kind=Counter(d["by_kind"]), skipped=Counter(d["skipped"]),
                   redacted=Counter(d["redacted"]), warnings=list(d["warnings"]),
                   first=when(d["first"]), last=when(d["last"]),
                   sample=[{**e, "at": when(e["at"])} for e in d.get("sample", [])])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (stored on the import row, printed by the CLI)."""
        return {
            "format": self.format, "filename": self.filename, "zone_assumed": self.zone_assumed,
            "parsed": self.parsed, "kept": self.kept, "duplicates": self.duplicates,
            "by_channel": dict(self.by_channel.most_common()),
            "by_author": dict(self.by_author.most_common(20)),
            "by_kind": dict(self.by_kind.most_common()),
            "skipped": dict(self.skipped.most_common()),
            "redacted": dict(self.redacted.most_common()),
            "warnings": self.warnings[:20],
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
        }


def default_window(incident: Incident) -> tuple[datetime | None, datetime | None]:
    """One hour before the start to one day after recovery, where those are known."""
    since = incident.started_at - timedelta(hours=1) if incident.started_at else None
    until = incident.recovered_at + timedelta(days=1) if incident.recovered_at else None
    return since, until


def _selected(ev: NormalizedEvent, sel: Selection, summary: ImportSummary) -> bool:
    if sel.since and ev.occurred_at < sel.since:
        summary.skipped["before the time window"] += 1
        return False
    if sel.until and ev.occurred_at > sel.until:
        summary.skipped["after the time window"] += 1
        return False
    if sel.threads_only and not ev.thread_ref:
        summary.skipped["not in a thread"] += 1
        return False
    if sel.words:
        low = ev.text_original.lower()
        if not any(w in low for w in sel.words):
            summary.skipped["no matching words"] += 1
            return False
    return True


def _events(db: Session, incident: Incident, source: Source, fmt: str | None,
            tz: tzinfo | None, sel: Selection, summary_out: list[ImportSummary]
            ) -> Iterator[tuple[NormalizedEvent, dict[str, Any]]]:
    importer = get(fmt) if fmt else detect(source)
    if importer.needs_zone and tz is None:
        raise ImportFormatError(
            f"{importer.label} carries no time zone: choose the zone the times were written in",
            file=source.name, field="tz")
    report = ParseReport()
    summary = ImportSummary(format=importer.name, filename=source.name)
    summary_out.append(summary)
    existing = set(db.scalars(select(TimelineEvent.source_id).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.source == importer.name)))
    seen: set[str] = set()
    options = ImportOptions(tz=tz, channels=sel.channels, zip_limits=sel.zip_limits)
    for ev in importer.parse(source, options, report):
        summary.parsed += 1
        if not _selected(ev, sel, summary):
            continue
        if ev.source_id in existing or ev.source_id in seen:
            summary.duplicates += 1
            continue
        seen.add(ev.source_id)
        original = scrub(ev.text_original, emails=sel.scrub_emails, phones=sel.scrub_phones)
        text = original if ev.text == ev.text_original else scrub(
            ev.text, emails=sel.scrub_emails, phones=sel.scrub_phones)
        raw, _raw_counts = scrub_value(ev.raw, emails=sel.scrub_emails,
                                       phones=sel.scrub_phones)
        summary.redacted.update(original.counts)
        # The Markdown text is derived from the original: count its redactions only once.
        row = {
            "incident_id": incident.id, "occurred_at": ev.occurred_at,
            "author_name": (ev.author_name or ev.author_id or "")[:200],
            "author_id": (ev.author_id or None) and ev.author_id[:200],
            "text": text.text, "text_original": original.text,
            "kind": EventKind(ev.kind), "source": importer.name,
            "source_id": ev.source_id[:255], "event_type": ev.event_type[:40],
            "channel": ev.channel[:200] if ev.channel else None,
            "thread_ref": ev.thread_ref[:255] if ev.thread_ref else None,
            # Attachment links carry tokens too (Slack's ?t=xoxe-...): scrubbed like text.
            "attachments": [{"name": a.name, "mime": a.mime,
                             "url": a.url and scrub(a.url, emails=sel.scrub_emails).text}
                            for a in ev.attachments],
            "raw": raw, "starred": False, "hidden": False, "annotation": "",
        }
        summary.kept += 1
        summary.by_channel[ev.channel or "—"] += 1
        summary.by_author[ev.author_name or ev.author_id or "unknown"] += 1
        summary.by_kind[ev.kind] += 1
        summary.first = min(summary.first or ev.occurred_at, ev.occurred_at)
        summary.last = max(summary.last or ev.occurred_at, ev.occurred_at)
        if len(summary.sample) < 8:
            summary.sample.append({"at": ev.occurred_at, "author": row["author_name"],
                                   "channel": row["channel"], "text": text.text[:300],
                                   "kind": ev.kind})
        yield ev, row
    summary.skipped.update(report.skipped)
    summary.warnings.extend(report.warnings)
    summary.zone_assumed = report.zone_assumed
    if summary.zone_assumed is None and importer.needs_zone and tz is not None:
        summary.zone_assumed = getattr(tz, "key", None) or str(tz)


def _insert(db: Session, rows: list[dict[str, Any]]) -> None:
    # A Core executemany on the table: the ORM's bulk path splits rows into many small
    # statements when optional columns differ, which made imports 10x slower.
    db.execute(insert(TimelineEvent.__table__), rows)


def preview(db: Session, incident: Incident, source: Source, fmt: str | None = None,
            tz: tzinfo | None = None, sel: Selection | None = None,
            progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Parse and count without writing anything (progress(n) every BATCH events)."""
    out: list[ImportSummary] = []
    for n, _ in enumerate(_events(db, incident, source, fmt, tz, sel or Selection(), out), 1):
        if progress and n % BATCH == 0:
            progress(n)
    return out[0]


def run_import(db: Session, actor: Any, incident: Incident, source: Source,
               fmt: str | None = None, tz: tzinfo | None = None,
               sel: Selection | None = None,
               progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Store the selected, scrubbed, de-duplicated events (flushes; the caller commits).

    progress(n), when given, is called after each batch with the events stored so far.
    """
    out: list[ImportSummary] = []
    batch: list[dict[str, Any]] = []
    stored = 0
    record = TimelineImport(incident_id=incident.id, format=fmt or "auto",
                            filename=source.name[:255], created_by_id=getattr(actor, "id", None),
                            created_at=utcnow())
    db.add(record)
    db.flush()
    for _ev, row in _events(db, incident, source, fmt, tz, sel or Selection(), out):
        row["import_id"] = record.id
        batch.append(row)
        if len(batch) >= BATCH:
            _insert(db, batch)
            stored += len(batch)
            batch = []
            if progress:
                progress(stored)
    if batch:
        _insert(db, batch)
    mark_dirty(db, incident.id)  # Core inserts bypass the ORM events search listens to
    summary = out[0]
    record.format = summary.format
    record.zone_assumed = summary.zone_assumed
    record.report = summary.to_dict()
    audit.record(db, actor, "timeline_import", record.id, "import",
                 {"format": summary.format, "file": source.name, "kept": summary.kept,
                  "duplicates": summary.duplicates}, incident.id)
    db.flush()
    return summary


def last_import_id(db: Session, incident_id: int) -> int | None:
    """The id of the incident's newest import record."""
    return db.scalar(select(TimelineImport.id).where(TimelineImport.incident_id == incident_id)
                     .order_by(TimelineImport.id.desc()).limit(1))
