"""Import Debrief's own generic timeline formats: CSV and JSON Lines (one schema)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any, ClassVar

from ..kinds import guess_kind
from .base import (
    KINDS,
    Attachment,
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
)
from .registry import register
from .timeparse import parse_iso

REQUIRED = ("timestamp", "author", "text")
OPTIONAL = ("id", "author_id", "kind", "event_type", "channel", "thread", "source", "url")
_MAX_CELL = 1 << 20  # 1 MiB of text per cell is far beyond any real message


def _zone_name(options: ImportOptions) -> str | None:
    tz = options.tz
    return None if tz is None else str(getattr(tz, "key", None) or tz)


class _Rows:
    """Turns one record (a dict of column -> value) into an event; shared by CSV and JSONL."""

    def __init__(self, importer: str, file: str, options: ImportOptions,
                 report: ParseReport) -> None:
        self.importer, self.file, self.options, self.report = importer, file, options, report
        self.ids: dict[str, int] = {}
        self.repeats: Counter[str] = Counter()

    def fail(self, message: str, line: int, field: str | None = None) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, line=line, field=field)

    def text(self, row: dict[str, Any], key: str, line: int) -> str:
        value = row.get(key)
        if value is None:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool) and key in (
                "id", "author_id", "thread"):
            if isinstance(value, float) or abs(value) >= 10**30:
                raise self.fail("ids must be strings or whole numbers", line, key)
            return str(value)
        if not isinstance(value, str):
            raise self.fail(f"expected a string, got {type(value).__name__}", line, key)
        return value

    def event(self, row: dict[str, Any], line: int) -> NormalizedEvent | None:
        get = {key: self.text(row, key, line) for key in REQUIRED + OPTIONAL}
        try:
            occurred = parse_iso(get["timestamp"], file=self.file, field="timestamp", line=line)
        except ImportFormatError:
            if self.options.tz is None:
                raise
            occurred = parse_iso(get["timestamp"], tz=self.options.tz, file=self.file,
                                 field="timestamp", line=line)
            self.report.zone_assumed = _zone_name(self.options)
        text = get["text"]
        if not text.strip():
            self.report.skip("empty text")
            return None
        kind = get["kind"].strip().lower()
        if kind and kind not in KINDS:
            raise self.fail(f"unknown kind {kind[:40]!r}; use one of {', '.join(KINDS)}",
                            line, "kind")
        channel = get["channel"].strip() or None
        self.report.channels_seen[channel or ""] += 1
        if self.options.channels is not None and channel not in self.options.channels:
            self.report.skip("channel not selected")
            return None
        label = get["source"].strip()
        author = get["author"].strip() or None
        if get["id"].strip():
            ident = get["id"].strip()
            if ident in self.ids:
                raise self.fail(f"duplicate id {ident[:40]!r} (first on line {self.ids[ident]})",
                                line, "id")
            self.ids[ident] = line
            source_id = f"{label}:{ident}" if label else ident
        else:
            # Stable across re-exports of the same rows: hash what the row says.
            key = "\x1f".join((label, channel or "", occurred.isoformat(), author or "", text))
            self.repeats[key] += 1
            digest = hashlib.sha256(f"{key}\x1f{self.repeats[key]}".encode(
                "utf-8", "surrogatepass")).hexdigest()[:24]
            source_id = f"{self.importer}:{digest}"
        url = get["url"].strip()
        thread = get["thread"].strip()
        return NormalizedEvent(
            source=self.importer,
            source_id=source_id,
            occurred_at=occurred,
            text=text,
            text_original=text,
            author_id=get["author_id"].strip() or author,
            author_name=author,
            thread_ref=(f"{label}:{thread}" if label else thread) if thread else None,
            attachments=(Attachment(name=url, url=url),) if url else (),
            kind=kind or guess_kind(text),
            event_type=get["event_type"].strip() or "message",
            channel=channel,
            raw=row,
        )


def _check_columns(columns: list[str], file: str, line: int) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFormatError(
            f"missing column(s) {', '.join(missing)}; required columns are "
            f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})",
            file=file, line=line,
        )


def _text_head(source: Source) -> str:
    head = source.head(8192)
    return codecs.getincrementaldecoder("utf-8-sig")("replace").decode(head)


@register
class CsvImporter:
    """Debrief's generic CSV: one event per row, columns named in the header."""

    name: ClassVar[str] = "csv"
    label: ClassVar[str] = "Generic CSV (timestamp, author, text, ...)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 90

    def sniff(self, source: Source) -> bool:
        """A header row naming at least ``timestamp`` and ``text``."""
        try:
            first = _text_head(source).splitlines()[0]
            columns = next(csv.reader([first], delimiter=_delimiter(first)))
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        names = {c.strip().lower() for c in columns}
        return {"timestamp", "text"} <= names

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per row; a bad row raises with its line number."""
        rows = _Rows(self.name, source.name, options, report)
        position = [0]  # physical line last read, for errors raised inside csv.reader
        with source.open() as fh:
            lines = _decoded_lines(fh, source.name, position)
            header_line = next(lines, "")
            if not header_line.strip():
                raise ImportFormatError("empty file: a header row is required",
                                        file=source.name, line=1)
            delimiter = _delimiter(header_line)
            try:
                columns = [c.strip().lower() for c in next(csv.reader(
                    [header_line], delimiter=delimiter))]
            except csv.Error as exc:
                raise ImportFormatError(f"malformed CSV header: {exc}", file=source.name,
                                        line=1) from None
            _check_columns(columns, source.name, 1)
            dupes = sorted({c for c in columns if c and columns.count(c) > 1})
            if dupes:
                raise ImportFormatError(f"column(s) named twice: {', '.join(dupes)}",
                                        file=source.name, line=1)
            unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
            if unknown:
                report.warn(f"ignored column(s): {', '.join(unknown)[:200]}")
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            ended = 1  # physical line where the previous record ended
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise ImportFormatError(f"malformed CSV: {exc}", file=source.name,
                                            line=ended + 1) from None
                line, ended = ended + 1, position[0]
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(columns):
                    raise ImportFormatError(
                        f"row has {len(cells)} cells, the header has {len(columns)}",
                        file=source.name, line=line,
                    )
                if any(len(c) > _MAX_CELL for c in cells):
                    raise ImportFormatError("cell too large", file=source.name, line=line)
                event = rows.event(dict(zip(columns, cells, strict=True)), line)
                if event is not None:
                    yield event


def _decoded_lines(fh: Any, file: str, position: list[int]) -> Iterator[str]:
    """UTF-8 lines (BOM dropped, endings kept for multi-line cells), counting as it goes."""
    for number, raw in enumerate(fh, 1):
        position[0] = number
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"not UTF-8 ({exc.reason})", file=file, line=number,
                                    position=exc.start) from None


def _delimiter(header: str) -> str:
    # Spreadsheets in many locales save with ";" (or tabs); the header tells which.
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@register
class JsonLinesImporter:
    """Debrief's generic JSON Lines: one JSON object per line, same keys as the CSV."""

    name: ClassVar[str] = "jsonl"
    label: ClassVar[str] = "Generic JSON Lines (timestamp, author, text, ...)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 90

    def sniff(self, source: Source) -> bool:
        """The first line is a JSON object with ``timestamp`` and ``text``."""
        try:
            first = _text_head(source).lstrip().split("\n", 1)[0]
            obj = json.loads(first)
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        return isinstance(obj, dict) and "timestamp" in obj and "text" in obj

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield one event per line; a bad line raises with its number and field."""
        rows = _Rows(self.name, source.name, options, report)
        seen_any = False
        with source.open() as fh:
            for line, raw in enumerate(fh, 1):
                if line == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise ImportFormatError(f"not UTF-8 ({exc.reason})", file=source.name,
                                            line=line, position=exc.start) from None
                except json.JSONDecodeError as exc:
                    raise ImportFormatError(f"invalid JSON: {exc.msg}", file=source.name,
                                            line=line, position=exc.colno) from None
                except (ValueError, RecursionError):
                    raise ImportFormatError("invalid JSON (number or nesting too large)",
                                            file=source.name, line=line) from None
                if not isinstance(obj, dict):
                    raise ImportFormatError("expected a JSON object", file=source.name,
                                            line=line)
                if not seen_any:
                    _check_columns(list(obj), source.name, line)
                    seen_any = True
                for key in REQUIRED:
                    if key not in obj:
                        raise ImportFormatError("missing", file=source.name, line=line,
                                                field=key)
                event = rows.event(obj, line)
                if event is not None:
                    yield event
        if not seen_any:
            raise ImportFormatError("empty file: no JSON lines", file=source.name, line=1)
