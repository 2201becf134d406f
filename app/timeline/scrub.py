"""Placeholder secret scrubber (being replaced by the full pattern set)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_PATTERNS = [("slack_token", re.compile(r"xox[abposre]-[A-Za-z0-9-]{8,}"))]


@dataclass
class ScrubResult:
    text: str
    counts: Counter[str] = field(default_factory=Counter)


def scrub(text: str, *, emails: bool = False, phones: bool = False) -> ScrubResult:
    counts: Counter[str] = Counter()
    for kind, pattern in _PATTERNS:
        text, n = pattern.subn(f"[redacted:{kind}]", text)
        if n:
            counts[kind] += n
    return ScrubResult(text, counts)


def scrub_value(obj: Any, *, emails: bool = False, phones: bool = False
                ) -> tuple[Any, Counter[str]]:
    counts: Counter[str] = Counter()
    if isinstance(obj, str):
        r = scrub(obj)
        return r.text, r.counts
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out[k], c = scrub_value(v)
            counts.update(c)
        return out, counts
    if isinstance(obj, list):
        items = []
        for v in obj:
            x, c = scrub_value(v)
            counts.update(c)
            items.append(x)
        return items, counts
    return obj, counts
