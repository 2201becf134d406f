"""The contract every timeline importer follows: input, options, report, event, error.

Importers are pure: they read bytes (or a folder / ZIP) and yield `NormalizedEvent`s.
They import neither Flask nor the database, so the same parser serves the web upload,
the CLI, the API, the fuzzers and the benchmarks.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from .archive import ZipLimits

# Event kinds that place an event on the incident's clock (DOMAIN.md).
KINDS = (
    "detection",
    "acknowledgement",
    "escalation",
    "diagnosis",
    "mitigation",
    "recovery",
    "communication",
    "decision",
    "other",
)


class ImportFormatError(ValueError):
    """Bad input: says what was wrong and where (file, line or position, field)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        position: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.position = position
        self.field = field

    @property
    def location(self) -> str:
        """Where the problem is, e.g. ``general/2024-01-01.json line 3 field ts``."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.position is not None:
            parts.append(f"position {self.position}")
        if self.field:
            parts.append(f"field {self.field}")
        return " ".join(parts)

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message


class UnknownFormatError(ImportFormatError):
    """No importer recognised the input."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file referenced by an event. Only names and links; never the file itself."""

    name: str
    url: str | None = None
    mime: str | None = None


@dataclass(slots=True)
class NormalizedEvent:
    """One timeline item, as every importer yields it.

    `occurred_at` is always timezone-aware UTC. `source_id` is stable across exports of
    the same item (e.g. Slack ``channel_id:ts``), so re-importing adds nothing.
    """

    source: str
    source_id: str
    occurred_at: datetime
    text: str
    text_original: str
    author_id: str | None = None
    author_name: str | None = None
    thread_ref: str | None = None
    edited: bool = False
    attachments: tuple[Attachment, ...] = ()
    kind: str = "other"
    # What the source called it: "message", "reply", "join", "trigger", "status_change" ...
    event_type: str = "message"
    channel: str | None = None
    raw: Any = None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("NormalizedEvent.occurred_at must be timezone-aware")
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        # Sources carry NUL, lone surrogates ("\\ud800" in JSON) and NaN, which SQLite's
        # driver or PostgreSQL refuse at INSERT time: every importer's events are cleaned here.
        self.text, self.text_original = storable_text(self.text), storable_text(
            self.text_original)
        self.source_id, self.event_type = storable_text(self.source_id), storable_text(
            self.event_type)
        for name in ("author_id", "author_name", "channel", "thread_ref"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, storable_text(value))
        self.attachments = tuple(Attachment(*(None if v is None else storable_text(v) for v in (
            a.name, a.url, a.mime))) for a in self.attachments)
        self.raw = storable_json(self.raw)


def storable_text(value: str) -> str:
    """`value` with NUL and lone surrogates (which no database stores) replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _SURROGATE.sub("\ufffd", value)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE_JSON = re.compile(r"\\u0000|\\ud[89a-f]|NaN|Infinity")


def storable_json(value: Any) -> Any:
    """A JSON value PostgreSQL's jsonb accepts: clean strings, NaN/Infinity as strings."""
    try:
        if not _UNSTORABLE_JSON.search(json.dumps(value)):
            return value  # the common case: one serialisation, no copy
    except (TypeError, ValueError):
        pass
    return _clean_json(value)


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {storable_text(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


@dataclass(slots=True)
class ImportOptions:
    """What the user chose (zone for naive times, channels) and the installation's ZIP limits."""

    tz: tzinfo | None = None
    channels: frozenset[str] | None = None
    zip_limits: ZipLimits | None = None  # None: the built-in limits


@dataclass(slots=True)
class ParseReport:
    """What a parser noticed besides events: skipped items with reasons, the zone used."""

    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    channels_seen: Counter[str] = field(default_factory=Counter)
    zone_assumed: str | None = None

    def skip(self, reason: str) -> None:
        """Count one item that was deliberately not turned into an event."""
        self.skipped[reason] += 1

    def warn(self, message: str) -> None:
        """Record something the user should know (kept short; capped)."""
        if len(self.warnings) < 100:
            self.warnings.append(message)


class Source:
    """The input of an import: bytes with a name, or a path (file or unpacked folder)."""

    def __init__(self, name: str, data: bytes | None = None, path: Path | None = None):
        if (data is None) == (path is None):
            raise ValueError("give exactly one of data or path")
        self.name = name
        self._data = data
        self.path = path

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> Source:
        """A source for a file or folder on disk."""
        p = Path(path)
        return cls(p.name, path=p)

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Source:
        """A source for uploaded bytes."""
        return cls(name, data=data)

    @property
    def is_dir(self) -> bool:
        return self.path is not None and self.path.is_dir()

    def read_bytes(self) -> bytes:
        """The whole file's bytes (not for folders)."""
        if self._data is not None:
            return self._data
        assert self.path is not None
        if self.path.is_dir():
            raise ImportFormatError("expected a file, got a folder", file=self.name)
        return self.path.read_bytes()

    def head(self, n: int = 4096) -> bytes:
        """The first bytes, for format sniffing (empty for folders)."""
        if self._data is not None:
            return self._data[:n]
        assert self.path is not None
        if self.path.is_dir():
            return b""
        with self.path.open("rb") as fh:
            return fh.read(n)

    def open(self) -> io.BufferedIOBase:
        """A binary stream over the file."""
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self.path is not None
        return self.path.open("rb")

    @property
    def is_zip(self) -> bool:
        return self.head(4)[:4] == b"PK\x03\x04"


class Importer(Protocol):
    """One source format. Register implementations with `@register`."""

    name: ClassVar[str]  # "slack", "pagerduty", ... (also NormalizedEvent.source)
    label: ClassVar[str]  # "Slack workspace export (ZIP or folder)"
    # True when the source carries no zone (IRC, naive CSV): the caller must pass opts.tz.
    needs_zone: ClassVar[bool]

    def sniff(self, source: Source) -> bool:
        """Cheaply tell whether `source` looks like this format (no exceptions)."""
        ...

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield events; raise ImportFormatError (with a location) on bad input."""
        ...
