"""Parse the search language into an AST: words, "phrases", OR, -NOT, (groups), field:filters.

Pure: no Flask, no database. Grammar (AND is implicit between items):

    query   := item*
    item    := or_expr | filter
    or_expr := unary ("OR" unary)*
    unary   := "-"? primary
    primary := WORD | "phrase" | "(" query ")"
    filter  := "-"? FIELD ":" (WORD | "phrase")

Filters are AND-ed across fields and OR-ed within one field (``service:api service:db``
finds either); they may not appear inside a group or beside OR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

FIELDS = ("service", "severity", "type", "tag", "status", "factor", "after", "before", "year")
SORTS = ("relevance", "newest", "oldest")
_WORDISH = re.compile(r"\w", re.UNICODE)
_DAY = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


class QuerySyntaxError(ValueError):
    """A query the parser cannot read; `position` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Term:
    text: str


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    negated: bool = False
    position: int = 0


@dataclass
class Query:
    """A parsed query: the text part (None when only filters were given) and the filters."""

    text: Node | None = None
    filters: list[Filter] = field(default_factory=list)

    def values(self, name: str, negated: bool = False) -> list[str]:
        """The values given for filter `name` (positive ones unless `negated`)."""
        return [f.value for f in self.filters if f.field == name and f.negated == negated]

    def words(self) -> list[str]:
        """The positive words and phrase words of the text part, in order."""
        out: list[str] = []

        def walk(node: Node | None) -> None:
            if isinstance(node, Term | Phrase):
                out.extend(node.text.split())
            elif isinstance(node, And | Or):
                for item in node.items:
                    walk(item)

        walk(self.text)
        return out


# --------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE OR MINUS LPAREN RPAREN FIELD
    value: str
    pos: int
    field_value_kind: str = ""


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError("a quote is not closed", i)
            toks.append(_Tok("PHRASE", text[i + 1:end], i))
            i = end + 1
        elif ch == "(":
            toks.append(_Tok("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            toks.append(_Tok("RPAREN", ch, i))
            i += 1
        elif ch == "-" and _boundary(text, i):
            toks.append(_Tok("MINUS", ch, i))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '"()':
                i += 1
            word = text[start:i]
            name, colon, rest = word.partition(":")
            if colon and name.isalpha():
                toks.append(_field_token(text, start, name.lower(), rest, i))
                if toks[-1].field_value_kind == "PHRASE":
                    i = text.find('"', i + 1) + 1
            elif word == "OR":
                toks.append(_Tok("OR", word, start))
            else:
                toks.append(_Tok("WORD", word, start))
    return toks


def _boundary(text: str, i: int) -> bool:
    """A '-' starts a negation only at the start of a word (not inside 'us-east-1')."""
    return (i == 0 or text[i - 1].isspace() or text[i - 1] == "(") and i + 1 < len(text) and (
        not text[i + 1].isspace())


def _field_token(text: str, start: int, name: str, rest: str, end: int) -> _Tok:
    if name not in FIELDS:
        raise QuerySyntaxError(
            f'unknown field "{name}:"; known fields are {", ".join(FIELDS)} '
            '(put the text in quotes to search for it)', start)
    if rest == "" and end < len(text) and text[end] == '"':
        close = text.find('"', end + 1)
        if close < 0:
            raise QuerySyntaxError("a quote is not closed", end)
        value = text[end + 1:close].strip()
        if not value:
            raise QuerySyntaxError(f'"{name}:" needs a value', start)
        return _Tok("FIELD", f"{name}:{value}", start, "PHRASE")
    if not rest:
        raise QuerySyntaxError(f'"{name}:" needs a value, e.g. {name}:{_EXAMPLES[name]}', start)
    return _Tok("FIELD", f"{name}:{rest}", start, "WORD")


_EXAMPLES = {"service": "checkout", "severity": "1", "type": "outage", "tag": "dns",
             "status": "resolved", "factor": "detection", "after": "2025-01-31",
             "before": "2025-06", "year": "2024"}


# --------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, toks: list[_Tok], severity_labels: list[str]):
        self.toks = toks
        self.i = 0
        self.filters: list[Filter] = []
        self.labels = [s.lower() for s in severity_labels]

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def sequence(self, top: bool, open_pos: int = 0) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind != "RPAREN":
            if tok.kind == "OR":
                raise QuerySyntaxError("OR needs a term on its left", tok.pos)
            if tok.kind == "FIELD" or (tok.kind == "MINUS" and self._next_is_field()):
                if not top:
                    raise QuerySyntaxError("field filters cannot go inside parentheses",
                                           tok.pos)
                self.filter()
                continue
            node = self.or_expr()
            if node is not None:
                items.append(node)
        if not top:
            if self.peek() is None:
                raise QuerySyntaxError("a parenthesis is not closed", open_pos)
            self.take()
        elif self.peek() is not None:
            raise QuerySyntaxError("a closing parenthesis has no opening one", self.peek().pos)
        if not items:
            return None
        if not top and all(isinstance(x, Not) for x in items):
            raise QuerySyntaxError("a group needs at least one term that is not negated",
                                   open_pos)
        return items[0] if len(items) == 1 else And(tuple(items))

    def _next_is_field(self) -> bool:
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        return nxt is not None and nxt.kind == "FIELD"

    def or_expr(self) -> Node | None:
        first_pos = self.peek().pos if self.peek() else 0
        parts = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "RPAREN"):
                raise QuerySyntaxError("OR needs a term on its right", tok.pos)
            if nxt.kind == "FIELD":
                raise QuerySyntaxError("field filters cannot be combined with OR; repeat the "
                                       "field instead (service:a service:b finds either)",
                                       nxt.pos)
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        if any(isinstance(p, Not) for p in parts):
            raise QuerySyntaxError("a negated term cannot be one side of OR", first_pos)
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(tuple(kept))

    def unary(self) -> Node | None:
        tok = self.peek()
        if tok is not None and tok.kind == "MINUS":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "RPAREN", "MINUS"):
                raise QuerySyntaxError("'-' must be followed by a word to leave out", tok.pos)
            inner = self.primary()
            return Not(inner) if inner is not None else None
        return self.primary()

    def primary(self) -> Node | None:
        tok = self.take()
        if tok.kind == "LPAREN":
            return self.sequence(top=False, open_pos=tok.pos)
        if tok.kind == "PHRASE":
            text = " ".join(tok.value.split())
            return Phrase(text) if _WORDISH.search(text) else None
        if tok.kind == "WORD":
            return Term(tok.value) if _WORDISH.search(tok.value) else None
        if tok.kind == "FIELD":
            raise QuerySyntaxError("field filters cannot go here", tok.pos)
        raise QuerySyntaxError(f"unexpected {tok.value!r}", tok.pos)

    def filter(self) -> None:
        negated = False
        if self.peek().kind == "MINUS":
            self.take()
            negated = True
        tok = self.take()
        name, _, value = tok.value.partition(":")
        self.filters.append(Filter(name, self._value(name, value, tok.pos), negated, tok.pos))

    def _value(self, name: str, value: str, pos: int) -> str:
        if name == "severity":
            return str(parse_severity(value, self.labels, pos))
        if name in ("after", "before"):
            return parse_day(value, pos).isoformat()
        if name == "year":
            if not (value.isdigit() and len(value) == 4):
                raise QuerySyntaxError(f'year: needs four digits, e.g. year:2024, not "{value}"',
                                       pos)
            return value
        return value.lower() if name in ("type", "status", "factor") else value


def parse_severity(value: str, labels: list[str], pos: int = 0) -> int:
    """1..4 from '2', 'sev2' or a configured label."""
    v = value.lower()
    if v.startswith("sev"):
        v = v[3:]
    if v in ("1", "2", "3", "4"):
        return int(v)
    if value.lower() in labels:
        return labels.index(value.lower()) + 1
    raise QuerySyntaxError(f'severity: must be 1-4 or one of {", ".join(labels)}, not '
                           f'"{value}"', pos)


def parse_day(value: str, pos: int = 0) -> date:
    """The first day of YYYY-MM or the day YYYY-MM-DD."""
    m = _DAY.match(value)
    try:
        if not m:
            raise ValueError
        return date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        raise QuerySyntaxError(f'"{value}" is not a date; use YYYY-MM-DD or YYYY-MM',
                               pos) from None


def parse(text: str, severity_labels: list[str] | None = None) -> Query:
    """Parse `text` into a Query, or raise QuerySyntaxError saying where and why."""
    if len(text) > 1000:
        raise QuerySyntaxError("the query is longer than 1000 characters", 1000)
    parser = _Parser(_tokenize(text), severity_labels or ["SEV1", "SEV2", "SEV3", "SEV4"])
    node = parser.sequence(top=True)
    return Query(node, parser.filters)


def check_values(query: Query, allowed: dict[str, list[str]]) -> None:
    """Reject filter values outside `allowed[field]` (e.g. an unknown type:)."""
    for flt in query.filters:
        choices = allowed.get(flt.field)
        if choices is not None and flt.value not in choices:
            raise QuerySyntaxError(f'{flt.field}: must be one of {", ".join(choices)}, not '
                                   f'"{flt.value}"', flt.position)


def add_filter(text: str, name: str, value: str) -> str:
    """`text` with the filter name:value appended (quoted when it holds spaces)."""
    shown = f'"{value}"' if any(c.isspace() for c in value) else value
    return f"{text.strip()} {name}:{shown}".strip()
