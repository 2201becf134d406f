"""Typed access to a parsed JSON export, shared by the tracker importers (pure).

Every failure is an ImportFormatError naming the file and the JSON path of the field.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from .base import ImportFormatError
from .timeparse import parse_iso


class JsonDoc:
    """Checks on the values of one parsed JSON document; errors name the file and path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, message: str, path: str) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, field=path or None)

    def obj(self, value: Any, path: str, *, optional: bool = False) -> dict[str, Any]:
        if value is None and optional:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"expected an object, got {type(value).__name__}", path)
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"expected a list, got {type(value).__name__}", path)
        return value

    def text(self, value: Any, path: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float) and math.isfinite(value):
            return str(value)
        raise self.error(f"expected text, got {value!r:.20}", path)

    def time(self, value: Any, path: str) -> datetime:
        if not isinstance(value, str):
            raise self.error("missing or non-text timestamp", path)
        try:
            return parse_iso(value, file=self.file, field=path)
        except OverflowError:
            raise self.error(f"timestamp out of range: {value[:40]!r}", path) from None
