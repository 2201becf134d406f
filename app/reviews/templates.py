"""Load and validate review templates from TOML files (pure: no Flask, no database)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOLDS = ("text", "timeline", "factors", "actions", "impact", "messaging", "list")
INCIDENT_TYPES = ("outage", "degradation", "security", "user-issue", "near-miss")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TOP_KEYS = {"key", "name", "description", "suits_severities", "suits_types",
             "default_duration_minutes", "agenda", "sections"}
_PHASE_KEYS = {"key", "title", "minutes"}
_SECTION_KEYS = {"key", "title", "prompt", "guidance", "required", "holds"}


class TemplateError(ValueError):
    """A template file that cannot be used; names the file and the field at fault."""

    def __init__(self, message: str, file: str, field: str = "") -> None:
        self.message, self.file, self.field = message, file, field
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")


@dataclass(frozen=True)
class AgendaPhase:
    """One timeboxed part of the review meeting."""

    key: str
    title: str
    minutes: int


@dataclass(frozen=True)
class Section:
    """One section of a review: what the writer is asked and what it holds."""

    key: str
    title: str
    prompt: str
    guidance: str
    required: bool
    holds: str


@dataclass(frozen=True)
class ReviewTemplate:
    """A validated review template; `content_hash` identifies this version of the file."""

    key: str
    name: str
    description: str
    suits_severities: tuple[str, ...]
    suits_types: tuple[str, ...]
    default_duration_minutes: int
    agenda: tuple[AgendaPhase, ...]
    sections: tuple[Section, ...]
    content_hash: str
    filename: str

    def section(self, key: str) -> Section:
        """Return the section called `key` (KeyError if there is none)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


def content_hash(data: bytes) -> str:
    """Return the version id of a template file: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(data).hexdigest()[:12]


class _Checker:
    """Typed accessors that raise TemplateError with the field path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, message: str) -> TemplateError:
        return TemplateError(message, self.file, field)

    def keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for name in table:
            if name not in allowed:
                path = f"{where}.{name}" if where else name
                raise self.fail(path, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def text(self, table: Mapping[str, Any], name: str, where: str, *, required: bool = True,
             default: str = "") -> str:
        path = f"{where}.{name}" if where else name
        if name not in table:
            if required:
                raise self.fail(path, "is required")
            return default
        value = table[name]
        if not isinstance(value, str):
            raise self.fail(path, "must be a string")
        if required and not value.strip():
            raise self.fail(path, "must not be empty")
        return value.strip()

    def slug(self, table: Mapping[str, Any], name: str, where: str) -> str:
        value = self.text(table, name, where)
        if not _SLUG.match(value):
            path = f"{where}.{name}" if where else name
            raise self.fail(path, f"{value!r} is not a slug (lowercase letters, digits, "
                                  "underscores; starts with a letter; at most 40)")
        return value

    def positive_int(self, table: Mapping[str, Any], name: str, where: str,
                     default: int | None = None) -> int:
        path = f"{where}.{name}" if where else name
        if name not in table and default is not None:
            return default
        value = table.get(name)
        if name not in table:
            raise self.fail(path, "is required")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(path, f"must be a positive whole number of minutes, not {value!r}")
        return value

    def strings(self, table: Mapping[str, Any], name: str, choices: tuple[str, ...] = ()
                ) -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list):
            raise self.fail(name, "must be a list of strings")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{name}[{i}]", "must be a non-empty string")
            if choices and item not in choices:
                raise self.fail(f"{name}[{i}]", f"{item!r} must be one of {', '.join(choices)}")
        return tuple(item.strip() for item in value)

    def tables(self, table: Mapping[str, Any], name: str, required: bool) -> list[Any]:
        value = table.get(name)
        if value is None:
            if required:
                raise self.fail(name, "is required (at least one [[" + name + "]] table)")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, f"must be a list of tables, written [[{name}]]")
        if required and not value:
            raise self.fail(name, "must have at least one entry")
        return value


def _agenda(c: _Checker, data: Mapping[str, Any]) -> tuple[AgendaPhase, ...]:
    phases, seen = [], set()
    for i, raw in enumerate(c.tables(data, "agenda", required=False)):
        where = f"agenda[{i}]"
        c.keys(raw, _PHASE_KEYS, where)
        key = c.slug(raw, "key", where)
        if key in seen:
            raise c.fail(f"{where}.key", f"duplicate agenda key {key!r}")
        seen.add(key)
        phases.append(AgendaPhase(key, c.text(raw, "title", where),
                                  c.positive_int(raw, "minutes", where)))
    return tuple(phases)


def _sections(c: _Checker, data: Mapping[str, Any]) -> tuple[Section, ...]:
    sections, seen = [], set()
    for i, raw in enumerate(c.tables(data, "sections", required=True)):
        where = f"sections[{i}]"
        c.keys(raw, _SECTION_KEYS, where)
        key = c.slug(raw, "key", where)
        if key in seen:
            raise c.fail(f"{where}.key", f"duplicate section key {key!r}")
        seen.add(key)
        holds = c.text(raw, "holds", where)
        if holds not in HOLDS:
            raise c.fail(f"{where}.holds", f"must be one of {', '.join(HOLDS)}, not {holds!r}")
        required = raw.get("required", False)
        if not isinstance(required, bool):
            raise c.fail(f"{where}.required", "must be true or false")
        sections.append(Section(key, c.text(raw, "title", where),
                                c.text(raw, "prompt", where, required=False),
                                c.text(raw, "guidance", where, required=False),
                                required, holds))
    return tuple(sections)


def _parse(data: bytes, filename: str) -> ReviewTemplate:
    file = Path(filename).name or "template"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"not UTF-8 text (byte {exc.start})", file) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"TOML syntax error: {exc}", file) from None
    c = _Checker(file)
    c.keys(raw, _TOP_KEYS, "")
    key = c.slug(raw, "key", "")
    name = c.text(raw, "name", "")
    description = c.text(raw, "description", "", required=False)
    severities = c.strings(raw, "suits_severities")
    types = c.strings(raw, "suits_types", INCIDENT_TYPES)
    duration = c.positive_int(raw, "default_duration_minutes", "", default=60)
    agenda = _agenda(c, raw)
    total = sum(p.minutes for p in agenda)
    if total > duration:
        raise c.fail("agenda", f"phases add up to {total} minutes, more than "
                               f"default_duration_minutes ({duration})")
    sections = _sections(c, raw)
    return ReviewTemplate(key, name, description, severities, types, duration, agenda,
                          sections, content_hash(data), file)


def parse_template(text: str, filename: str) -> ReviewTemplate:
    """Validate template text (e.g. an upload) named `filename` in error messages."""
    return _parse(text.encode("utf-8"), filename)


def load_template(path: str | Path) -> ReviewTemplate:
    """Read and validate one template file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read: {exc.strerror}", path.name) from None
    return _parse(data, path.name)


def load_directory(path: str | Path) -> dict[str, ReviewTemplate]:
    """Load every *.toml template in a folder by key; two files with one key is an error."""
    found: dict[str, ReviewTemplate] = {}
    for file in sorted(Path(path).glob("*.toml")):
        template = load_template(file)
        if template.key in found:
            raise TemplateError(f"duplicate template key {template.key!r} (also in "
                                f"{found[template.key].filename})", file.name, "key")
        found[template.key] = template
    return found


def _severity(value: str | int | None) -> str:
    text = str(value or "").strip().upper()
    return f"SEV{text}" if text.isdigit() else text


def suggest_template(templates: Mapping[str, ReviewTemplate], severity: str | int | None,
                     incident_type: str | None) -> ReviewTemplate:
    """Pick the template to offer first for an incident of this severity and type."""
    if not templates:
        raise LookupError("no review templates are installed")
    sev = _severity(severity)
    if incident_type == "near-miss":
        wanted = "near_miss"
    elif sev in ("SEV3", "SEV4"):
        wanted = "quick"
    else:
        wanted = "standard"
    if wanted in templates:
        return templates[wanted]
    # A trimmed installation: fall back on what the templates say they suit.
    for t in templates.values():
        if incident_type in t.suits_types or sev in t.suits_severities:
            return t
    return templates.get("standard") or next(iter(templates.values()))
