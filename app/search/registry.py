"""Search backends by name: a dict, a decorator, and the choice for an app's database."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from .protocol import SearchBackend

BACKENDS: dict[str, Callable[[dict[str, Any]], SearchBackend]] = {}
# The backends that ship with Debrief, by name, and the module that registers each.
BUILT_IN = {"sqlite-fts5": "fts5", "postgres": "postgres", "whoosh": "whoosh_backend"}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make a backend selectable as DEBRIEF_SEARCH_BACKEND=name."""

    def decorator(cls: type) -> type:
        cls.name = name
        BACKENDS[name] = cls
        return cls

    return decorator


def default_for(dialect: str) -> str:
    """The backend that lives in a database of this dialect."""
    return "postgres" if dialect == "postgresql" else "sqlite-fts5"


def create(config: dict[str, Any], dialect: str) -> SearchBackend:
    """Build the configured backend (or the database's own) for one app."""
    name = config.get("DEBRIEF_SEARCH_BACKEND") or default_for(dialect)
    if name in BUILT_IN:
        # Imported on demand: Whoosh costs every process memory it does not use otherwise.
        import_module(f"{__package__}.{BUILT_IN[name]}")  # registers the backend
    if name not in BACKENDS:
        raise RuntimeError(f"DEBRIEF_SEARCH_BACKEND: unknown backend {name!r}; "
                           f"known: {', '.join(sorted(set(BACKENDS) | set(BUILT_IN)))}")
    needs = {"sqlite-fts5": "sqlite", "postgres": "postgresql"}.get(name)
    if needs and needs != dialect:
        raise RuntimeError(f"DEBRIEF_SEARCH_BACKEND={name} needs a {needs} database, "
                           f"not {dialect}")
    return BACKENDS[name](config)
