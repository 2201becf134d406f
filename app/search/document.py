"""What is indexed: one document per incident, its text split into weighted fields."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Action, ContributingFactor, Incident, Review, TimelineEvent

# Field order is also the FTS5 column order; weights go title > main > review/extra > timeline.
FIELDS = ("title", "main", "review", "extra", "timeline", "draft")
PUBLIC_FIELDS = FIELDS[:-1]
# Snippet markers: control characters that never survive into indexed text.
START, STOP = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WORD = re.compile(r"[^\W\d_]{3,30}", re.UNICODE)
# How much timeline text one incident's document holds: starred events first, then the
# rest in time order. About 10,000 chat messages; a 200,000-message import otherwise built
# a 20 MB document and took 250 MB of memory to index it, for the lowest-weighted field.
TIMELINE_CHARS = 1_000_000


@dataclass
class Document:
    """The searchable text of one incident; `draft` is matched only for editors and above."""

    incident_id: int
    title: str = ""
    main: str = ""
    review: str = ""
    extra: str = ""
    timeline: str = ""
    draft: str = ""

    def as_row(self) -> dict[str, object]:
        return {"id": self.incident_id, **{f: getattr(self, f) for f in FIELDS}}

    def words(self) -> set[str]:
        """Every distinct lower-case word, for the "did you mean" vocabulary."""
        return {w.lower() for f in FIELDS for w in _WORD.findall(getattr(self, f))}


def _clean(parts: Iterable[str | None]) -> str:
    return _CONTROL.sub(" ", "\n".join(p for p in parts if p))


def _review_texts(review: Review | None) -> tuple[list[str], list[str]]:
    """(published text, draft text): drafts are section texts not in the published snapshot."""
    if review is None:
        return [], []
    snapshot = review.published_snapshot or {}
    published: dict[str, str] = {}
    texts: list[str] = []
    sections = snapshot.get("sections") or []
    if isinstance(sections, dict):  # older snapshots (and the demo) map key -> text
        sections = [{"key": k, "content": v} for k, v in sections.items()]
    for section in sections:
        if not isinstance(section, dict):
            continue
        content = str(section.get("content") or "")
        published[str(section.get("key", ""))] = content
        texts += [str(section.get("title") or ""), content]
    draft = [s.content for s in review.sections
             if s.content and published.get(s.key) != s.content]
    return texts, draft


def build(db: Session, incident_ids: Iterable[int]) -> Iterator[Document]:
    """The documents of the given incidents (missing incidents are skipped)."""
    ids = sorted(set(incident_ids))
    if not ids:
        return
    incidents = db.scalars(select(Incident).where(Incident.id.in_(ids))).all()
    factors: dict[int, list[ContributingFactor]] = defaultdict(list)
    for f in db.scalars(select(ContributingFactor).where(ContributingFactor.incident_id.in_(ids))
                        .order_by(ContributingFactor.id)):
        factors[f.incident_id].append(f)
    actions: dict[int, list[str]] = defaultdict(list)
    for inc_id, title, desc in db.execute(select(Action.incident_id, Action.title,
                                                 Action.description)
                                          .where(Action.incident_id.in_(ids))
                                          .order_by(Action.id)):
        actions[inc_id] += [title, desc]
    reviews = {r.incident_id: r for r in db.scalars(
        select(Review).options(selectinload(Review.sections))
        .where(Review.incident_id.in_(ids)))}
    timeline: dict[int, list[str]] = defaultdict(list)
    size: dict[int, int] = defaultdict(int)
    for inc_id, text, note in db.execute(
            select(TimelineEvent.incident_id, TimelineEvent.text, TimelineEvent.annotation)
            .where(TimelineEvent.incident_id.in_(ids), TimelineEvent.hidden.is_(False))
            .order_by(TimelineEvent.incident_id, TimelineEvent.starred.desc(),
                      TimelineEvent.occurred_at, TimelineEvent.id)
            .execution_options(yield_per=2000)):
        if size[inc_id] >= TIMELINE_CHARS:
            continue
        timeline[inc_id] += [text, note]
        size[inc_id] += len(text) + len(note)
    for inc in incidents:
        published, draft = _review_texts(reviews.get(inc.id))
        facts = factors[inc.id]
        yield Document(
            incident_id=inc.id,
            title=_clean([inc.title]),
            main=_clean([inc.summary, inc.impact_description]
                        + [f"{f.category.value}: {f.description}" for f in facts]),
            review=_clean(published),
            extra=_clean(actions[inc.id] + [s.name for s in inc.services]
                         + [t.name for t in inc.tags]),
            timeline=_clean(timeline[inc.id]),
            draft=_clean(draft),
        )
