"""The importer registry: a dict, a decorator, lookup and format detection."""

from __future__ import annotations

from .base import Importer, Source, UnknownFormatError

_IMPORTERS: dict[str, Importer] = {}


def register(cls: type) -> type:
    """Class decorator: instantiate the importer and register it under `cls.name`."""
    instance = cls()
    if instance.name in _IMPORTERS:
        raise RuntimeError(f"importer {instance.name!r} registered twice")
    _IMPORTERS[instance.name] = instance
    return cls


def get(name: str) -> Importer:
    """The importer called `name`, or UnknownFormatError listing the known ones."""
    try:
        return _IMPORTERS[name]
    except KeyError:
        raise UnknownFormatError(
            f"unknown format {name!r}; formats understood: {', '.join(sorted(_IMPORTERS))}"
        ) from None


def all_importers() -> list[Importer]:
    """Every registered importer, by name."""
    return [_IMPORTERS[k] for k in sorted(_IMPORTERS)]


def detect(source: Source) -> Importer:
    """Pick the importer whose `sniff` accepts `source`; a clear error when none does."""
    # Sniffers are ordered most specific first (priority, lower first) so that e.g. a
    # generic JSON Lines file is only chosen when no vendor format claims the input.
    ordered = sorted(_IMPORTERS.values(), key=lambda i: (getattr(i, "priority", 50), i.name))
    for importer in ordered:
        try:
            if importer.sniff(source):
                return importer
        except Exception:  # noqa: BLE001 - a sniffer must never break detection
            continue
    labels = "; ".join(f"{i.name} ({i.label})" for i in all_importers())
    raise UnknownFormatError(
        f"could not recognise the format of {source.name!r}. Formats understood: {labels}",
        file=source.name,
    )
