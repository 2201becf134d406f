"""Suggest lifecycle moments (detected, acknowledged, ...) from timeline events (pure).

Works on `NormalizedEvent`s and on any object with the same attribute names (the database
model): ``id, source, occurred_at, kind, event_type, text, raw``. A suggestion is only a
proposal; a person accepts it (DOMAIN.md: moments record `suggested` as their origin).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from .kinds import asserted

Moment = Literal[
    "started_at", "detected_at", "acknowledged_at", "identified_at", "mitigated_at",
    "recovered_at", "resolved_at",
]
MOMENTS: tuple[str, ...] = (
    "started_at", "detected_at", "acknowledged_at", "identified_at", "mitigated_at",
    "recovered_at", "resolved_at",
)
PAGER_SOURCES = frozenset({"pagerduty", "oncall", "opsgenie", "servicenow"})
ALERT_SOURCES = frozenset({"alertmanager", "checkly"})
_PAGER_MOMENTS = {
    "trigger": "detected_at", "acknowledge": "acknowledged_at", "resolve": "recovered_at",
}
# Tracker status (lower case) -> moment. Teams override it with their own workflow names.
DEFAULT_STATUS_MAPPING: Mapping[str, str] = {
    "in progress": "acknowledged_at",
    "investigating": "acknowledged_at",
    "acknowledged": "acknowledged_at",
    "identified": "identified_at",
    "mitigated": "mitigated_at",
    "monitoring": "mitigated_at",
    "resolved": "recovered_at",
    "done": "recovered_at",
    "closed": "recovered_at",
}
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("identified_at", re.compile(r"\b(root cause|found the (cause|issue|problem))\b", re.I)),
    ("mitigated_at", re.compile(
        r"\b(rolled back|reverted|mitigated|fail(ed)? ?over)\b", re.I)),
    ("recovered_at", re.compile(r"\b(all[- ]clear|fully recovered|back to normal)\b", re.I)),
)
# One scan that every hinting phrase matches: most chat lines hint at nothing.
_ANY_PHRASE = re.compile("|".join(f"(?:{p.pattern})" for _, p in _PHRASES), re.I)
_FIRING = frozenset({"firing", "active", "failing", "alert_failure"})
SOURCE_LABELS = {
    "pagerduty": "PagerDuty", "oncall": "Splunk On-Call", "opsgenie": "Opsgenie",
    "servicenow": "ServiceNow", "alertmanager": "Alertmanager", "checkly": "Checkly",
    "jira": "Jira", "github": "GitHub", "slack": "Slack", "teams": "Teams",
    "mattermost": "Mattermost", "discord": "Discord", "irc": "IRC",
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One proposed moment: when, why, and the event that supports it."""

    moment: str
    at: datetime
    evidence: Any
    strength: Literal["strong", "weak"]
    reason: str
    alternatives: int = 0  # other events that also pointed at this moment


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; the database stores UTC, so naive means UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _label(source: str) -> str:
    return SOURCE_LABELS.get(source, source.replace("_", " ").title() or "Event")


def _when(at: datetime) -> str:
    return f"{at:%H:%M} UTC on {at:%Y-%m-%d}"


def _status_to(raw: Any) -> str | None:
    if isinstance(raw, Mapping):
        to = raw.get("to")
        if isinstance(to, str):
            return to
    return None


def _is_firing(raw: Any) -> bool:
    if not isinstance(raw, Mapping):
        return False
    status = raw.get("status")
    if isinstance(status, Mapping):  # Alertmanager API v2: {"state": "active"}
        status = status.get("state")
    return isinstance(status, str) and status.lower() in _FIRING


def _strong(event: Any, mapping: Mapping[str, str]) -> tuple[str, str] | None:
    """The (moment, reason) a pager, alert or status event proves, if any."""
    source = str(getattr(event, "source", "") or "")
    event_type = str(getattr(event, "event_type", "") or "")
    at = _utc(event.occurred_at)
    if source in PAGER_SOURCES and event_type in _PAGER_MOMENTS:
        return _PAGER_MOMENTS[event_type], f"{_label(source)} {event_type} at {_when(at)}"
    if source in ALERT_SOURCES and event_type == "alert" and _is_firing(event.raw):
        return "detected_at", f"{_label(source)} alert firing at {_when(at)}"
    if event_type == "status_change":
        to = _status_to(event.raw)
        if to is not None:
            moment = mapping.get(to.strip().lower())
            if moment is not None:
                return moment, f'{_label(source)} status changed to "{to}" at {_when(at)}'
    return None


def _weak(event: Any) -> list[tuple[str, str]]:
    """Every (moment, reason) a chat phrase in the event's text hints at."""
    text = getattr(event, "text", None)
    if not isinstance(text, str) or not text:
        return []
    sample = text[:4000]
    if _ANY_PHRASE.search(sample) is None:
        return []
    found: list[tuple[str, str]] = []
    for moment, pattern in _PHRASES:
        for match in pattern.finditer(sample):
            # "not yet mitigated" and "is it back to normal?" are not evidence.
            if not asserted(sample, match, outcome=True):
                continue
            at = _utc(event.occurred_at)
            source = str(getattr(event, "source", "") or "")
            found.append((moment, f'{_label(source)} message says "{match.group(0)}" '
                                  f"at {_when(at)}"))
            break
    return found


def suggest_moments(
    events: Iterable[Any], mapping: Mapping[str, str] | None = None
) -> list[Suggestion]:
    """One suggestion per moment with evidence: the earliest strong, else earliest weak.

    `mapping` maps a tracker status (any case) to a moment name; it replaces the default.
    """
    table = {k.strip().lower(): v for k, v in (mapping or DEFAULT_STATUS_MAPPING).items()}
    unknown = set(table.values()) - set(MOMENTS)
    if unknown:
        raise ValueError(f"unknown moment(s) in mapping: {', '.join(sorted(unknown))}")
    candidates: dict[str, list[tuple[int, datetime, int, str, Any]]] = {}
    for order, event in enumerate(events):
        at = _utc(event.occurred_at)
        strong = _strong(event, table)
        found = [(0, m, r) for m, r in ([strong] if strong else [])]
        if strong is None:
            found = [(1, m, r) for m, r in _weak(event)]
        for rank, moment, reason in found:
            candidates.setdefault(moment, []).append((rank, at, order, reason, event))
    suggestions = []
    for moment in MOMENTS:
        found_for = candidates.get(moment)
        if not found_for:
            continue
        rank, at, _, reason, event = min(found_for, key=lambda c: (c[0], c[1], c[2]))
        suggestions.append(Suggestion(
            moment=moment, at=at, evidence=event,
            strength="strong" if rank == 0 else "weak", reason=reason,
            alternatives=len(found_for) - 1,
        ))
    return suggestions
