"""Parse a back-catalogue Markdown postmortem into structured review content (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from .postmortem_timeline import (
    TABLE_SEP,
    ParsedEvent,
    TimelineSection,
    ZoneChoice,
    find_zone_statement,
    parse_date_text,
    parse_timeline,
    split_table_row,
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


_KIND_NAMES: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "executive summary", "incident summary", "overview", "tl;dr", "tldr",
                "description", "abstract"),
    "impact": ("impact", "customer impact", "user impact", "business impact", "impact assessment"),
    "timeline": ("timeline", "chronology", "sequence of events", "context", "events",
                 "timeline of events"),
    "contributing_factors": ("cause", "causes", "what went wrong", "what went badly", "trigger",
                             "triggers", "why it happened", "causes and contributing factors"),
    "actions": ("actions", "action points", "next steps", "review actions", "remediation",
                "remediations", "corrective actions", "preventive actions", "todo", "to do"),
    "lessons": ("lessons", "learnings", "what went well", "what we learned", "where we got lucky",
                "takeaways", "key takeaways"),
}
_KIND_BY_NAME = {name: kind for kind, names in _KIND_NAMES.items() for name in names}
_KIND_PREFIXES = [
    (re.compile(r"^(?:detailed |incident |full )?timeline\b"), "timeline"),
    (re.compile(r"^(?:root causes?|contributing factors?)\b"), "contributing_factors"),
    (re.compile(r"^(?:action items?|actions?|follow[- ]?ups?)\b"), "actions"),
    (re.compile(r"^lessons? learn"), "lessons"),
]
# Labels that MoJ-style "- **Label**:" bullets use as section headings but map to no field.
_OTHER_LABELS = {"key events", "time to repair", "time to resolve", "time to detect", "identified",
                 "status", "background", "resolution", "resolution and recovery", "detection",
                 "attendees", "stats", "response", "recovery"}
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(={2,}|-{3,})[ \t]*$")
# A backtick fence's info string cannot hold backticks: "```code```" on one line is inline code.
_FENCE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_BOLD_LABEL = re.compile(
    r"^ {0,4}(?:[-*+][ \t]+)?\*\*(?P<label>[^*]{1,60}?)(?P<c1>:?)\*\*"
    r"(?P<c2>[ \t]*:?)[ \t]*(?P<rest>.*)$")
_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+[.)])(?:[ \t]+(?P<text>.*))?$")
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\][ \t]*")
_OWNER = re.compile(
    r"(?i)[(\[]?\b(?:owner|assignee|assigned to|responsible)\b\s*[:=\-–]\s*(?P<owner>@?[^,;)\]]+?)"
    r"\s*(?:[)\]]|[,;]|$)|[(\[](?P<mention>@[\w.\-]+)[)\]]|[-–—]\s*(?P<tail>@[\w.\-]+)\s*$")
_DONE_MARK = re.compile(r"(?i)\s*(?:[(\[]\s*(?:done|completed|closed)\s*[)\]]|✅)\s*$")
_DONE_WORDS = {"done", "completed", "complete", "closed", "fixed", "resolved", "yes", "x", "[x]",
               "✅", "✔", "✓", "implemented"}
_OPEN_WORDS = {"open", "todo", "to do", "in progress", "not started", "no", "pending", "planned",
               "[ ]", "ongoing", "blocked"}


@dataclass(frozen=True)
class ParsedAction:
    """One follow-up action: title, owner and done state when the document says them."""

    title: str
    owner: str | None = None
    done: bool | None = None
    detail: str = ""
    line: int = 0


@dataclass
class Section:
    """A heading (level 0 preamble, 1-6 Markdown, 7 bold label) and its (number, line) body."""

    heading: str
    level: int
    kind: str | None
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)

    def body_lines(self) -> list[tuple[int, str]]:
        """Return the body lines with their common indentation removed."""
        indents = [len(t) - len(t.lstrip()) for _, t in self.lines if t.strip()]
        cut = min(indents, default=0)
        return [(n, t[cut:].rstrip()) for n, t in self.lines]

    def body(self) -> str:
        """Return the body as text without surrounding blank lines."""
        return "\n".join(t for _, t in self.body_lines()).strip("\n")


def strip_inline(text: str) -> str:
    """Drop Markdown inline markup (emphasis, code ticks, links) from a short text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|~~|`)", "", text)
    return " ".join(text.strip(" \t*_").split())


def section_kind(heading: str) -> str | None:
    """Map a heading to summary/impact/timeline/contributing_factors/actions/lessons, or None."""
    name = strip_inline(heading).lower()
    name = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    name = re.sub(r"^(?:\d+(?:\.\d+)*[.)]?|[ivx]+[.)])\s+", "", name)
    for part in name.split("/"):
        part = " ".join(re.sub(r"[^a-z0-9;' -]", " ", part).replace("'", "").split()).strip(" -")
        kind = _KIND_BY_NAME.get(part)
        if kind is None:
            kind = next((k for pattern, k in _KIND_PREFIXES if pattern.match(part)), None)
        if kind is not None:
            return kind
    return None


def _known_label(label: str) -> tuple[bool, str | None]:
    kind = section_kind(label)
    plain = " ".join(strip_inline(label).lower().rstrip(":").split())
    return (kind is not None or plain in _OTHER_LABELS), kind


def split_sections(lines: list[str], start: int) -> list[Section]:
    """Split body lines into sections by headings and MoJ-style bold-label bullets."""
    sections = [Section("", 0, None, start + 1)]
    outline: list[tuple[int, str | None]] = []
    fence: str | None = None
    i = start
    while i < len(lines):
        text, number, current = lines[i], i + 1, sections[-1]
        i += 1
        if fence is not None or (m := _FENCE.match(text)):
            if fence is None:
                fence = m.group(1)
            elif (text.strip().startswith(fence[0] * len(fence))
                  and not text.strip(fence[0] + " \t")):
                fence = None
            current.lines.append((number, text))
            continue
        heading, level, rest = None, 0, None
        if atx := _ATX.match(text):
            heading, level = (atx.group(2) or "").strip(), len(atx.group(1))
        elif (i < len(lines) and text.strip() and _SETEXT.match(lines[i])
              and not re.match(r"^\s*([-*+>|#]|\d+[.)]|\s{4})", text)
              and (i - 1 == start or not lines[i - 2].strip())):
            heading, level = text.strip(), 1 if lines[i].strip()[0] == "=" else 2
            i += 1
        elif (bold := _BOLD_LABEL.match(text)) and (
                bold.group("c1") or bold.group("c2").strip() or not bold.group("rest")):
            known, _ = _known_label(bold.group("label"))
            if known:
                heading, level, rest = bold.group("label").strip(), 7, bold.group("rest")
        if heading is None:
            current.lines.append((number, text))
            continue
        kind = section_kind(heading) if level <= 6 or rest is not None else None
        if kind is None and current.kind is not None and 0 < current.level < level <= 6:
            current.lines.append((number, text))  # a sub-heading of a known section stays in it
            continue
        if level <= 6:
            while outline and outline[-1][0] >= level:
                outline.pop()
            # Under "Lessons learned", the Google-style "What went wrong" is a lesson.
            if kind == "contributing_factors" and any(k == "lessons" for _, k in outline):
                kind = "lessons"
            outline.append((level, kind))
        section = Section(heading, level, kind, number)
        if rest:
            section.lines.append((number, rest))
        sections.append(section)
    return sections


def _items(lines: list[tuple[int, str]]) -> list[tuple[int, str, list[str]]]:
    """Group list items (number, first line, further lines); paragraphs when there is no list."""
    items: list[tuple[int, str, list[str]]] = []
    base: int | None = None
    paragraphs: list[tuple[int, str, list[str]]] = []
    blank = True
    for number, text in lines:
        if not text.strip() or text.lstrip().startswith(("#", "|")):
            blank = True
            continue
        m = _LIST_ITEM.match(text)
        indent = len(text) - len(text.lstrip())
        if m and (base is None or indent <= base + 1):
            base = indent if base is None else base
            items.append((number, (m.group("text") or "").strip(), []))
        elif items and (indent > (base or 0) or not blank):
            items[-1][2].append(text.strip())
        elif blank or not paragraphs:
            paragraphs.append((number, text.strip(), []))
        else:
            paragraphs[-1][2].append(text.strip())
        blank = False
    return items or paragraphs


def extract_items(lines: list[tuple[int, str]]) -> list[str]:
    """Return list items (or paragraphs) of a section body as plain strings."""
    out = []
    for _, first, more in _items(lines):
        text = "\n".join([first, *more]).strip()
        if text:
            out.append(text)
    return out


def extract_actions(lines: list[tuple[int, str]]) -> list[ParsedAction]:
    """Read actions from list items (checkboxes, owners) and from tables."""
    actions = _table_actions(lines)
    for number, first, more in _items(lines):
        done: bool | None = None
        if check := _CHECKBOX.match(first):
            done = check.group("mark") != " "
            first = first[check.end():]
        if _DONE_MARK.search(first):
            done, first = True, _DONE_MARK.sub("", first)
        owner = None
        if own := _OWNER.search(first):
            owner = (own.group("owner") or own.group("mention") or own.group("tail")).strip()
            first = (first[:own.start()] + first[own.end():]).strip(" -–—,;")
        detail = "\n".join(more)
        if bold := re.match(r"^\*\*(?P<t>[^*]+?)\*\*\s*:?\s*(?P<d>.*)$", first):
            first = bold.group("t").rstrip(":")
            detail = "\n".join(filter(None, [bold.group("d"), detail]))
        title = " ".join(first.split())
        if title:
            actions.append(ParsedAction(title, owner or None, done, detail, number))
    return actions


def _table_actions(lines: list[tuple[int, str]]) -> list[ParsedAction]:
    rows = [(n, t) for n, t in lines if t.lstrip().startswith("|")]
    if len(rows) < 2 or not TABLE_SEP.match(rows[1][1]):
        return []
    header = [c.lower() for c in split_table_row(rows[0][1])]

    def column(pattern: str) -> int | None:
        return next((i for i, c in enumerate(header) if re.search(pattern, c)), None)

    owner_col, status_col = column(r"owner|assignee|who|responsible"), column(r"status|done|state")
    title_col = column(r"action|item|task|description|what|title|summary")
    if title_col is None:
        title_col = next((i for i in range(len(header)) if i not in (owner_col, status_col)), 0)
    actions = []
    for number, row in rows[2:]:
        cells = split_table_row(row)
        title, owner, status = (
            cells[i].strip() if i is not None and i < len(cells) else ""
            for i in (title_col, owner_col, status_col))
        status = strip_inline(status).lower()
        done = True if status in _DONE_WORDS else False if status in _OPEN_WORDS else None
        if title:
            actions.append(ParsedAction(title, owner or None, done, "", number))
    return actions


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
