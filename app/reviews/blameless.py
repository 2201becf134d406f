"""Check review text for blame-laden language, skipping code, quotes and chat (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from .blameless_rules import FINDERS, MASK, RULES, Rule, Span, named_culprit_finder

__all__ = ["RULES", "Finding", "Rule", "check", "findings_to_json", "skipped_spans"]

CONTEXTS = ("narrative", "action")

# Concrete hints; "{text}" is the flagged words. Rules without one use their say_instead.
_SUGGESTIONS = {
    "counterfactual": "Instead of \"{text}\", describe what was known then and how the "
                      "choice made sense at the time.",
    "alternate_reality": "Describe what did happen; if the idea is worth doing, make it "
                         "an action.",
    "failed_to": "Instead of \"{text}\", say what was done and what was known then.",
    "hindsight_omission": "Instead of \"{text}\", describe what was on screen and what "
                          "held attention at that moment.",
    "human_error": "Instead of \"{text}\", list the conditions that made the slip likely "
                   "(tooling, load, hour, ambiguity).",
    "single_root_cause": "Say \"contributing factors included ...\" and list several.",
    "named_culprit": "Name the system or the step (\"the deploy step ...\"), not the person.",
    "why_who_question": "Ask \"what\" or \"how\": \"What did you see that made it seem "
                        "right?\"",
    "overstated_outage": "The impact was partial: say \"degradation\" or \"incident\".",
    "vigilance": "Instead of \"{text}\", automate it or add a guard, check or tool.",
}

_MD = MarkdownIt("commonmark")
_NEWLINE = re.compile(r"\r\n?|\n")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*$", re.DOTALL | re.M)
# Pasted chat: "[10:02] alice: ...", "10:02 <bob> ...", "<carol> ...".
_CHAT_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\[?\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]*[AaPp][Mm])?\]?[ \t]+"
    r"(?:<[^>\n]+>|@?[\w.-]+:)|<@?[\w.-]+>[ \t])[^\n]*", re.M)
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(?:[^\n`]|`(?!\1)|\n(?![ \t]*\n))+?\1(?!`)")
_URL = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)|<[a-z][\w+.-]*:[^>\s]*>"
                  r"|\bhttps?://[^\s)>\]]+", re.I)
_QUOTED = re.compile(r"\"[^\"\n]{1,600}\"|“[^”\n]{1,600}”")
_SPEECH_CUE = re.compile(
    r"(?:said|says|wrote|writes|asked|asks|replied|posted|typed|messaged|commented|"
    r"answered|shouted|tweeted|:)\s*$", re.I)


@dataclass(frozen=True)
class Finding:
    """One flagged span: offsets into the original text, the rule and a better way."""

    rule: str
    severity: str
    start: int
    end: int
    text: str
    why: str
    suggestion: str
    source: str


def _line_starts(text: str) -> list[int]:
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    return starts + [len(text)]


def _block_spans(text: str) -> list[Span]:
    """Fenced and indented code, block quotes and raw HTML blocks, as character spans."""
    starts = _line_starts(text)
    last = len(starts) - 1
    spans: list[Span] = []
    for token in _MD.parse(text):
        if token.map is None:
            continue
        if token.type in ("fence", "code_block", "html_block", "blockquote_open"):
            begin, end = token.map
            spans.append((starts[min(begin, last)], starts[min(end, last)]))
    return spans


def _quoted_chat(text: str) -> list[Span]:
    spans = []
    for m in _QUOTED.finditer(text):
        inner = m.group()[1:-1]
        # Short scare quotes ("human error") stay checked; sentences and speech are chat.
        if len(inner.split()) >= 3 or _SPEECH_CUE.search(text[max(0, m.start() - 24):
                                                              m.start()]):
            spans.append(m.span())
    return spans


def skipped_spans(text: str) -> list[Span]:
    """Character spans the checker ignores: front matter, code, quotes, URLs and chat."""
    spans: list[Span] = []
    front = _FRONT_MATTER.match(text)
    if front:
        spans.append(front.span())
    spans += _block_spans(text)
    masked = _mask(text, spans)
    for pattern in (_CHAT_LINE, _INLINE_CODE, _URL):
        spans += [m.span() for m in pattern.finditer(masked)]
        masked = _mask(text, spans)
    spans += _quoted_chat(masked)
    return sorted(spans)


def _mask(text: str, spans: Iterable[Span]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = MASK
    return "".join(chars)


def _suggestion(rule: Rule, matched: str) -> str:
    hint = _SUGGESTIONS.get(rule.id)
    return hint.replace("{text}", " ".join(matched.split())) if hint else rule.say_instead


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in others)


def check(text: str, *, names: Iterable[str] = (), context: str = "narrative",
          impact_partial: bool | None = None) -> list[Finding]:
    """Return the blameless-language findings in `text`, in reading order."""
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, not {context!r}")
    masked = _mask(text, skipped_spans(text))
    finders = dict(FINDERS)
    finders["named_culprit"] = named_culprit_finder(names)
    found: dict[str, list[Span]] = {}
    for rule_id, rule in RULES.items():
        if context not in rule.contexts:
            continue
        if rule_id == "overstated_outage" and impact_partial is not True:
            continue
        found[rule_id] = sorted(set(finders[rule_id](masked)))
    # "If we had paged, we would have ..." is one alternate reality, not also a counterfactual.
    alternate = found.get("alternate_reality", [])
    found["counterfactual"] = [s for s in found.get("counterfactual", [])
                               if not _overlaps(s, alternate)]
    order = list(RULES)
    out = [Finding(rule_id, RULES[rule_id].severity, s, e, text[s:e], RULES[rule_id].why,
                   _suggestion(RULES[rule_id], text[s:e]), RULES[rule_id].source)
           for rule_id, spans in found.items() for s, e in spans]
    return sorted(out, key=lambda f: (f.start, order.index(f.rule), f.end))


def findings_to_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Return findings as JSON-ready dicts (rule, severity, start, end, text, suggestion)."""
    return [{"rule": f.rule, "severity": f.severity, "start": f.start, "end": f.end,
             "text": f.text, "suggestion": f.suggestion} for f in findings]
