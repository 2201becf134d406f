"""Recognise IRC log lines: timestamp prefixes and what each line says, per client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

# mIRC bold, colour (with optional fg,bg), reset, reverse, italic, underline, strike, mono.
_FORMATTING = re.compile(r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|[\x02\x0f\x16\x1d\x1f\x1e\x11]")

_HEADER_OPENED = re.compile(
    r"^--- Log opened \w{3} (?P<mon>\w{3}) +(?P<day>\d{1,2}) [\d:]+ (?P<year>\d{4})")
_HEADER_DAY = re.compile(r"^--- Day changed \w{3} (?P<mon>\w{3}) +(?P<day>\d{1,2}) (?P<year>\d{4})")
_HEADER_ISO = re.compile(r"^--- (?:Log opened|Day changed) (?P<iso>\d{4}-\d\d-\d\d)\b")
_HEADER_OTHER = re.compile(r"^--- Log closed\b")

_ISO_BRACKET = re.compile(
    r"^\[(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)\] ?"
    r"(?P<body>.*)$")
_WEECHAT = re.compile(r"^(?P<d>\d{4}-\d\d-\d\d) (?P<t>\d\d:\d\d:\d\d)\t(?P<body>.*)$")
_SUPYBOT = re.compile(r"^(?P<d>\d{4}-\d\d-\d\d)T(?P<t>\d\d:\d\d:\d\d)[ \t]+(?P<body>.*)$")
_DIRCPROXY = re.compile(
    r"^\[(?P<day>\d{1,2}) (?P<mon>[A-Z][a-z]{2}) (?P<t>\d\d:\d\d(?::\d\d)?)\] (?P<body>.*)$")
_BRACKET_TIME = re.compile(r"^\[(?P<t>\d{1,2}:\d\d(?::\d\d)?)\] (?P<body>.*)$")
_BARE_TIME = re.compile(r"^(?P<t>\d\d:\d\d(?::\d\d)?) (?P<body>.*)$")

_MESSAGE = re.compile(r"^<[ @+%~&!]?(?P<nick>[^\s<>!]+)(?P<host>![^>]*)?> ?(?P<text>.*)$")
_ACTION = re.compile(r"^\s?(?:\*|\u2022) (?P<nick>[^\s:*]+):? (?P<text>.*)$")
_NOTICE = re.compile(r"^-(?P<nick>[^\s()!-][^\s()-]*)(?:\([^)]*\))?- ?(?P<text>.*)$")
_NICK = re.compile(r"^(?P<old>\S+) is now known as (?P<new>\S+?)\.?$")
_TOPIC = re.compile(
    r"^(?P<nick>\S+) (?:changed the topic of \S+ to:? |changes topic to:? |"
    r"changed the topic to:? |has changed topic for \S+ (?:from \".*\" )?to )(?P<topic>.*)$")
_SKIPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("kick", re.compile(r"\bwas kicked by\b|\bkicked \S+ from\b|\bwas kicked from\b")),
    ("mode change", re.compile(r"\bsets mode\b|^mode/|^ServerMode|\bgives channel operator\b")),
    ("join", re.compile(r"^Joins: |\b(?:has )?joined\b")),
    ("quit", re.compile(r"^Quits: |\bhas quit\b|\bleft IRC\b|\bquit\b")),
    ("part", re.compile(r"^Parts: |\bhas left\b|\bleft\b")),
    ("client notice", re.compile(
        r"^You (?:connected|disconnected)|^Irssi:|^Topic (?:for|set by)|^Netsplit|^Now talking")),
)


@dataclass(frozen=True, slots=True)
class Stamp:
    """When a line happened, as far as the line itself says."""

    time: time
    date: date | None = None
    day_month: tuple[int, int] | None = None  # dircproxy: (month, day), no year
    aware: datetime | None = None  # the line carried an offset


@dataclass(frozen=True, slots=True)
class Said:
    """What a line says: ``kind`` is message, action, notice, topic, nick or a skip reason."""

    kind: str
    nick: str | None = None
    text: str = ""
    new_nick: str | None = None


def strip_formatting(text: str) -> str:
    """Remove mIRC colour and style control codes."""
    return _FORMATTING.sub("", text)


def header_date(line: str) -> date | None | bool:
    """The date a ``--- Log opened`` / ``--- Day changed`` header sets; True for other headers."""
    if m := _HEADER_ISO.match(line):
        return _iso_date(m["iso"])
    if m := (_HEADER_OPENED.match(line) or _HEADER_DAY.match(line)):
        month = _MONTHS.get(m["mon"])
        if month is None:
            return None
        try:
            return date(int(m["year"]), month, int(m["day"]))
        except ValueError:
            return None
    return True if _HEADER_OTHER.match(line) else None


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _clock(text: str) -> time | None:
    parts = text.split(":")
    try:
        return time(*(int(p) for p in parts))
    except (ValueError, TypeError):
        return None


def split_stamp(line: str) -> tuple[Stamp, str, str] | None:
    """(stamp, body, style) for a timestamped line, else None; style picks body rules."""
    if m := _ISO_BRACKET.match(line):
        iso = m["iso"].replace("Z", "+00:00")
        if len(iso) > 5 and iso[-5] in "+-" and iso[-3] != ":":
            iso = iso[:-2] + ":" + iso[-2:]
        try:
            dt = datetime.fromisoformat(iso)
        except ValueError:
            return None
        aware = dt if dt.tzinfo is not None else None
        return Stamp(dt.time(), dt.date(), aware=aware), m["body"], "plain"
    for pattern, style in ((_WEECHAT, "weechat"), (_SUPYBOT, "plain")):
        if m := pattern.match(line):
            day, clock = _iso_date(m["d"]), _clock(m["t"])
            if day is None or clock is None:
                return None
            return Stamp(clock, day), m["body"], style
    if m := _DIRCPROXY.match(line):
        month, clock = _MONTHS.get(m["mon"]), _clock(m["t"])
        if month is None or clock is None:
            return None
        return Stamp(clock, day_month=(month, int(m["day"]))), m["body"], "dircproxy"
    if m := (_BRACKET_TIME.match(line) or _BARE_TIME.match(line)):
        clock = _clock(m["t"])
        return (Stamp(clock), m["body"], "plain") if clock is not None else None
    return None


def _system(text: str) -> Said:
    if m := _NICK.match(text):
        return Said("nick", m["old"], new_nick=m["new"])
    if m := _TOPIC.match(text):
        topic = m["topic"].strip()
        if len(topic) >= 2 and topic[0] == topic[-1] and topic[0] in "'\"":
            topic = topic[1:-1]
        return Said("topic", m["nick"], topic)
    for reason, pattern in _SKIPS:
        if pattern.search(text):
            return Said(reason)
    return Said("unrecognised line")


def _weechat(body: str) -> Said:
    prefix, _, text = body.partition("\t")
    if prefix == "-->":
        return Said("join")
    if prefix == "<--":
        return Said("part or quit")
    if prefix == "--":
        return _system(text)
    if prefix.strip() == "*":
        nick, _, action = text.partition(" ")
        return Said("action", nick, action)
    if not prefix.strip() or prefix.startswith("=!="):
        return Said("client notice")
    return Said("message", prefix.lstrip("@+%~&!"), text)


def classify(body: str, style: str) -> Said:
    """What the body of a timestamped line says, for a client `style`."""
    if style == "weechat":
        return _weechat(body)
    if m := _MESSAGE.match(body):
        text = m["text"]
        if style == "dircproxy" and m["host"] and text[:1] in "+-":
            text = text[1:]  # identify-msg flag: + identified, - not
        return Said("message", m["nick"], text)
    if body.startswith("-!- "):
        return _system(body[4:])
    if body.startswith("*** "):
        return _system(body[4:])
    if m := _ACTION.match(body):
        return Said("action", m["nick"], m["text"])
    if m := _NOTICE.match(body):
        return Said("notice", m["nick"], m["text"])
    return _system(body)
