"""Read timeline tables and timestamped lines of a Markdown postmortem into UTC events."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Abbreviations name the civil time of a region, not a fixed offset: writers put "All times
# in CET" on summer incidents too, so CET/CEST read as Europe/Copenhagen and BST as
# Europe/London, which gets DST right. GMT is read literally as UTC+0. Ambiguous ones
# (CST, IST, AST ...) are not mapped at all.
ZONE_ABBREVIATIONS: dict[str, str] = {
    "UTC": "UTC", "GMT": "UTC", "Z": "UTC", "UCT": "UTC",
    "CET": "Europe/Copenhagen", "CEST": "Europe/Copenhagen",
    "BST": "Europe/London", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
    "EET": "Europe/Helsinki", "EEST": "Europe/Helsinki",
    "EST": "America/New_York", "EDT": "America/New_York",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "MST": "America/Denver", "MDT": "America/Denver",
    "JST": "Asia/Tokyo", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
}
_REGION_TIMES = {"uk": "Europe/London", "london": "Europe/London", "british": "Europe/London"}

_ABBR = "|".join(sorted((k for k in ZONE_ABBREVIATIONS if k != "Z"), key=len, reverse=True))
_IANA = (r"(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)"
         r"/[A-Za-z_+\-]+(?:/[A-Za-z_]+)?")
_OFFSET = r"(?:UTC|GMT)\s?[+\-−]\s?\d{1,2}(?::?\d{2})?"
_ZONE_TOKEN = re.compile(
    rf"(?<![\w/])(?P<tok>{_OFFSET}|{_IANA}|(?:{_ABBR})(?![\w/])|(?i:uk|london|british)\s+(?i:local\s+)?(?i:time))"
)
_STATEMENT_WORDS = re.compile(r"(?i)\b(times?|timestamps?|time\s?zone|zone|clock|hours)\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_STRICT_STATEMENT = re.compile(
    r"(?i)\b(?:all\s+times?|times?\s+(?:are|in|shown|given|listed|quoted)|timestamps?\s+(?:are|in)"
    r"|date\s+and\s+time\s+in|time\s?zones?\s*(?::|=|is|used))"
)
_PAREN_ZONE = re.compile(rf"[(\[]\s*(?:in\s+)?(?P<tok>{_OFFSET}|{_IANA}|{_ABBR})\s*[)\]]")

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
_DATE_PATTERNS = [
    ("ymd", re.compile(r"(?<![\d.])(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d.])")),
    ("dmy", re.compile(r"(?<![\d.])(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d.])")),
    ("dmy", re.compile(r"(?<![\d.])(?P<d>\d{1,2})[.-](?P<m>\d{1,2})[.-](?P<y>\d{4})(?![\d.])")),
    ("dmony", re.compile(
        rf"(?i){_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<mon>{_MON}),?\s+(?P<y>\d{{4}})(?!\d)")),
    ("mondy", re.compile(
        rf"(?i){_WEEKDAY}(?P<mon>{_MON})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)")),
]
_TIME = re.compile(
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?(?:\s?(?P<ampm>(?i:[ap]\.?m\.?))(?!\w))?"
)
_SUFFIX_ZONE = re.compile(
    rf"(?:(?P<z>Z)(?!\w)|(?P<off>\+\d{{2}}:?\d{{2}}|-\d{{4}})(?!\d)|\s{{0,2}}(?P<tok>{_OFFSET}|{_ABBR})(?![\w/]))"
)
_PLACEHOLDER = re.compile(r"(?i)\b(?:hh:?mm|xx:?xx|yyyy|20xx)\b|--:--|\?\?")
_LEAD = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\[[ xX]\]\s+)?[*_`\[(]*\s*")
_TRAIL = re.compile(
    r"[*_`\])]*~?(?:\s*(?:-|–|to)\s*\d{1,2}:\d{2}(?::\d{2})?[*_`\])]*)?\s*(?:[-–—:|>)]+\s*)?")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_TIME_HEADER = re.compile(r"(?i)\b(time|date|when|timestamp|utc|clock|hour)")
_DATE_HEADER = re.compile(r"(?i)^\W*(date|day)\W*$")
_TEXT_HEADER = re.compile(
    r"(?i)\b(event|description|what|details?|action|activity|text|summary|note)")
ROLLOVER_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class ParsedEvent:
    """One placed timeline entry: an aware UTC time, its text and its source line."""

    occurred_at: datetime
    text: str
    line: int
    raw_time: str = ""
    zone: str = ""


@dataclass(frozen=True)
class ZoneChoice:
    """A zone and where it came from (a document statement or the caller's default)."""

    name: str
    tz: tzinfo = field(compare=False, repr=False)
    source: str = ""


@dataclass(frozen=True)
class TimelineSection:
    """The lines (number, text) of one timeline section, heading first."""

    heading: str
    lines: Sequence[tuple[int, str]]


@dataclass
class TimelineResult:
    """Events found, lines passed over with their reason, zones used and notes."""

    events: list[ParsedEvent] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    zones_used: list[ZoneChoice] = field(default_factory=list)
    unplaced: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Stamp:
    day: date | None
    clock: time | None
    zone_token: str | None
    end: int
    start: int = 0


def zone_for_token(token: str) -> tzinfo | None:
    """Map a zone word (UTC, CET, Europe/London, UTC+2, UK time) to a tzinfo, or None."""
    tok = " ".join(token.split())
    if tok.upper() in ZONE_ABBREVIATIONS:
        return _zoneinfo(ZONE_ABBREVIATIONS[tok.upper()])
    first = tok.split()[0].lower()
    if first in _REGION_TIMES:
        return _zoneinfo(_REGION_TIMES[first])
    m = re.fullmatch(r"(?:UTC|GMT)\s?([+\-−])\s?(\d{1,2})(?::?(\d{2}))?", tok)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        if minutes >= 24 * 60:
            return None
        sign = -1 if m.group(1) in "-−" else 1
        return timezone(timedelta(minutes=sign * minutes))
    if "/" in tok:
        return _zoneinfo(tok)
    return None


def _zoneinfo(key: str) -> tzinfo | None:
    if key == "UTC":
        return UTC
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_name(tz: tzinfo) -> str:
    """Name a tzinfo for reports (the IANA key where there is one)."""
    return getattr(tz, "key", None) or str(tz)


def find_zone_statement(
    line: str, *, header: bool = False, strict: bool = False,
) -> ZoneChoice | None:
    """Recognise "All times in CET." or a "Time (UTC)" header; `strict` wants the full phrase."""
    text = line.strip()
    if not text or len(text) > 160 or _CLOCK.search(text):
        return None
    paren = _PAREN_ZONE.search(text)
    if paren and (header or text.startswith("#") or (
            not strict and _STATEMENT_WORDS.search(text))):
        token = paren.group("tok")
    else:
        words = _STRICT_STATEMENT if strict and not header else _STATEMENT_WORDS
        if not words.search(text):
            return None
        tokens = {zone_name(tz) for m in _ZONE_TOKEN.finditer(text)
                  if (tz := zone_for_token(m.group("tok"))) is not None}
        found = [m.group("tok") for m in _ZONE_TOKEN.finditer(text)]
        if len(tokens) != 1:
            return None
        token = found[0]
    tz = zone_for_token(token)
    if tz is None:
        return None
    quoted = text.strip("#*_ |-")[:80]
    return ZoneChoice(zone_name(tz), tz, f"document says {quoted!r}")


def parse_date_text(text: str, *, search: bool = False) -> date | None:
    """Read a date (2021-03-04, 04/03/2021, 4 March 2021, March 4, 2021) at the start/anywhere."""
    for style, pattern in _DATE_PATTERNS:
        m = pattern.search(text) if search else pattern.match(text)
        if m:
            day = _date_from_match(style, m)
            if day is not None:
                return day
    return None


def _date_from_match(style: str, m: re.Match[str]) -> date | None:
    year = int(m.group("y"))
    if year < 100:
        year += 2000
    day = int(m.group("d"))
    if style in ("dmony", "mondy"):
        month = _MONTHS.get(m.group("mon")[:3].lower(), 0)
    else:
        month = int(m.group("m"))
        # Day-first is the default for slashed dates; a "month" over 12 means it was US order.
        if style == "dmy" and month > 12 and day <= 12:
            day, month = month, day
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_stamp(text: str) -> _Stamp | None:
    """Read a date and/or clock time at the start of `text`."""
    lead = _LEAD.match(text)
    pos = lead.end() if lead else 0
    day: date | None = None
    for style, pattern in _DATE_PATTERNS:
        m = pattern.match(text, pos)
        if m:
            day = _date_from_match(style, m)
            if day is None:
                return None
            pos = m.end()
            sep = re.compile(r"[*_`]*(?:\s*(?:T|,|at|@|-)\s*|\s+)[*_`]*").match(text, pos)
            if sep and _TIME.match(text, sep.end()):
                pos = sep.end()
            break
    m = _TIME.match(text, pos)
    clock: time | None = None
    if m and (day is not None or not re.match(r"\d", text[m.end():m.end() + 1])):
        clock = _clock(m)
        if clock is None:
            return None
        pos = m.end()
    elif day is None:
        return None
    zone_token = None
    z = _SUFFIX_ZONE.match(text, pos) if clock is not None else None
    if z:
        zone_token = z.group("z") or z.group("tok") or ("UTC" + z.group("off"))
        pos = z.end()
    return _Stamp(day, clock, zone_token, pos, lead.end() if lead else 0)


def _clock(m: re.Match[str]) -> time | None:
    hour, minute, second = int(m.group("H")), int(m.group("M")), int(m.group("S") or 0)
    ampm = (m.group("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def split_table_row(line: str) -> list[str]:
    """Split a Markdown table row into stripped cells (escaped pipes kept)."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", body)]


class _Reader:
    """Walk one timeline section, keeping the date context and zone scope."""

    def __init__(self, result: TimelineResult, fallback: ZoneChoice | None,
                 incident_date: date | None) -> None:
        self.result = result
        self.fallback = fallback
        self.day = incident_date
        self.last: time | None = None
        self.section_zone: ZoneChoice | None = None
        self.event_indent: int | None = None

    def skip(self, line: int, text: str, reason: str) -> None:
        self.result.skipped.append({"line": line, "reason": reason, "text": text.strip()[:120]})

    def set_day(self, day: date) -> None:
        self.day, self.last = day, None

    def add(self, line: int, stamp: _Stamp, raw: str, text: str, table_zone: ZoneChoice | None,
            original: str) -> None:
        day = stamp.day
        if stamp.clock is None:
            if day is not None:
                self.set_day(day)
            self.skip(line, original, "date without a time of day")
            return
        if day is None:
            if self.day is None:
                self.skip(line, original,
                          "clock time without a date (no date line, no incident date)")
                return
            day = self.day
            # A step back of up to an hour is an out-of-order entry, more is the next day.
            back = _minutes(self.last) - _minutes(stamp.clock) if self.last is not None else 0
            if back > ROLLOVER_SLACK.total_seconds() // 60:
                day = day + timedelta(days=1)
                self.result.notes.append(
                    f"line {line}: time went back past midnight; date advanced to {day}")
        self.day, self.last = day, stamp.clock
        zone = self._zone(stamp, table_zone)
        if zone is None:
            self.result.unplaced += 1
            self.skip(line, original, "no zone stated; pass --tz")
            return
        local = datetime.combine(day, stamp.clock, tzinfo=zone.tz)
        try:
            occurred = local.astimezone(UTC)
        except OverflowError:
            self.skip(line, original, "time out of range")
            return
        if zone not in self.result.zones_used:
            self.result.zones_used.append(zone)
        self.result.events.append(
            ParsedEvent(occurred, html.unescape(text.strip()), line, raw.strip(), zone.name))

    def _zone(self, stamp: _Stamp, table_zone: ZoneChoice | None) -> ZoneChoice | None:
        if stamp.zone_token:
            tz = zone_for_token(stamp.zone_token)
            if tz is not None:
                return ZoneChoice(zone_name(tz), tz, f"timestamp says {stamp.zone_token!r}")
        return table_zone or self.section_zone or self.fallback

    def table(self, rows: list[tuple[int, str]]) -> None:
        header_line, header = rows[0]
        cells = split_table_row(header)
        table_zone = None
        for cell in cells:
            table_zone = table_zone or find_zone_statement(cell, header=True)
        if table_zone:
            table_zone = ZoneChoice(table_zone.name, table_zone.tz,
                                    table_zone.source.replace("document says", "table header says"))
        time_col = next((i for i, c in enumerate(cells) if _TIME_HEADER.search(c)
                         and not _DATE_HEADER.match(c)), None)
        date_col = next((i for i, c in enumerate(cells) if _DATE_HEADER.match(c)), None)
        if time_col is None:
            time_col, date_col = date_col, None
        if time_col is None:
            time_col = 0
        text_col = next((i for i, c in enumerate(cells) if i not in (time_col, date_col)
                         and _TEXT_HEADER.search(c)), None)
        for number, row in rows[2:]:
            values = split_table_row(row)
            if not any(values):
                continue
            raw = values[time_col] if time_col < len(values) else ""
            if date_col is not None and date_col < len(values):
                raw = f"{values[date_col]} {raw}".strip()
            if text_col is not None and text_col < len(values):
                text = values[text_col]
            else:
                text = " — ".join(
                    v for i, v in enumerate(values) if i not in (time_col, date_col) and v)
            self.entry(number, raw, text, table_zone, row, whole_cell=True)

    def entry(self, number: int, raw: str, text: str, table_zone: ZoneChoice | None,
              original: str, *, whole_cell: bool) -> bool:
        stamp = _parse_stamp(raw)
        if stamp is None:
            if whole_cell and _PLACEHOLDER.search(raw):
                self.skip(number, original, "placeholder time")
            elif whole_cell:
                self.skip(number, original, f"time not recognised: {raw.strip()[:40]!r}")
            return False
        rest = raw[stamp.end:]
        if stamp.clock is None and stamp.day is not None and rest.strip(" *_:.~"):
            if not whole_cell:
                return False  # a sentence that starts with a date is prose, not an entry
            self.set_day(stamp.day)
            reason = "placeholder time" if _PLACEHOLDER.search(rest) else "time not recognised"
            self.skip(number, original, reason)
            return True
        if not whole_cell:
            if stamp.clock is None and stamp.day is not None:
                self.set_day(stamp.day)  # a date line sets the day for the clock times below
                return True
            trail = _TRAIL.match(raw, stamp.end)
            raw, text = raw[stamp.start:stamp.end], raw[trail.end() if trail else stamp.end:]
        self.add(number, stamp, raw, text, table_zone, original)
        return True

    def line(self, number: int, text: str) -> None:
        stripped = text.strip()
        indent = len(text) - len(text.lstrip())
        statement = find_zone_statement(stripped)
        if statement is not None:
            self.section_zone = statement
            return
        before = len(self.result.events)
        if self.entry(number, text, "", None, text, whole_cell=False):
            self.event_indent = indent if len(self.result.events) > before else None
            return
        if self.event_indent is not None and indent > self.event_indent and self.result.events:
            last = self.result.events[-1]
            self.result.events[-1] = ParsedEvent(last.occurred_at, f"{last.text}\n{stripped}",
                                                 last.line, last.raw_time, last.zone)
            return
        self.event_indent = None
        if stripped.startswith("#") or not _BULLET.match(text):
            heading_date = parse_date_text(stripped.lstrip("#*_ ").rstrip("*_:. "))
            if heading_date and len(stripped.lstrip("#*_ ").rstrip("*_:. ")) <= 30:
                self.set_day(heading_date)
                return
        if not stripped.startswith("#"):  # sub-headings are structure, not lost entries
            self.skip(number, text, "no time at the start of the line")


def parse_timeline(
    sections: Iterable[TimelineSection], *, document_zone: ZoneChoice | None,
    default_tz: tzinfo | None, incident_date: date | None,
) -> TimelineResult:
    """Place timeline entries in UTC; entries that cannot be placed are reported, not guessed."""
    result = TimelineResult()
    fallback = document_zone
    if fallback is None and default_tz is not None:
        fallback = ZoneChoice(zone_name(default_tz), default_tz, f"--tz {zone_name(default_tz)}")
    for section in sections:
        reader = _Reader(result, fallback, incident_date)
        reader.section_zone = find_zone_statement(section.heading, header=True)
        for _, text in section.lines:
            if reader.section_zone is None:
                reader.section_zone = find_zone_statement(text)
        rows: list[tuple[int, str]] = []
        for number, text in [*section.lines, (0, "")]:
            if text.lstrip().startswith("|") or (rows and "|" in text and text.strip()):
                rows.append((number, text))
                continue
            if rows:
                if len(rows) >= 2 and TABLE_SEP.match(rows[1][1]):
                    reader.table(rows)
                else:
                    for n, t in rows:
                        reader.line(n, t)
                rows = []
            if text.strip() and number:
                reader.line(number, text)
    return result


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


# "- Fault occurs 2020-02-12 11:45": a key-events list that names the moment first.
_TRAILING_STAMP = re.compile(
    r"^(?P<lead>\s*[-*+]\s+)[*_]*(?P<label>[^\W\d_][^|\d]{1,60}?)[*_]*\s*[:\-–]?\s*[*_]*"
    r"(?P<stamp>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[A-Z]{2,5})?)[*_]*\s*$")


def stamps_first(sections: Iterable[TimelineSection]) -> list[TimelineSection]:
    """The sections with "label YYYY-MM-DD HH:MM" bullets turned into "stamp label" ones.

    Only for documents whose timeline has no entry with the time first: there such a list
    is the whole timeline; beside a detailed one it would repeat it.
    """
    out = []
    for section in sections:
        lines = []
        for number, text in section.lines:
            m = _TRAILING_STAMP.match(text)
            if m:
                text = f"{m['lead']}{m['stamp']} {m['label'].strip(' *_:')}"
            lines.append((number, text))
        out.append(TimelineSection(section.heading, lines))
    return out

