"""Translate the parsed search language into Whoosh queries, and mark up snippets."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from whoosh import highlight
from whoosh import query as wq

from .query import And, Node, Not, Or, Phrase, Term
from .whoosh_store import ANALYZER


def tokens(text: str) -> list[str]:
    """The index terms (lower-case stems) of `text`."""
    return [t.text for t in ANALYZER(text, mode="query")]


class FieldsOr(wq.Or):
    """An OR merged document by document: Whoosh's default for indexes under 5,000
    documents preloads every posting of every clause, slower on 7 KB documents."""

    matcher_type = wq.Or.DEFAULT_MATCHER


def _words(text: str, fields: tuple[str, ...]) -> wq.Query:
    """A word or phrase in any of `fields`; a word the analyzer splits is a phrase."""
    terms = tokens(text)
    if not terms:
        return wq.NullQuery
    if len(terms) == 1:
        return FieldsOr([wq.Term(f, terms[0]) for f in fields])
    return FieldsOr([wq.Phrase(f, terms) for f in fields])


def translate(node: Node, fields: tuple[str, ...]) -> wq.Query:
    """The Whoosh query of a node; user text is only ever analysed, never parsed."""
    if isinstance(node, Term | Phrase):
        return _words(node.text, fields)
    if isinstance(node, Or):
        return FieldsOr([translate(x, fields) for x in node.items])
    if isinstance(node, And):
        pos = [translate(x, fields) for x in node.items if not isinstance(x, Not)]
        neg = [translate(x.node, fields) for x in node.items if isinstance(x, Not)]
        positive = wq.And(pos) if len(pos) > 1 else pos[0]
        return wq.AndNot(positive, wq.Or(neg)) if neg else positive
    raise ValueError(f"cannot translate {node!r}")  # a bare Not is split off by the caller


def positive_terms(node: Node) -> set[str]:
    """Every index term of the node's positive words and phrases (what to highlight)."""
    out: set[str] = set()
    if isinstance(node, Term | Phrase):
        out.update(tokens(node.text))
    elif isinstance(node, And | Or):
        for item in node.items:
            if not isinstance(item, Not):
                out |= positive_terms(item)
    return out


class MarkerFormatter(highlight.Formatter):
    """Raw text with START/STOP around matches; escaping happens once, in sqlsearch.marked."""

    between = " … "

    def __init__(self, start: str, stop: str):
        self.start, self.stop = start, stop

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return self.start + highlight.get_text(text, token, replace) + self.stop


FRAGMENTER = highlight.ContextFragmenter(maxchars=200, surround=50)
# Characters of a field analysed around a likely match (see excerpt).
WINDOW = 260


@lru_cache(maxsize=256)
def _likely(terms: frozenset[str]) -> re.Pattern[str]:
    # A stem is usually the start of the words it came from ("databas" in "databases").
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?i)(?<!\w)(?:{alternatives})")


def excerpt(text: str, terms: frozenset[str], start: str, stop: str,
            whole: bool = False) -> str:
    """Up to two marked fragments of `text` around `terms`, or '' when none occurs.

    Analysing a whole 5 KB timeline costs milliseconds per hit, so unless `whole`, only a
    window around the first likely occurrence is analysed (and '' if there is none).
    """
    if not terms:
        return ""
    if not whole:
        found = _likely(terms).search(text)
        if found is None:
            return ""
        left = text.rfind(" ", 0, max(0, found.start() - WINDOW // 4)) + 1
        right = text.find(" ", found.start() + WINDOW)
        text = text[left:right if right > 0 else len(text)]
    return highlight.highlight(text, terms, ANALYZER, FRAGMENTER,
                               MarkerFormatter(start, stop), top=2)
