"""Import Jira's CSV export ("Export -> CSV (all fields)").

The export repeats column names for multi-valued fields (several ``Comment`` columns),
holds multi-line quoted cells, and writes naive local dates such as ``14/Jul/25 3:42 PM``
in the exporting user's zone, so the caller must choose that zone (``options.tz``).

Events per row (channel = issue key): ``created`` (kind detection), one ``comment`` per
non-empty ``Comment`` cell (``date;accountId;body``, kind guessed), and, when
``Resolved`` is filled, a ``status_change`` with ``raw = {"item": <row>, "from": None,
"to": <Resolution or Status>, "field": "resolution"}`` (the convention shared with the
Jira JSON importer). The CSV has no changelog, so intermediate transitions are lost.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

from ..kinds import guess_kind
from .base import ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .jira_adf import wiki_to_markdown
from .registry import register

# Jira renders dates with the user's "complete date/time" pattern; these are its
# defaults across versions, day first, English month names.
_DATE_FORMATS = (
    "%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %H:%M",
    "%d/%b/%y %I:%M:%S %p", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M %p",
)


def parse_jira_date(value: str, tz: tzinfo, *, file: str, line: int, field: str) -> datetime:
    """Parse a zone-less Jira CSV date written in `tz` to aware UTC."""
    text = " ".join(value.split())
    for fmt in _DATE_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        try:
            return naive.replace(tzinfo=tz).astimezone(UTC)
        except (OverflowError, ValueError):
            break
    raise ImportFormatError(
        f"not a Jira date: {value[:40]!r} (expected e.g. 14/Jul/25 3:42 PM)",
        file=file, line=line, field=field,
    )


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(None) or tz)


@register
class JiraCsvImporter:
    """Jira issue CSV export with repeated Comment columns and zone-less dates."""

    name: ClassVar[str] = "jira-csv"
    label: ClassVar[str] = "Jira CSV export (issues with comments; dates need a zone)"
    needs_zone: ClassVar[bool] = True
    priority: ClassVar[int] = 40

    def sniff(self, source: Source) -> bool:
        """Accept CSV whose header names the ``Issue key`` and ``Summary`` columns."""
        try:
            head = source.head(8192).decode("utf-8-sig", "replace")
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        first = head.split("\n", 1)[0]
        try:
            header = next(csv.reader([first]))
        except (csv.Error, StopIteration):
            return False
        names = {h.strip() for h in header}
        return "Issue key" in names and "Summary" in names

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield created, comment and resolved events of every row."""
        if options.tz is None:
            raise ImportFormatError(
                "Jira CSV dates carry no time zone; choose the zone of the user who "
                "exported the file", file=source.name, line=1, field="Created")
        tz = options.tz
        report.zone_assumed = _zone_name(tz)
        try:
            text = source.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                "the file is not UTF-8 text", file=source.name, position=exc.start) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        header = _header(reader, source.name)
        seen: set[str] = set()
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise ImportFormatError(
                    f"broken CSV ({exc})", file=source.name, line=line) from None
            if any(cell.strip() for cell in row):
                for event in _row_events(header, row, tz, source.name, line, options, report):
                    if event.source_id in seen:
                        report.skip("duplicate item")
                        continue
                    seen.add(event.source_id)
                    report.channels_seen[event.channel or ""] += 1
                    yield event
            line = reader.line_num + 1


def _header(reader: Any, file: str) -> list[str]:
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFormatError("the file is empty", file=file, line=1) from None
    except csv.Error as exc:
        raise ImportFormatError(f"broken CSV header ({exc})", file=file, line=1) from None
    for required in ("Issue key", "Summary", "Created"):
        if required not in header:
            raise ImportFormatError(
                f"no {required!r} column: is this a Jira CSV export?",
                file=file, line=1, field=required)
    return header


def _row_events(
    header: list[str], row: list[str], tz: tzinfo, file: str, line: int,
    options: ImportOptions, report: ParseReport,
) -> Iterator[NormalizedEvent]:
    cells: dict[str, list[str]] = {}
    for name, value in zip(header, row, strict=False):
        cells.setdefault(name, []).append(value)

    def first(name: str) -> str:
        return next((v.strip() for v in cells.get(name, []) if v.strip()), "")

    key = first("Issue key")
    if not key:
        raise ImportFormatError("row without an issue key", file=file, line=line,
                                field="Issue key")
    if options.channels is not None and key not in options.channels:
        report.skip("issue not in the chosen channels")
        return
    issue_id = first("Issue id") or key
    raw_row = {name: values[0] if len(values) == 1 else values for name, values in cells.items()}
    summary = first("Summary")
    description = next((v for v in cells.get("Description", []) if v.strip()), "")
    text = f"{key} created: {summary}"
    if description:
        text += "\n\n" + wiki_to_markdown(description)
    yield NormalizedEvent(
        source="jira", source_id=f"{issue_id}:created",
        occurred_at=parse_jira_date(first("Created"), tz, file=file, line=line, field="Created"),
        text=text, text_original=summary + (f"\n\n{description}" if description else ""),
        author_name=first("Reporter") or first("Creator") or None, kind="detection",
        event_type="created", channel=key, raw=raw_row,
    )
    for cell in cells.get("Comment", []):
        if cell.strip():
            yield _comment(cell, key, issue_id, tz, file, line)
    resolved = first("Resolved")
    if resolved:
        to = first("Resolution") or first("Status") or "Resolved"
        yield NormalizedEvent(
            source="jira", source_id=f"{issue_id}:resolved",
            occurred_at=parse_jira_date(resolved, tz, file=file, line=line, field="Resolved"),
            text=f"Resolution: {to}", text_original=to, kind="recovery",
            event_type="status_change", channel=key,
            raw={"item": raw_row, "from": None, "to": to, "field": "resolution"},
        )


def _comment(
    cell: str, key: str, issue_id: str, tz: tzinfo, file: str, line: int
) -> NormalizedEvent:
    parts = cell.split(";", 2)
    if len(parts) < 3:
        raise ImportFormatError(
            "a Comment cell must read 'date;author;text'", file=file, line=line, field="Comment")
    when, author, body = parts
    # The export has no comment ids; the cell itself is stable across re-exports.
    digest = hashlib.sha1(cell.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return NormalizedEvent(
        source="jira", source_id=f"{issue_id}:comment:{digest}",
        occurred_at=parse_jira_date(when, tz, file=file, line=line, field="Comment"),
        text=wiki_to_markdown(body), text_original=body,
        author_id=author.strip() or None, kind=guess_kind(body), event_type="comment",
        channel=key, raw={"cell": cell},
    )
