"""Pick the words that characterise a document, for "similar incidents". Pure."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from .query import Node, Or, Term

if TYPE_CHECKING:
    from .document import Document

_WORD = re.compile(r"[^\W\d_]{3,30}", re.UNICODE)
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our out over own same she should
so some such than that the their them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your
yours yet via per was were been its it's cannot can't don't didn't isn't wasn't new one two
incident incidents issue issues users user team time minutes hour hours still see seen
""".split())


def key_terms(weighted_texts: list[tuple[str, int]], limit: int = 12) -> list[str]:
    """The `limit` most telling words of texts given with weights (title heavier)."""
    counts: Counter[str] = Counter()
    for text, weight in weighted_texts:
        for word in _WORD.findall(text or ""):
            w = word.lower()
            if w not in STOPWORDS:
                counts[w] += weight
    return [w for w, _ in counts.most_common(limit)]


def like_query(doc: Document) -> Node | None:
    """An OR of the telling words of a document's public text, title heaviest."""
    words = key_terms([(doc.title, 4), (doc.main, 2), (doc.extra, 2), (doc.review, 1)])
    if not words:
        return None
    return Or(tuple(Term(w) for w in words)) if len(words) > 1 else Term(words[0])
