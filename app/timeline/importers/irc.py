"""Import plain-text IRC logs (irssi, WeeChat, ZNC, Limnoria, Textual, dircproxy, ...)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, tzinfo
from typing import ClassVar

from ..kinds import guess_kind
from .base import ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .irc_formats import Said, Stamp, classify, header_date, split_stamp, strip_formatting
from .registry import register

_EVENT_TYPES = {"message", "action", "notice", "topic"}
_DATE_HELP = (
    "add a first line such as '--- Day changed Thu Apr 22 2021' (or "
    "'--- Day changed 2021-04-22') giving the date of the log"
)


def decode_line(raw: bytes) -> str:
    """One line as text: UTF-8, else cp1252, else Latin-1 (old logs mix encodings)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _lines(source: Source) -> Iterator[tuple[int, str]]:
    with source.open() as fh:
        for number, raw in enumerate(fh, 1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            yield number, decode_line(raw.rstrip(b"\r\n"))


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


class _Clock:
    """Turns line stamps into UTC using the log's own date headers and the chosen zone."""

    def __init__(self, file: str, tz: tzinfo | None, report: ParseReport) -> None:
        self.file, self.tz, self.report = file, tz, report
        self.day: date | None = None

    def localize(self, naive: datetime, line: int) -> datetime:
        if self.tz is None:
            raise ImportFormatError(
                "IRC logs carry no time zone; choose the zone the log was written in",
                file=self.file, line=line,
            )
        self.report.zone_assumed = _zone_name(self.tz)
        return self._utc(naive.replace(tzinfo=self.tz), line)

    def _utc(self, aware: datetime, line: int) -> datetime:
        try:
            return aware.astimezone(UTC)
        except OverflowError:
            raise ImportFormatError("date out of range", file=self.file, line=line) from None

    def resolve(self, stamp: Stamp, line: int) -> datetime:
        if stamp.aware is not None:
            self.day = stamp.aware.date()
            return self._utc(stamp.aware, line)
        if stamp.date is not None:
            self.day = stamp.date
        elif stamp.day_month is not None:
            self.day = self._with_year(stamp.day_month, line)
        elif self.day is None:
            raise ImportFormatError(
                "this log gives clock times but no date (a date in the file name is not "
                f"trusted); {_DATE_HELP}", file=self.file, line=line,
            )
        return self.localize(datetime.combine(self.day, stamp.time), line)

    def _with_year(self, day_month: tuple[int, int], line: int) -> date:
        month, day = day_month
        if self.day is None:
            raise ImportFormatError(
                f"this log gives day and month but no year; {_DATE_HELP}",
                file=self.file, line=line,
            )
        year = self.day.year + (1 if month < self.day.month else 0)  # December -> January
        try:
            return date(year, month, day)
        except ValueError:
            raise ImportFormatError(
                f"no such date: {day} {month}/{year}", file=self.file, line=line
            ) from None


class _Nicks:
    """A stable author id per person across ``X is now known as Y`` renames."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def id_of(self, nick: str) -> str:
        return self._ids.setdefault(nick.lower(), nick.lower())

    def rename(self, old: str, new: str) -> None:
        self._ids[new.lower()] = self.id_of(old)


@register
class IrcImporter:
    """Plain-text IRC logs; the zone comes from the user, the date from the log itself."""

    name: ClassVar[str] = "irc"
    label: ClassVar[str] = "IRC log (irssi, WeeChat, ZNC, Limnoria, Textual, dircproxy)"
    needs_zone: ClassVar[bool] = True
    priority: ClassVar[int] = 80

    def sniff(self, source: Source) -> bool:
        """Most non-blank lines of the head look like timestamped IRC lines or headers."""
        try:
            head = source.head(4096)
            lines = [decode_line(x.rstrip(b"\r")) for x in head.split(b"\n")]
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        if len(head) == 4096 and len(lines) > 1:
            lines = lines[:-1]  # possibly cut mid-line
        lines = [x for x in lines if x.strip()]
        hits = sum(1 for x in lines if header_date(x) is not None or split_stamp(x) is not None)
        return bool(lines) and hits * 2 > len(lines)

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield messages, actions, notices and topic changes; joins/parts are skipped."""
        clock = _Clock(source.name, options.tz, report)
        nicks = _Nicks()
        repeats: Counter[str] = Counter()
        recognised = 0
        for number, line in _lines(source):
            if not line.strip():
                continue
            header = header_date(line)
            if header is not None:
                recognised += 1
                if isinstance(header, date):
                    clock.day = header
                continue
            split = split_stamp(line)
            if split is None:
                report.skip("unrecognised line")
                if report.skipped["unrecognised line"] <= 5:
                    report.warn(f"{source.name} line {number}: not an IRC log line")
                continue
            recognised += 1
            stamp, body, style = split
            said = classify(body, style)
            if said.kind == "nick" and said.nick and said.new_nick:
                nicks.rename(said.nick, said.new_nick)
                report.skip("nick change")
                continue
            if said.kind not in _EVENT_TYPES or not said.nick:
                report.skip(said.kind)
                continue
            occurred = clock.resolve(stamp, number)
            event = self._event(said, occurred, line, nicks, repeats)
            if event is None:
                report.skip("empty message")
                continue
            yield event
        if not recognised:
            raise ImportFormatError("no IRC log lines recognised", file=source.name, line=1)

    def _event(
        self, said: Said, occurred: datetime, line: str, nicks: _Nicks, repeats: Counter[str],
    ) -> NormalizedEvent | None:
        nick = strip_formatting(said.nick or "")
        text = strip_formatting(said.text).strip()
        if not text:
            return None
        if said.kind == "action":
            text = f"*{nick} {text}*"
        elif said.kind == "topic":
            text = f"{nick} changed the topic to: {text}"
        # No ids in IRC: hash what the line says, numbering exact repeats within the file.
        key = f"{occurred.isoformat()}\x1f{nick}\x1f{said.kind}\x1f{text}"
        repeats[key] += 1
        digest = hashlib.sha256(f"{key}\x1f{repeats[key]}".encode()).hexdigest()[:24]
        return NormalizedEvent(
            source=self.name,
            source_id=f"irc:{digest}",
            occurred_at=occurred,
            text=text,
            text_original=said.text,
            author_id=nicks.id_of(nick),
            author_name=nick,
            kind=guess_kind(text),
            event_type=said.kind,
            raw=line,
        )
