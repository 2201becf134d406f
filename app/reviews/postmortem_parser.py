"""Parse a back-catalogue Markdown postmortem into structured review content (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from .postmortem_sections import (
    ParsedAction,
    Section,
    extract_actions,
    extract_items,
    split_sections,
    strip_inline,
)
from .postmortem_timeline import (
    ParsedEvent,
    TimelineSection,
    ZoneChoice,
    find_zone_statement,
    parse_date_text,
    parse_timeline,
    stamps_first,
    zone_for_token,
    zone_name,
)

__all__ = [
    "ParsedAction", "ParsedEvent", "ParsedPostmortem", "PostmortemParseError", "SkippedFile",
    "ZoneChoice", "iter_postmortem_files", "parse_postmortem",
]

NO_ZONE_NOTE = "no zone stated; pass --tz"
_DATE_KEYS = ("date", "incident_date", "start_time", "started_at", "start", "started",
              "occurred_at", "incident_start", "detected_at")
_SEVERITY_KEYS = ("severity", "sev", "priority", "incident_severity", "level")
_SERVICE_KEYS = ("services", "service", "components", "component", "systems", "affected_services")
_TAG_KEYS = ("tags", "keywords", "categories", "labels")
_TZ_KEYS = ("timezone", "time_zone", "tz", "zone")
_DATE_LINE = re.compile(
    r"(?i)^\s*(?:[-*+]\s+)?[*_]*(?:incident\s+)?(?:date(?:\s+of\s+incident)?|incident\s+date)[*_]*"
    r"\s*[:\-–]\s*[*_]*\s*(?P<v>.+)$")
_KEY_EVENT_LINE = re.compile(
    r"(?i)^\s*(?:[-*+]\s+)?[*_]*(?:first\s+detected|detected|fault\s+occurs|started|began|"
    r"incident\s+(?:start|began|started))[*_]*\s*(?:at|on)?\s*[:\-–]?\s*(?P<v>.+)$")
_SEVERITY_LINE = re.compile(
    r"(?i)^\s*(?:[-*+|]\s*)?[*_]*(?:incident\s+)?(?:severity|sev(?:erity)?\s+level|priority)[*_]*"
    r"\s*[:|]\s*[*_]*(?P<v>[^|]+?)[*_|]*\s*$")
_KEY_EVENTS = re.compile(r"(?i)^key (?:events|times|timestamps|moments)\W*$")
_SKIP_NAMES = {"readme", "index", "_index", "summary", "changelog", "contributing", "license",
               "code_of_conduct", "security"}
_MD_SUFFIXES = (".md", ".markdown", ".md.erb")


class PostmortemParseError(ValueError):
    """A postmortem that cannot be read (malformed front matter), naming file and line."""

    def __init__(self, message: str, filename: str, line: int | None = None) -> None:
        self.message, self.filename, self.line = message, filename, line
        where = f"{filename}:{line}" if line else filename
        super().__init__(f"{where}: {message}")


@dataclass
class ParsedPostmortem:
    """Everything read from one postmortem; `recognised` says how each part was found."""

    filename: str
    title: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    date: date | None = None
    severity: str | None = None
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    impact: str | None = None
    timeline_text: str | None = None
    contributing_factors: list[str] = field(default_factory=list)
    actions: list[ParsedAction] = field(default_factory=list)
    lessons: list[str] = field(default_factory=list)
    other_sections: list[tuple[str, str]] = field(default_factory=list)
    timeline_events: list[ParsedEvent] = field(default_factory=list)
    zone: ZoneChoice | None = None
    recognised: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedFile:
    """A path passed over while collecting postmortems, and why."""

    path: Path
    reason: str


def parse_postmortem(
    text: str, filename: str, *, default_tz: tzinfo | None = None,
) -> ParsedPostmortem:
    """Parse Markdown postmortem `text`; raise PostmortemParseError on malformed front matter."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, body_start = _front_matter(lines, filename)
    sections = split_sections(lines, body_start)
    stem = Path(filename).name
    for suffix in _MD_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    title, title_source = _title(front, sections, stem)
    if title_source == "file name":
        title, title_source = _opening_sentence(front, sections) or (title, title_source)
    pm = ParsedPostmortem(filename=filename, title=title, front_matter=front)
    report: dict[str, Any] = {"title": title_source, "front_matter_keys": sorted(front),
                              "sections": [], "notes": []}
    pm.recognised = report
    # A title that fell back to the file name must not lend the incident a date.
    content_title = title if title_source not in ("file name", "first sentence") else ""
    pm.date, report["date"] = _incident_date(front, sections, content_title)
    pm.severity = _severity(front, sections)
    pm.services = _string_list(_first(front, _SERVICE_KEYS))
    pm.tags = _string_list(_first(front, _TAG_KEYS))
    _fill_sections(pm, sections, report)
    if pm.summary is None and isinstance(front.get("summary"), str) and front["summary"].strip():
        pm.summary = front["summary"].strip()
        report["notes"].append("summary taken from front matter")
    if pm.impact is None and isinstance(front.get("impact"), str) and front["impact"].strip():
        pm.impact = front["impact"].strip()
    _fill_timeline(pm, front, sections, default_tz, report)
    return pm


def _front_matter(lines: list[str], filename: str) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise PostmortemParseError("front matter opened with '---' is never closed", filename, 1)
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        raise PostmortemParseError(f"malformed front matter: {exc.problem or exc}", filename,
                                   line) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # PyYAML raises plain ValueError for impossible dates such as 2021-13-45.
        raise PostmortemParseError(f"malformed front matter: {exc}", filename, 1) from None
    if data is None:
        return {}, end + 1
    if not isinstance(data, dict):
        raise PostmortemParseError("front matter is not a mapping of keys to values", filename, 2)
    return {str(k): v for k, v in data.items()}, end + 1


def _title(front: dict[str, Any], sections: list[Section], stem: str) -> tuple[str, str]:
    value = front.get("title")
    if isinstance(value, str | int | float) and str(value).strip():
        return str(value).strip(), "front matter"
    headings = [s for s in sections if s.level <= 6 and s.heading]
    for candidate in [s for s in headings if s.level == 1] + [s for s in headings if not s.kind]:
        text = strip_inline(candidate.heading)
        if text:
            return text, "heading"
    return stem, "file name"


def _opening_sentence(front: dict[str, Any],
                      sections: list[Section]) -> tuple[str, str] | None:
    """A title from the summary's or the body's first sentence, for untitled documents
    (an identifier such as a UUID as file name tells a reader nothing)."""
    summary = front.get("summary")
    texts = [summary] if isinstance(summary, str) else []
    texts += [t for sec in sections for _, t in sec.lines]
    for raw in texts:
        line = strip_inline(raw.strip())
        if not line or line.startswith(("|", "#", "<", "---")) or not re.search(r"[^\W\d_]", line):
            continue
        sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0].rstrip(".")
        if len(sentence) > 100:
            sentence = sentence[:100].rsplit(" ", 1)[0] + " …"
        company = front.get("company")
        if isinstance(company, str) and company.strip() and company.lower() not in \
                sentence.lower():
            sentence = f"{company.strip()}: {sentence}"
        return sentence, "first sentence"
    return None


def _incident_date(
    front: dict[str, Any], sections: list[Section], title: str,
) -> tuple[date | None, str | None]:
    for key in _DATE_KEYS:
        value = front.get(key)
        if isinstance(value, datetime):
            return value.date(), f"front matter {key!r}"
        if isinstance(value, date):
            return value, f"front matter {key!r}"
        if isinstance(value, str) and (day := parse_date_text(value.strip())):
            return day, f"front matter {key!r}"
    for pattern, label in ((_DATE_LINE, "'Date:' line"), (_KEY_EVENT_LINE, "key event line")):
        for section in sections:
            for number, text in section.lines:
                m = pattern.match(text)
                if m and (day := parse_date_text(m.group("v").strip(" *_"), search=True)):
                    return day, f"{label} {number}"
    day = parse_date_text(title, search=True)
    if day:
        return day, "title"
    for section in sections:
        if section.kind == "summary":
            for number, text in section.lines:
                if day := parse_date_text(text, search=True):
                    return day, f"summary line {number}"
    return None, None


def _severity(front: dict[str, Any], sections: list[Section]) -> str | None:
    value = _first(front, _SEVERITY_KEYS)
    if isinstance(value, str | int) and str(value).strip():
        return str(value).strip()
    for section in sections:
        for _, text in section.lines:
            m = _SEVERITY_LINE.match(text)
            if m and strip_inline(m.group("v")):
                return strip_inline(m.group("v"))
    return None


def _fill_sections(pm: ParsedPostmortem, sections: list[Section], report: dict[str, Any]) -> None:
    texts: dict[str, list[str]] = {"summary": [], "impact": [], "timeline": []}
    for section in sections:
        body = section.body()
        if section.kind is None:
            if body or (section.heading and section.level > 1):
                pm.other_sections.append((section.heading, body))
            continue
        report["sections"].append(
            {"heading": section.heading, "as": section.kind, "line": section.line})
        if section.kind in texts:
            if body:
                texts[section.kind].append(body)
        elif section.kind == "contributing_factors":
            pm.contributing_factors.extend(extract_items(section.body_lines()))
        elif section.kind == "lessons":
            pm.lessons.extend(extract_items(section.body_lines()))
        elif section.kind == "actions":
            pm.actions.extend(extract_actions(section.body_lines()))
    pm.summary = "\n\n".join(texts["summary"]) or None
    pm.impact = "\n\n".join(texts["impact"]) or None
    pm.timeline_text = "\n\n".join(texts["timeline"]) or None


def _document_zone(
    front: dict[str, Any], sections: list[Section], report: dict[str, Any],
) -> ZoneChoice | None:
    value = _first(front, _TZ_KEYS)
    if isinstance(value, str) and (tz := zone_for_token(value.strip())) is not None:
        return ZoneChoice(zone_name(tz), tz, f"front matter says {value.strip()!r}")
    found: list[ZoneChoice] = []
    for section in sections:
        if section.kind == "timeline":
            continue
        for _, text in [(section.line, section.heading), *section.lines]:
            statement = find_zone_statement(text, strict=True)
            if statement is not None:
                found.append(statement)
    if len({z.name for z in found}) > 1:
        report["notes"].append(
            "document states several zones outside the timeline; using the first: "
            + ", ".join(z.source for z in found))
    return found[0] if found else None


def _fill_timeline(
    pm: ParsedPostmortem, front: dict[str, Any], sections: list[Section],
    default_tz: tzinfo | None, report: dict[str, Any],
) -> None:
    timeline = [TimelineSection(s.heading, s.lines) for s in sections if s.kind == "timeline"]
    if not timeline:
        report["notes"].append("no timeline section")
    zone = _document_zone(front, sections, report)
    result = parse_timeline(timeline, document_zone=zone, default_tz=default_tz,
                            incident_date=pm.date)
    if not result.events and not result.unplaced:
        keys = [TimelineSection(s.heading, s.lines) for s in sections if s.kind == "timeline"
                or _KEY_EVENTS.match(strip_inline(s.heading))]
        keyed = parse_timeline(stamps_first(keys), document_zone=zone,
                               default_tz=default_tz, incident_date=pm.date)
        if keyed.events or keyed.unplaced:
            result = keyed
            report["notes"].append("timeline read from a key-events list (label, then time)")
    pm.timeline_events = result.events
    if result.events:
        first_zone = result.events[0].zone
        pm.zone = next((z for z in result.zones_used if z.name == first_zone), None)
    report["events"] = len(result.events)
    report["unplaced_events"] = result.unplaced
    report["zones"] = [f"{z.name} ({z.source})" for z in result.zones_used]
    report["zone"] = pm.zone.source if pm.zone else (NO_ZONE_NOTE if result.unplaced else None)
    if result.unplaced:
        report["notes"].append(f"{result.unplaced} timeline entries not placed: {NO_ZONE_NOTE}")
    report["notes"].extend(result.notes)
    report["skipped_lines"] = result.skipped


def _first(front: dict[str, Any], keys: Iterable[str]) -> Any:
    lowered = {k.lower(): v for k, v in front.items()}
    return next((lowered[k] for k in keys if lowered.get(k) not in (None, "", [])), None)


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        # Scalars only: str() of a nested list built from YAML aliases ("billion laughs")
        # would expand it in full and hang the import.
        return [str(v).strip() for v in value
                if isinstance(v, str | int | float | date) and str(v).strip()]
    return []


def iter_postmortem_files(
    paths: Iterable[str | Path], *, skipped: list[SkippedFile] | None = None,
) -> Iterator[Path]:
    """Yield Markdown postmortems under `paths`; README/index/template files go to `skipped`."""
    seen: set[Path] = set()
    note = skipped.append if skipped is not None else (lambda _item: None)
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            if path not in seen:  # a file named explicitly is always wanted
                seen.add(path)
                yield path
            continue
        if not path.is_dir():
            note(SkippedFile(path, "does not exist"))
            continue
        for candidate in sorted(path.rglob("*")):
            rel = candidate.relative_to(path)
            hidden = next((p for p in rel.parts[:-1] if p.startswith((".", "_"))), None)
            if not candidate.is_file() or not candidate.name.lower().endswith(_MD_SUFFIXES):
                continue
            if hidden is not None:
                note(SkippedFile(candidate, f"inside folder {hidden!r} (hidden or site/meta)"))
                continue
            reason = _skip_reason(candidate)
            if reason:
                note(SkippedFile(candidate, reason))
            elif candidate not in seen:
                seen.add(candidate)
                yield candidate


def _skip_reason(path: Path) -> str | None:
    name = path.name.lower()
    stem = name.split(".", 1)[0]
    if name.startswith("."):
        return "hidden file"
    if stem in _SKIP_NAMES:
        return f"{stem} file, not a postmortem"
    if "template" in name:
        return "template, not a postmortem"
    return None
