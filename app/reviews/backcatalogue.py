"""Import a back catalogue of Markdown postmortems as incidents with published reviews."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.incidents.service import IncidentData, create_incident
from app.models import (
    Action,
    ActionStatus,
    ContributingFactor,
    EventKind,
    FactorCategory,
    Provenance,
    Review,
    ReviewSection,
    ReviewStatus,
    Service,
    TimelineEvent,
    TimelineImport,
)
from app.timeline.kinds import guess_kind

from .postmortem_parser import ParsedPostmortem, parse_postmortem
from .snapshot import build_snapshot

FORMAT = "postmortem"
# Words that point a factor at the part of the response it concerns (first match wins).
_CATEGORY_WORDS: tuple[tuple[FactorCategory, re.Pattern[str]], ...] = (
    (FactorCategory.DETECTION, re.compile(r"\b(alert\w*|monitor\w*|pag(ed|ing)|detect\w*)\b",
                                          re.I)),
    (FactorCategory.COMMUNICATION, re.compile(r"\b(communicat\w*|status ?page|inform\w*)\b",
                                              re.I)),
    (FactorCategory.DIAGNOSIS, re.compile(r"\b(logs?|logging|tracing|diagnos\w*)\b", re.I)),
    (FactorCategory.TRIAGE, re.compile(r"\b(dashboard\w*|triage)\b", re.I)),
    (FactorCategory.RECOVERY, re.compile(r"\b(roll ?back|deploy\w*|restor\w*|recover\w*)\b",
                                         re.I)),
    (FactorCategory.REPAIR, re.compile(r"\b(ci|pipeline|hotfix|fix\w*)\b", re.I)),
    (FactorCategory.PREVENTION, re.compile(
        r"\b(test\w*|config\w*|upgrad\w*|capacity|limit\w*|version|code|bug)\b", re.I)),
)
_SEVERITY = re.compile(r"(?:sev|p)\s*-?\s*([1-4])", re.I)


def guess_category(text: str) -> FactorCategory:
    """The response phase a factor's words point at; process when nothing does."""
    for category, pattern in _CATEGORY_WORDS:
        if pattern.search(text):
            return category
    return FactorCategory.PROCESS


@dataclass
class FileReport:
    """What was recognised in one file, or why it was skipped."""

    path: str
    status: str  # imported | skipped | error
    detail: str = ""
    incident_id: int | None = None
    events: int = 0
    zone: str | None = None
    sections: list[str] = field(default_factory=list)


def _severity(pm: ParsedPostmortem) -> int:
    match = _SEVERITY.search(pm.severity or "")
    return int(match.group(1)) if match else 3


def _started(pm: ParsedPostmortem) -> datetime | None:
    if pm.timeline_events:
        return min(e.occurred_at for e in pm.timeline_events)
    if pm.date:
        return datetime.combine(pm.date, time(0, 0), tzinfo=UTC)
    return None


def _sections(pm: ParsedPostmortem) -> list[tuple[str, str, str, str]]:
    """(key, title, holds, content) for the imported review."""
    rows = [("summary", "Summary", "text", pm.summary or ""),
            ("impact", "Impact", "impact", pm.impact or ""),
            ("timeline", "Timeline", "timeline", pm.timeline_text or ""),
            ("factors", "Contributing factors", "factors", ""),
            ("lessons", "Lessons learned", "list", "\n".join(f"- {x}" for x in pm.lessons)),
            ("actions", "Actions", "actions", "")]
    for i, (heading, body) in enumerate(pm.other_sections):
        if body.strip():
            rows.append((f"other_{i}", heading or "Introduction", "text", body))
    return rows


def import_file(db: Session, actor: Any, path: Path, label: str,
                default_tz: tzinfo | None) -> FileReport:
    """Import one postmortem as an incident with a published review (flushes only)."""
    if db.scalar(select(TimelineImport.id).where(TimelineImport.format == FORMAT,
                                                 TimelineImport.filename == label[:255])):
        return FileReport(label, "skipped", "already imported")
    # NUL never belongs in a postmortem and PostgreSQL refuses it in text columns.
    text = path.read_text(encoding="utf-8", errors="replace").replace("\x00", "")
    pm = parse_postmortem(text, label, default_tz=default_tz)
    known = _known_services(db, pm.services)
    incident = create_incident(db, actor, IncidentData(
        title=pm.title[:200], type="outage", severity=_severity(pm), status="closed",
        summary=pm.summary or "", impact_description=pm.impact or "",
        started_at=_started(pm), services=known,
        tags=["postmortem-import", *pm.tags][:10]))
    if incident.started_at is not None:
        incident.started_at_source = Provenance.IMPORTED
    record = TimelineImport(incident_id=incident.id, format=FORMAT, filename=label[:255],
                            zone_assumed=pm.zone.name if pm.zone else None,
                            report={"recognised": _jsonable(pm.recognised)})
    db.add(record)
    db.flush()
    for i, ev in enumerate(pm.timeline_events):
        db.add(TimelineEvent(
            incident_id=incident.id, occurred_at=ev.occurred_at, text=ev.text,
            text_original=ev.text, kind=EventKind(guess_kind(ev.text)), source=FORMAT,
            source_id=f"{label}:{ev.line}:{i}"[:255], event_type="timeline_entry",
            import_id=record.id, starred=True))
    review = Review(incident_id=incident.id, template_key="imported",
                    template_snapshot={"key": "imported", "name": "Imported postmortem",
                                       "sections": [{"key": k, "title": t, "holds": h,
                                                     "required": False, "prompt": "",
                                                     "guidance": ""}
                                                    for k, t, h, _ in _sections(pm)]},
                    status=ReviewStatus.DRAFT)
    review.sections = [ReviewSection(key=k, position=i, content=c)
                       for i, (k, _t, _h, c) in enumerate(_sections(pm))]
    db.add(review)
    db.flush()
    for text in pm.contributing_factors:
        db.add(ContributingFactor(incident_id=incident.id, review_id=review.id,
                                  category=guess_category(text), description=text[:5000]))
    for act in pm.actions:
        db.add(Action(incident_id=incident.id, review_id=review.id, title=act.title[:300],
                      description=act.detail,
                      status=ActionStatus.DONE if act.done else ActionStatus.OPEN))
    db.flush()
    review.published_snapshot = build_snapshot(db, review, incident)
    review.published_version = 1
    review.published_at = incident.started_at or datetime.now(UTC)
    review.status = ReviewStatus.PUBLISHED
    db.flush()
    return FileReport(label, "imported", incident_id=incident.id,
                      events=len(pm.timeline_events),
                      zone=pm.zone.source if pm.zone else pm.recognised.get("zone"),
                      sections=[s["as"] for s in pm.recognised.get("sections", [])
                                if isinstance(s, dict) and s.get("as")])


def _known_services(db: Session, names: list[str]) -> list[str]:
    """The catalogue's spelling of the named services it knows (others are left out)."""
    if not names:
        return []
    wanted = {n.strip().lower() for n in names if n and n.strip()}
    return [name for name in db.scalars(select(Service.name)) if name.lower() in wanted]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
