"""The Whoosh index on disk: schema, generations behind a pointer file, the writer lock,
and one searcher per worker thread reopened when the index changed.

Layout of DEBRIEF_WHOOSH_DIR::

    CURRENT          name of the live generation, replaced atomically (os.replace)
    gen-<stamp>/     a complete Whoosh index; a rebuild writes a new one, then swaps
    writer.lock      flock: one writer (outbox drain or rebuild) at a time, all processes
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import BOOLEAN, NUMERIC, STORED, TEXT, Schema
from whoosh.searching import Searcher

from . import document


class SectionBoost(Filter):
    """Weigh each word by the section it came from, marked by SECTION tokens in the text.

    One "public" field carries the whole public text, so each query word reads one
    posting list instead of one per field; a title word still counts BOOSTS["title"]
    times as much as a timeline word (Whoosh scores the summed token boosts).
    """

    def __call__(self, tokens: Any) -> Any:
        boost = 1.0
        for t in tokens:
            if t.text in MARKERS:
                boost = MARKERS[t.text]
                continue  # the marker's position stays empty: no phrase spans two sections
            t.boost = boost
            yield t


# Field boosts: title > summary, impact, factors > review, actions, services, tags > timeline.
BOOSTS = {"title": 10.0, "main": 4.0, "review": 2.0, "extra": 2.0, "timeline": 1.0}
SECTION = {f: f"qqsection{f}qq" for f in BOOSTS}
MARKERS = {SECTION[f]: b for f, b in BOOSTS.items()}
# Every word is kept (no stop list), as FTS5's porter tokenizer does: phrases stay exact.
ANALYZER = RegexTokenizer() | LowercaseFilter() | SectionBoost() | StemFilter()
POINTER = "CURRENT"


def public_text(doc: document.Document) -> str:
    """The public fields in one text, each behind its section marker."""
    return "\n".join(f"{SECTION[f]} {getattr(doc, f)}" for f in BOOSTS)


def schema() -> Schema:
    """One matched public field, draft text apart (editors only), the fields stored as
    they are for snippets, and what ordering and permission checks need."""
    stored = {f: STORED() for f in BOOSTS}
    return Schema(id=NUMERIC(int, bits=64, stored=True, unique=True, sortable=True),
                  when=NUMERIC(int, bits=64, sortable=True),
                  restricted=BOOLEAN(),
                  public=TEXT(analyzer=ANALYZER),
                  draft=TEXT(analyzer=ANALYZER, field_boost=2.0, stored=True), **stored)


@dataclass
class View:
    """An open searcher of one generation, with incident id <-> document number maps."""

    generation: str
    searcher: Searcher
    docnum: dict[int, int] = field(default_factory=dict)
    incident_of: dict[int, int] = field(default_factory=dict)
    restricted: frozenset[int] = frozenset()


class Store:
    """The index directory of one app; safe to share between threads and processes."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self._local = threading.local()

    # -- generations -----------------------------------------------------------------------
    def current(self) -> str:
        """Name of the live generation, creating an empty index on first use."""
        try:
            return (self.root / POINTER).read_text().strip()
        except FileNotFoundError:
            # Its own lock file: a drain or rebuild holding writer.lock may get here.
            with self.lock(timeout=30, name="create.lock"):
                if not (self.root / POINTER).exists():
                    self.swap(self.create())
            return (self.root / POINTER).read_text().strip()

    def create(self) -> str:
        """A new empty generation (not yet live)."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        (self.root / name).mkdir()
        windex.create_in(self.root / name, schema())
        return name

    def swap(self, name: str) -> None:
        """Make `name` the live generation atomically; open searchers keep their files."""
        tmp = self.root / f"{POINTER}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(name + "\n")
        os.replace(tmp, self.root / POINTER)

    def clean(self) -> None:
        """Remove generations other than the live one (left by rebuilds, killed or not).

        Called with the writer lock held. A searcher still reading a removed generation
        keeps working: its files stay readable until it closes them.
        """
        live = self.current()
        for path in self.root.glob("gen-*"):
            if path.name != live and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob(f"{POINTER}.*"):
            path.unlink(missing_ok=True)

    def open(self, name: str | None = None) -> windex.Index:
        return windex.open_dir(self.root / (name or self.current()))

    # -- the writer lock -------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, blocking: bool = True, timeout: float = 600,
             name: str = "writer.lock") -> Iterator[bool]:
        """Hold the writer lock; yields False at once when not `blocking` and it is taken.

        flock belongs to the open file, not the process: two threads of one worker
        exclude each other too, and a killed holder's lock is released by the kernel.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / name, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not blocking:
                        yield False
                        return
                    if time.monotonic() > deadline:
                        raise TimeoutError("the Whoosh writer lock is held by another "
                                           "process (a rebuild?)") from None
                    time.sleep(0.05)
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- searchers -------------------------------------------------------------------------
    def close(self) -> None:
        """Close this thread's searcher (its files), e.g. before dropping the app."""
        state: View | None = getattr(self._local, "view", None)
        if state is not None and getattr(self._local, "pid", None) == os.getpid():
            state.searcher.close()
        self._local.view = None

    def view(self) -> View:
        """This thread's searcher, reopened if a drain or a rebuild changed the index.

        Never Searcher.refresh(): on whoosh-reloaded it returns deleted documents after a
        merge; a fresh searcher is cheap next to a wrong answer.
        """
        live = self.current()
        state: View | None = getattr(self._local, "view", None)
        if (state is not None and getattr(self._local, "pid", None) == os.getpid()
                and state.generation == live and state.searcher.up_to_date()):
            return state
        if state is not None and getattr(self._local, "pid", None) == os.getpid():
            state.searcher.close()
        try:
            searcher = self.open(live).searcher()
        except (FileNotFoundError, windex.EmptyIndexError):
            # A rebuild swapped and cleaned between our reading the pointer and opening.
            live = self.current()
            searcher = self.open(live).searcher()
        state = View(live, searcher)
        reader = searcher.reader()
        if searcher.doc_count_all():  # an empty index has no columns to read
            ids = reader.column_reader("id")
            state.incident_of = {d: ids[d] for d in reader.all_doc_ids()}
            state.docnum = {i: d for d, i in state.incident_of.items()}
            state.restricted = frozenset(searcher.docs_for_query(_restricted_query()))
        self._local.view = state
        self._local.pid = os.getpid()
        return state


def _restricted_query() -> Any:
    from whoosh.query import Term

    return Term("restricted", True)
