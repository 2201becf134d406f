"""Split a Markdown postmortem into sections by heading and read its lists (pure).

Headings map to review sections by name ("Root cause" -> contributing factors, "Action
items" -> actions, ...); action items keep their owner, due date and done mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .postmortem_timeline import TABLE_SEP, split_table_row

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
