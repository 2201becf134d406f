"""Guess a timeline event's kind from its words (pure; a hint a facilitator can change)."""

from __future__ import annotations

import re

# Ordered: the first matching rule wins, so stronger signals (recovery) come before
# weaker ones that often co-occur in the same message (diagnosis words).
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("recovery", re.compile(
        r"\b(all[- ]clear|fully recovered|recovered|back to normal|service(s)? restored|"
        r"resolved|error rates? (are )?(back|normal))\b", re.I)),
    ("mitigation", re.compile(
        r"\b(roll(ed|ing)? ?back|rolled back|revert(ed|ing)?|mitigat\w*|failed over|failover|"
        r"restart(ed|ing)|scal(ed|ing) up|hotfix|deploy(ed|ing) (a )?fix|workaround)\b", re.I)),
    ("diagnosis", re.compile(
        r"\b(root cause|caused by|identified|found the (issue|problem|cause)|looks like|"
        r"culprit|suspect\w*|investigat\w*|the cause)\b", re.I)),
    ("acknowledgement", re.compile(r"\b(ack(nowledged)?|i'?m on it|looking( into it)?)\b", re.I)),
    ("escalation", re.compile(
        r"\b(escalat\w*|paging|paged|page (the|in)|calling in|need help|pulling in)\b", re.I)),
    ("detection", re.compile(
        r"\b(alert(s|ing|ed)?|firing|fired|triggered|pager|on-?call|reports? of|"
        r"customers? report\w*|seeing errors|is down|outage)\b", re.I)),
    ("communication", re.compile(
        r"\b(status ?page|update(d)? (the )?(customers?|status)|comms|announce\w*|"
        r"statement|tweet\w*|notif(y|ied) (customers|users))\b", re.I)),
    ("decision", re.compile(r"\b(decided|decision|we will|let'?s go with|agreed to)\b", re.I)),
)


# "not resolved yet", "isn't mitigated": a negation up to two words before the phrase.
_NEGATION = re.compile(
    r"\b(not|no|never|isn'?t|aren'?t|wasn'?t|hasn'?t|haven'?t|didn'?t)( +[\w-]+){0,2} +$", re.I)
# A question about an outcome ("is it resolved?") is not the outcome; a question about a
# symptom ("is checkout down?") still is a detection, so only these kinds check for it.
_OUTCOMES = frozenset({"recovery", "mitigation", "diagnosis"})


def asserted(sample: str, match: re.Match[str], *, outcome: bool) -> bool:
    """False when the matched phrase is negated, or (for an outcome) only asked about."""
    if _NEGATION.search(sample[max(0, match.start() - 40):match.start()]):
        return False
    if outcome:
        end = re.search(r"[.!?\n]", sample[match.end():])
        if end is not None and end.group() == "?":
            return False
    return True


# One scan that says whether any rule could match: most chat lines match none, and eight
# separate scans of them were a tenth of an import's time.
_ANY_RULE = re.compile("|".join(f"(?:{p.pattern})" for _, p in _RULES), re.I)


def guess_kind(text: str) -> str:
    """The most likely kind for a chat or tracker text, else ``"other"``."""
    if not text:
        return "other"
    sample = text[:2000]
    if _ANY_RULE.search(sample) is None:
        return "other"
    for kind, pattern in _RULES:
        if any(asserted(sample, m, outcome=kind in _OUTCOMES) for m in pattern.finditer(sample)):
            return kind
    return "other"
