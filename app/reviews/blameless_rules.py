"""Define the blameless-language rules: what each flags, why, and what to say instead."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

# The masking character for skipped text: neither a word character nor whitespace, so a
# pattern can never bridge a quote or a code span.
MASK = "\x00"


@dataclass(frozen=True)
class Rule:
    """One rule of REVIEWS.md's table, as shown to writers."""

    id: str
    title: str
    severity: str
    why: str
    say_instead: str
    source: str
    contexts: tuple[str, ...] = ("narrative", "action")


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("counterfactual", "Counterfactual", "warn",
         "Judges the past by what we know now.",
         "Describe what was known then, and ask how the choice made sense at the time.",
         "Dekker; LFI \"three analytical traps\""),
    Rule("alternate_reality", "Alternate reality", "warn",
         "Tells a story that did not happen.",
         "Describe what happened; put the idea in the actions.",
         "PagerDuty template guidance"),
    Rule("failed_to", "\"Failed to\"", "warn",
         "Frames a person's act as a defect.",
         "Say what was done and what was known at that moment.",
         "counterfactual literature"),
    Rule("hindsight_omission", "Hindsight omission", "warn",
         "What was not noticed is only visible after the fact.",
         "Describe the moment from inside it: what was on screen, what held attention.",
         "LFI"),
    Rule("situation_awareness", "Situation awareness", "warn",
         "A label, not an explanation.",
         "Say which cues were there and what held people's attention.",
         "The Human Diver; Dekker"),
    Rule("normative", "Normative judgment", "warn",
         "A judgment instead of a description.",
         "Describe neutrally what was done and what happened.",
         "LFI"),
    Rule("character_blame", "Character blame", "warn",
         "Blames a person, not the system.",
         "Look at the situation: what made this the reasonable thing to do?",
         "Dekker's \"old view\" (careless, incompetent; the rest are our extension)"),
    Rule("human_error", "Human error", "warn",
         "Ends the inquiry where it should start.",
         "List the conditions that made the error likely.",
         "PagerDuty; VOID"),
    Rule("single_root_cause", "Single root cause", "warn",
         "Incidents have several contributing factors.",
         "Say \"contributing factors\" and list them.",
         "Cook, \"How complex systems fail\"; Etsy"),
    Rule("mechanistic", "Mechanistic explanation", "warn",
         "Explains the event away instead of describing it.",
         "Describe what made the task hard.",
         "LFI"),
    Rule("named_culprit", "Named culprit", "warn",
         "Naming and shaming: a person becomes the cause.",
         "Name the system or the step, not the person.",
         "PagerDuty; Atlassian"),
    Rule("why_who_question", "Why / who question", "warn",
         "Invites defence instead of description.",
         "Ask \"what\" and \"how\": what did you see, how did it make sense?",
         "PagerDuty; Etsy"),
    Rule("obviously", "\"Obviously\"", "info",
         "Assumes knowledge that not everyone shares.",
         "Ask whether it is obvious to everyone; say what made it visible.",
         "Etsy"),
    Rule("vigilance", "Vigilance action", "warn",
         "Relies on people's attention, not on a change.",
         "Automate it or add a guard, a check or a tool.",
         "PagerDuty (Lunney et al.)", ("action",)),
    Rule("overstated_outage", "Overstated outage", "info",
         "Inflates the story when the impact was partial.",
         "Say \"degradation\" or \"incident\".",
         "PagerDuty"),
)}

Span = tuple[int, int]
Finder = Callable[[str], Iterator[Span]]

_F = re.IGNORECASE
_NEG = r"(?:\s+not|n['’]t)?"
# Irregular past participles after "should have": "should have known", "could have caught".
_IRREGULAR = (
    "been|known|seen|done|gone|taken|caught|made|run|put|set|got|gotten|had|told|found|"
    "built|sent|spent|kept|left|paid|thought|brought|bought|taught|held|read|said|written|"
    "given|begun|hit|cut|shut|let|understood|undergone|withdrawn|meant|felt|lost|won|"
    "spotted|chosen|driven|broken|spoken|woken|become|come|known|shown|grown|drawn|thrown|"
    "flown|ridden|hidden|forgotten|gotten|struck|stuck|rung|sung|sat|stood|heard|dealt|"
    "led|fed|met|sought|swept|slept|won|rolled|used|lead"
)
_PARTICIPLE = rf"(?:{_IRREGULAR}|[a-z]+(?:ed|en|wn|ne))"
_COUNTERFACTUAL = re.compile(
    rf"\b(?:should|could|would|ought\s+to|must){_NEG}\s+(?:have|['’]ve)\s+{_PARTICIPLE}\b"
    rf"|\b(?:should|could|would|must)(?:n['’]t)?['’]ve\s+{_PARTICIPLE}\b", _F)
_MODAL_HAVE = rf"(?:(?:would|could|might){_NEG}\s+(?:have|['’]ve)\b|(?:would|could)['’]ve\b)"
_ALTERNATE = re.compile(
    rf"\bif\b[^.!?\n{MASK}]{{0,120}}?\b(?:had|hadn['’]t|was|wasn['’]t|were|weren['’]t)\b"
    rf"[^.!?\n{MASK}]{{0,160}}?\b{_MODAL_HAVE}"
    rf"|\bhad\s+(?:we|they|I|he|she|someone|anyone|any\s+of\s+\w+|either\s+\w+|the\s+\w+)"
    rf"\s+(?:not\s+)?\w+"
    rf"[^.!?\n{MASK}]{{0,160}}?\b{_MODAL_HAVE}"
    rf"|\b(?:would|could)(?:\s+not|n['’]t)?\s+have\s[^.!?\n{MASK}]{{0,120}}?\bif\b"
    rf"[^.!?\n{MASK}]{{0,80}}?\bhad\b", _F)

_HUMAN_SUBJECT = (
    r"(?:we|they|he|she|I|you|someone|somebody|nobody|everyone|team|teams|engineer|"
    r"engineers|developer|developers|operator|operators|responder|responders|on-?call|"
    r"sre|sres|admin|admins|administrator|staff|reviewer|reviewers|author|commander|ic|"
    r"lead|owner|owners|member|members|colleague|colleagues|person|human)"
)
_HUMAN_VERB = (
    r"(?:notice|check|follow|update|communicate|escalate|inform|notify|review|test|verify|"
    r"consider|reali[sz]e|recogni[sz]e|spot|catch|read|understand|anticipate|foresee|act|"
    r"respond|document|report|mention|tell|ask|confirm|validate|plan|prepare|coordinate|"
    r"account\s+for|double-check|look|investigate|acknowledge|page|monitor|remember|"
    r"heed|observe|see|take|pay|identify|detect|follow\s+up|raise|flag|warn)"
)
_FAILED_TO = re.compile(
    rf"\b{_HUMAN_SUBJECT}\s+(?:had\s+|have\s+|has\s+|also\s+|then\s+|simply\s+){{0,2}}"
    rf"(?P<f>fail(?:ed|s)?\s+to)\b"
    # "tests failed to catch it" is about a system; only the subjectless noun forms remain.
    rf"|\b(?P<g>(?:failing|failure)\s+to)\s+{_HUMAN_VERB}\b", _F)
_HINDSIGHT = re.compile(
    # "a process that did not verify ..." describes a system, not a person's attention.
    r"(?<!\bthat\s)(?<!\bwhich\s)"
    r"\b(?:did\s+not|didn['’]t|never|nobody|no\s+one|had\s+not|hadn['’]t)\s+"
    r"(?:notic|check|follow|spot|verif|reali[sz]|double-check|look\w*\s+at)"
    r"\w*\b", _F)
_SITUATION = re.compile(
    r"\b(?:lost|lose|loses|losing|loss\s+of|lack(?:ed|s|ing)?(?:\s+of)?|no|poor|low|limited|"
    r"reduced|without|missing)\s+(?:\w+\s+)?situation(?:al)?\s+awareness\b"
    r"|\b(?:more|closer|better|enough|insufficient|lack\s+of|not\s+paying|"
    r"(?:did\s+not|didn['’]t)\s+pay|no)\s+attention\b|\binattent(?:ion|ive)\b", _F)
_NORMATIVE = re.compile(
    r"\b(?:mismanag\w*|inappropriate(?:ly)?|improper(?:ly)?)\b"
    # "an improperly configured setting" describes a system's state, not a person's act.
    r"(?![-\s]+(?:configur\w*|formatted|encoded|escaped|sized|set|closed|terminated|"
    r"shut\s+down|seated|grounded|initiali[sz]ed|parsed|cached|routed))", _F)
_CHARACTER = re.compile(
    r"\b(?:careless(?:ly|ness)?|incompeten(?:t|tly|ce)|negligen(?:t|tly|ce)|"
    r"sloppy|sloppi(?:ly|ness)|lazy|laziness|lazily|reckless(?:ly|ness)?)\b"
    r"(?![-\s]+(?:load\w*|evaluat\w*|init\w*|quorum|consensus|fetch\w*|import\w*|"
    r"loaded|mode|iterator|instantiation))", _F)
_HUMAN_ERROR = re.compile(
    r"\b(?:human|operator|pilot|engineer|operational\s+human)[-\s]+errors?\b", _F)
_ROOT_CAUSE = re.compile(
    r"\b(?:the\s+|a\s+|one\s+|single\s+)?(?:(?:real|actual|underlying|main|primary|"
    r"ultimate|true|sole|single|only)\s+)?root[-\s]+cause"
    rf"(?:\s+(?:of|for|behind)\s+[^.!?\n:{MASK}]{{1,80}}?)?"
    r"\s+(?:was|is|has\s+been|turned\s+out\s+to\s+be|appears\s+to\s+be|seems\s+to\s+be)\b"
    # "the root cause was found later" reports a search, not a claim about one cause.
    r"(?!\s+(?:found|identified|determined|discovered|unknown|unclear|being|under|carried|"
    r"investigated|still|not|yet|now\s+known|traced|established))", _F)
_MECHANISTIC = re.compile(
    r"\b(?:due\s+to|because\s+of|caused\s+by|result\s+of|owing\s+to|stem(?:med|ming|s)\s+"
    r"from|down\s+to|attributed\s+to)\s+(?:(?:a|an|the|their|his|her|our|my|general|"
    r"some|his/her)\s+)*(?:(?:unfamiliarity|inexperience)\b"
    r"|lack\s+of\s+(?:\w+\s+)?(?:training|experience|knowledge|familiarity|expertise|"
    r"understanding|skills?)\b)"
    r"|\bbecause\s+(?:he|she|they|I|we|the\s+\w+)\s+(?:was|were|is|are)\s+"
    r"(?:new|unfamiliar|inexperienced|untrained|junior|not\s+familiar)\b", _F)
_WHY = re.compile(
    r"\bwhy\s+(?:did|didn['’]t|did\s+not|were|weren['’]t|was|wasn['’]t|would|wouldn['’]t|"
    r"had|hadn['’]t|couldn['’]t|could|would|didnt)\s+(?:you|they|we|he|she|I|nobody|no\s+one|"
    r"anyone|someone|the\s+(?:team|engineer|on-?call|responder|reviewer|ic)|@[\w.-]+)\b", _F)
_WHO = re.compile(
    r"\bwho\s+(?:approved|made|pushed|deployed|merged|broke|caused|signed\s+off|decided|"
    r"was\s+responsible|is\s+responsible|wrote|forgot|missed|let|allowed|authori[sz]ed|"
    r"changed|ran|did|messed|thought|is\s+to\s+blame|was\s+to\s+blame)\b", _F)
_OBVIOUSLY = re.compile(
    r"(?<!not\s)(?<!more\s)(?<!less\s)\b(?:obviously|of\s+course|clearly)\b"
    r"(?!\s+(?:visible|documented|labell?ed|marked|defined|separated|stated|written|"
    r"communicated|explained|shown|identified))", _F)
_VIGILANCE = re.compile(
    r"\b(?:be|being|stay|remain)\s+(?:more\s+|extra\s+|very\s+)?(?:careful|vigilant|cautious|"
    r"attentive|aware)\b|\bmake\s+sure\b|\bremember(?:ing)?\s+to\b|\bdouble[-\s]check\w*\b"
    r"|\bpay\s+(?:more\s+|closer\s+)?attention\b|\btry\s+harder\b"
    r"|\bremind\s+(?:everyone|engineers|the\s+team|people|staff|developers|responders)\b", _F)
_AUTOMATION = re.compile(
    r"\b(?:automat\w*|script\w*|ci|pipeline\w*|alert\w*|lint\w*|tests?|hook\w*|bot|"
    r"validat\w*|enforc\w*|guard\w*|block\w*|monitor\w*|tool\w*|job|cron|admission|"
    r"policy|check\s+in\s+ci)\b", _F)
_OUTAGE = re.compile(r"\boutages?\b", _F)
_NOT_OUTAGE = re.compile(r"\b(?:no|not\s+an?|without\s+an?|never\s+an?|avoid\w*\s+an?)\s+$",
                         _F)


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for m in pattern.finditer(text):
        yield m.span()


def _failed_to(text: str) -> Iterator[Span]:
    for m in _FAILED_TO.finditer(text):
        yield m.span("f") if m.group("f") else m.span("g")


def _who(text: str) -> Iterator[Span]:
    # "the reviewer who approved it" is a relative clause; only questions invite defence.
    for m in _WHO.finditer(text):
        before = text[max(0, m.start() - 3):m.start()].strip()
        clause_end = re.search(r"[.!?\n]", text[m.end():])
        ends = text[m.end() + clause_end.start()] if clause_end else ""
        if before in ("", "-", "*") or before[-1:] in ".!?:\"'“(" or ends == "?":
            yield m.span()


def _vigilance(text: str) -> Iterator[Span]:
    for m in _VIGILANCE.finditer(text):
        start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        stop = re.search(r"[.\n]|$", text[m.end():])
        sentence = text[start:m.end() + (stop.start() if stop else 0)]
        # "Add a CI check to make sure migrations are reversible" changes a system.
        if not _AUTOMATION.search(sentence):
            yield m.span()


def _outage(text: str) -> Iterator[Span]:
    for m in _OUTAGE.finditer(text):
        if not _NOT_OUTAGE.search(text[max(0, m.start() - 20):m.start()]):
            yield m.span()


# "could have been" is mostly a guess ("which token could have been leaked"); it judges
# the past only when an action follows: "could have been avoided / caught sooner".
_COULD_BEEN = re.compile(r"\b(?:could|might)(?:\s+not|n['’]t)?(?:\s+have|['’]ve)\s+been\s+"
                         r"(?P<next>[\w-]+)", _F)
_JUDGING_NEXT = re.compile(
    r"(?:avoided|prevented|caught|detected|noticed|spotted|mitigated|handled|done|resolved|"
    r"fixed|found|identified|addressed|communicated|tested|reverted|rolled|escalated|raised|"
    r"stopped|shortened|reduced|quicker|faster|sooner|earlier|a\s+sign|better)\b", _F)
_AFFECTED = re.compile(r"\b(?:users?|customers?|visitors?|clients?|requests?|traffic|"
                       r"callers?|consumers?)\b[^.!?\n]{0,40}$", _F)


def _counterfactual(text: str) -> Iterator[Span]:
    for m in _COUNTERFACTUAL.finditer(text):
        been = _COULD_BEEN.match(text, m.start())
        if been and not _JUDGING_NEXT.match(text, been.start("next")):
            continue
        # "users would have seen errors" estimates the impact; it judges nobody.
        if m.group().lower().startswith("would") and _AFFECTED.search(
                text[max(0, m.start() - 60):m.start()]):
            continue
        yield m.span()


FINDERS: dict[str, Finder] = {
    "counterfactual": _counterfactual,
    "alternate_reality": lambda t: _spans(_ALTERNATE, t),
    "failed_to": _failed_to,
    "hindsight_omission": lambda t: _spans(_HINDSIGHT, t),
    "situation_awareness": lambda t: _spans(_SITUATION, t),
    "normative": lambda t: _spans(_NORMATIVE, t),
    "character_blame": lambda t: _spans(_CHARACTER, t),
    "human_error": lambda t: _spans(_HUMAN_ERROR, t),
    "single_root_cause": lambda t: _spans(_ROOT_CAUSE, t),
    "mechanistic": lambda t: _spans(_MECHANISTIC, t),
    "why_who_question": lambda t: _merge(_spans(_WHY, t), _who(t)),
    "obviously": lambda t: _spans(_OBVIOUSLY, t),
    "vigilance": _vigilance,
    "overstated_outage": _outage,
}

_FAILURE_WORDS = (
    r"(?:failed|fails|forgot|forgets|missed|misses|broke|breaks|caused|causes|"
    r"did\s+not|didn['’]t|neglected|ignored|messed\s+up|screwed\s+up|overlooked|botched|"
    r"dropped\s+the\s+ball|should\s+have|should['’]ve|accidentally|mistakenly|"
    r"inadvertently|wrongly|incorrectly|carelessly|misconfigured|misread|"
    r"was\s+(?:responsible|to\s+blame)|is\s+to\s+blame)"
)


def named_culprit_finder(names: Iterable[str]) -> Finder:
    """Build the finder for people's names and @handles as the subject of a failure word."""
    clean = sorted({n.strip() for n in names if n and len(n.strip()) > 1}, key=len,
                   reverse=True)
    # Names are matched as written (capitalised): "Will" the person, not "will" the verb.
    who = "|".join([re.escape(n) for n in clean] + [r"(?i:@[\w][\w.-]*)"])
    pattern = re.compile(
        rf"(?<![\w@])(?:{who})(?:['’]s(?:\s+\w+){{1,2}})?(?![\w])"
        rf"(?:\s+(?i:had|has|then|also|just|was|himself|herself|simply|completely)){{0,2}}"
        rf"\s+(?i:{_FAILURE_WORDS})\b")

    def find(text: str) -> Iterator[Span]:
        yield from _spans(pattern, text)

    return find


def _merge(*spans: Iterable[Span]) -> Iterator[Span]:
    seen: set[Span] = set()
    for group in spans:
        for span in group:
            if span not in seen:
                seen.add(span)
                yield span
