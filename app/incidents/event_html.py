"""Rendered timeline rows, kept per app and keyed by everything a row shows.

A 500-event incident page spent most of its time escaping the same values into the same
markup on every view. Each row's HTML is now kept under a key made of every field it
shows, the viewer's zone and whether the viewer may edit: a changed event has a new key,
so a kept row can never be stale, and nothing needs invalidating.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app
from markupsafe import Markup

TEMPLATE = "incidents/_event.html"


class RowCache:
    """A bounded, thread-safe LRU of rendered rows."""

    # Worst case: 10,000 keys and rows of up to 8 KB each (larger ones are not kept):
    # about 160 MB; a typical row and its key are under 2 KB.
    MAX_ROW_BYTES = 8 * 1024

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self.rows: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> str | None:
        with self.lock:
            html = self.rows.get(key)
            if html is not None:
                self.rows.move_to_end(key)
            return html

    def put(self, key: tuple[Any, ...], html: str) -> None:
        if len(html) > self.MAX_ROW_BYTES:
            return  # long messages are rare: rendering them afresh costs little
        with self.lock:
            self.rows[key] = html
            while len(self.rows) > self.max_entries:
                self.rows.popitem(last=False)


def row_key(e: Any, zone: str, can_edit: bool, events_url: str) -> tuple[Any, ...]:
    """Every input of the row template: keep in step with templates/incidents/_event.html.

    `e` is a row of the incident page's columns (app/incidents/display.py), whose last one,
    the raw source item, the template does not show (and a dict cannot be hashed).
    """
    return (e[:-1], zone, can_edit, events_url)


def row_renderer(zone: str, can_edit: bool, events_url: str) -> Callable[[Any], Markup]:
    """A function the incident page calls for each event, returning the row's HTML."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: RowCache = app.extensions.setdefault("debrief_event_rows", RowCache())
    template = app.jinja_env.get_template(TEMPLATE)

    def render(e: Any) -> Markup:
        key = row_key(e, zone, can_edit, events_url)
        html = cache.get(key)
        if html is None:
            html = template.render(e=e, can_edit=can_edit, events_url=events_url)
            cache.put(key, html)
        return Markup(html)

    return render
